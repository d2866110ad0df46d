"""Forms of the campaign, commitment and joint-meeting pages.

Every choice field is scoped (campaigns, units, organisations, pairings the user may use), so a
posted foreign id fails validation. The forms only collect input: the rules live in
``campaigns.services`` and the views turn a service ``ValidationError`` into form errors.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cobuild.codes import code_unusable_message
from cobuild.params import DateField, parse_id
from cobuild.pickers import PickerSelect, is_large, source
from organizations.models import Organization, Unit
from organizations.pickers import KIND as UNITS
from organizations.pickers import SCOPE as SCOPED_UNITS
from pairings.models import Pairing
from pairings.pickers import SCOPE as SCOPED_PAIRINGS

from . import selectors_commitments as sel
from .models import Campaign, CommitmentStatus, DecisionStatus, Phase, subject_choices

DATE = {"type": "date"}

#: the units a campaign may be owned by (cobuild.pickers; search-as-you-type for big scopes)
OWNER_UNITS = source(UNITS, "campaign_owner", sel.campaign_owner_choices)


def date_field(label, required=True, **kwargs):
    return DateField(label=label, required=required,
                           widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), **kwargs)


def text_area(label, rows=3, required=True, max_length=2000, **kwargs):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def _helper(submit="保存"):
    helper = FormHelper()
    helper.add_input(Submit("submit", submit, css_class="btn-danger"))
    return helper


class PairingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, p):
        return f"{p.bureau.name} — {p.village.name}"


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, o):
        return f"{o.name}({o.get_kind_display()})"


class MemberOrganizationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, o):
        return f"{o.unit.name} · {o.name}"


class MemberUnitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, u):
        return f"{u.name}({u.get_kind_display()})"


# --- campaigns ------------------------------------------------------------------------------------

class CampaignForm(forms.Form):
    slug = forms.SlugField(
        label="代码", max_length=64,
        help_text="英文字母、数字和连字符,如 bjlbc-2024;导入数据时用它指明活动,设立后不能修改。")
    name = forms.CharField(label="名称", max_length=100)
    theme = forms.CharField(label="主题", max_length=200, required=False)
    owner_unit = forms.ModelChoiceField(label="主办单位", queryset=Unit.objects.none(),
                                        widget=PickerSelect(OWNER_UNITS))
    start_date = date_field("开始日期")
    end_date = date_field("结束日期", required=False)
    phase = forms.ChoiceField(label="当前阶段", choices=Phase.choices, initial=Phase.MOBILISE)
    description = text_area("实施方案要点", rows=5, required=False, max_length=5000)

    def __init__(self, *args, user, instance: Campaign | None = None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "slug": instance.slug, "name": instance.name, "theme": instance.theme,
                "owner_unit": instance.owner_unit_id, "start_date": instance.start_date,
                "end_date": instance.end_date, "phase": instance.phase, "description": instance.description,
            }
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = sel.campaign_owner_choices(user)
        if instance is not None:
            self.fields["slug"].disabled = True
        self.helper = _helper()

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if self.instance is None and Campaign.objects.filter(slug=slug).exists():
            raise ValidationError(code_unusable_message(slug))  # whoever's campaign holds it
        return slug

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label="阶段", choices=Phase.choices,
                              widget=forms.Select(attrs={"class": "form-select form-select-sm"}))


# --- commitments ----------------------------------------------------------------------------------

class CommitmentForm(forms.Form):
    """A commitment of one unit: organisation choices are that unit's organisations, pairing
    choices the scoped pairings the unit is a side of."""

    campaign = forms.ModelChoiceField(label="所属活动", queryset=Campaign.objects.none())
    organization = OrganizationChoiceField(label="承诺组织", queryset=Organization.objects.none(),
                                           required=False, empty_label="(以单位名义承诺)")
    pairing = PairingChoiceField(label="结对共建", queryset=Pairing.objects.none(), required=False,
                                 empty_label="(不属于结对共建)")
    content = text_area("承诺内容", rows=3)
    made_on = date_field("承诺日期")
    due_date = date_field("承诺时限", required=False, help_text="到期未完成的承诺会标红提示。")
    status = forms.ChoiceField(label="状态", choices=CommitmentStatus.choices, initial=CommitmentStatus.PENDING)
    progress = text_area("进展情况", rows=2, required=False)
    completed_on = date_field("完成日期", required=False, help_text="状态为“已完成”时必填。")
    evidence = text_area("完成佐证", rows=2, required=False,
                         help_text="如:验收材料、照片编号、群众签字等。")
    # The version the page was opened with: only compared with the stored one by the service.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, unit: Unit, instance=None, **kwargs):
        self.instance = instance
        if "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(user, unit, instance)
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_user(user)
        self.fields["organization"].queryset = Organization.objects.filter(unit=unit).order_by("kind", "name")
        self.fields["pairing"].queryset = sel.unit_pairings(user, unit)
        if instance is not None:
            self.fields["version"].required = True
        self.helper = _helper()

    @staticmethod
    def initial_for(user, unit, instance):
        if instance is not None:
            return {
                "campaign": instance.campaign_id, "organization": instance.organization_id,
                "pairing": instance.pairing_id, "content": instance.content, "made_on": instance.made_on,
                "due_date": instance.due_date, "status": instance.status, "progress": instance.progress,
                "completed_on": instance.completed_on, "evidence": instance.evidence,
                "version": instance.version,
            }
        initial = {"made_on": timezone.localdate(), "status": CommitmentStatus.PENDING}
        pairings = list(sel.unit_pairings(user, unit)[:2])
        if len(pairings) == 1:  # the usual case: a village or bureau with one partner
            initial["pairing"], initial["campaign"] = pairings[0].pk, pairings[0].campaign_id
        else:
            campaign = Campaign.objects.for_user(user).first()
            initial["campaign"] = campaign.pk if campaign else None
        return initial


class CommitmentStatusForm(forms.Form):
    """The quick update from a phone: status, progress, completion date and evidence."""

    status = forms.ChoiceField(label="状态", choices=CommitmentStatus.choices)
    progress = text_area("进展情况", rows=3, required=False)
    completed_on = date_field("完成日期", required=False, help_text="状态为“已完成”时必填。")
    evidence = text_area("完成佐证", rows=2, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, instance, **kwargs):
        self.instance = instance
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "status": instance.status, "progress": instance.progress,
                "completed_on": instance.completed_on or (timezone.localdate()
                                                          if instance.status != CommitmentStatus.DONE else None),
                "evidence": instance.evidence, "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        self.helper = _helper("保存进展")


class CommitmentFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    campaign = forms.ModelChoiceField(label="活动", queryset=Campaign.objects.none(), required=False,
                                      empty_label="全部活动")
    status = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *CommitmentStatus.choices], required=False)
    unit = forms.ModelChoiceField(label="单位(含下级)", queryset=Unit.objects.none(), required=False,
                                  empty_label="全部单位", widget=PickerSelect(SCOPED_UNITS))
    pairing = PairingChoiceField(label="结对共建", queryset=Pairing.objects.none(), required=False,
                                 empty_label="全部结对", widget=PickerSelect(SCOPED_PAIRINGS))
    overdue = forms.BooleanField(label="只看逾期", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_user(user)
        self.fields["pairing"].queryset = Pairing.objects.for_user(user).select_related("village", "bureau")
        unit_choices(self.fields["unit"], user, self.data.get("unit"))
        compact(self)


def compact(form) -> None:
    """Small selects for a filter bar rendered field by field."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs.update({"class": "form-select form-select-sm", "aria-label": field.label})
        elif isinstance(field.widget, forms.TextInput):
            field.widget.attrs.update({"class": "form-control form-control-sm", "aria-label": field.label})


def unit_choices(field, user, selected) -> None:
    """A unit filter: any scoped unit validates; the menu lists the areas and the user's units
    (plus the one selected, e.g. from a board's link). Beyond the picker threshold
    (``cobuild.pickers``) it is a search over the scoped units instead."""
    field.queryset = Unit.objects.for_user(user)
    if is_large(field.queryset):
        return
    options = list(sel.filter_unit_choices(user))
    selected = parse_id(selected)
    if selected and all(u.pk != selected for u in options):
        extra = field.queryset.filter(pk=selected).first()
        if extra is not None:
            options.append(extra)
    top = min((u.depth for u in options), default=0)
    field.widget.choices = [("", "全部单位")] + [
        (u.pk, "\u3000" * (u.depth - top) + u.name) for u in options]


# --- joint meetings -------------------------------------------------------------------------------

class MeetingForm(forms.Form):
    campaign = forms.ModelChoiceField(label="所属活动", queryset=Campaign.objects.none())
    title = forms.CharField(label="会议名称", max_length=120, initial="党工青妇联席会议")
    held_on = date_field("会议日期")
    pairing = PairingChoiceField(label="结对共建", queryset=Pairing.objects.none(), required=False,
                                 empty_label="(不属于结对共建)")
    member_units = MemberUnitsField(label="参会单位", queryset=Unit.objects.none(), required=False,
                                    widget=forms.CheckboxSelectMultiple)
    member_organizations = MemberOrganizationsField(
        label="参会组织(党、工、青、妇)", queryset=Organization.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    minutes = text_area("会议纪要", rows=6, required=False, max_length=20000)

    def __init__(self, *args, user, host: Unit, instance=None, **kwargs):
        if "initial" not in kwargs:
            if instance is not None:
                kwargs["initial"] = {
                    "campaign": instance.campaign_id, "title": instance.title, "held_on": instance.held_on,
                    "pairing": instance.pairing_id, "minutes": instance.minutes,
                    "member_units": [u.pk for u in instance.member_units.all()],
                    "member_organizations": [o.pk for o in instance.member_organizations.all()],
                }
            else:
                kwargs["initial"] = {"held_on": timezone.localdate(), "member_units": [host.pk],
                                     "member_organizations": list(host.organizations.values_list("pk", flat=True))}
                pairings = list(sel.unit_pairings(user, host)[:2])
                if len(pairings) == 1:  # a village or bureau with its one partner
                    kwargs["initial"].update(pairing=pairings[0].pk, campaign=pairings[0].campaign_id)
                    kwargs["initial"]["member_units"].append(
                        pairings[0].bureau_id if pairings[0].village_id == host.pk else pairings[0].village_id)
                else:
                    campaign = Campaign.objects.for_user(user).first()
                    kwargs["initial"]["campaign"] = campaign.pk if campaign else None
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_user(user)
        self.fields["pairing"].queryset = sel.unit_pairings(user, host)
        self.fields["member_units"].queryset = sel.meeting_unit_choices(user, host)
        self.fields["member_organizations"].queryset = sel.meeting_org_choices(user, host)
        self.helper = _helper()


class DecisionForm(forms.Form):
    content = text_area("议定事项", rows=2)
    assigned_unit = forms.ModelChoiceField(label="责任单位", queryset=Unit.objects.none())
    deadline = date_field("完成时限", required=False)

    def __init__(self, *args, user, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_unit"].queryset = sel.meeting_unit_choices(user, meeting.host_unit)
        self.helper = _helper("添加议定事项")
        self.helper.form_action = reverse("campaigns:meeting_decision_add", args=[meeting.pk])


class DecisionUpdateForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=DecisionStatus.choices)
    result = text_area("落实情况", rows=3, required=False)
    done_on = date_field("落实日期", required=False, help_text="状态为“已落实”时必填。")

    def __init__(self, *args, instance, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {"status": instance.status, "result": instance.result,
                                 "done_on": instance.done_on or timezone.localdate()}
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class DecisionCorrectionForm(DecisionUpdateForm):
    """A county admin's 更正 of a decision: what was decided and its deadline too."""

    content = text_area("议定事项", rows=2)
    deadline = date_field("完成时限", required=False)
    field_order = ["content", "deadline", "status", "result", "done_on"]

    def __init__(self, *args, instance, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {"content": instance.content, "deadline": instance.deadline,
                                 "status": instance.status, "result": instance.result, "done_on": instance.done_on}
        super().__init__(*args, instance=instance, **kwargs)
        self.order_fields(self.field_order)


class SurveyCorrectionForm(forms.Form):
    """A county admin's 更正 of an appraisal's tallies (民主测评票数)."""

    subject = forms.ChoiceField(label="测评对象", choices=subject_choices)
    held_on = date_field("测评日期")
    satisfied = forms.IntegerField(label="满意", min_value=0)
    basically_satisfied = forms.IntegerField(label="基本满意", min_value=0)
    dissatisfied = forms.IntegerField(label="不满意", min_value=0)

    def __init__(self, *args, instance, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {"subject": instance.subject, "held_on": instance.held_on,
                                 "satisfied": instance.satisfied, "basically_satisfied": instance.basically_satisfied,
                                 "dissatisfied": instance.dissatisfied}
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subject_choices(include=instance.subject)   # a retired subject stays
        for name in ("satisfied", "basically_satisfied", "dissatisfied"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        self.helper = _helper()


class DecisionFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    status = forms.ChoiceField(label="状态", required=False, choices=[
        ("", "未落实(待落实、落实中)"), *DecisionStatus.choices, ("all", "全部")])
    unit = forms.ModelChoiceField(label="责任单位(含下级)", queryset=Unit.objects.none(), required=False,
                                  empty_label="全部单位", widget=PickerSelect(SCOPED_UNITS))
    overdue = forms.BooleanField(label="只看逾期", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        unit_choices(self.fields["unit"], user, self.data.get("unit"))
        compact(self)


class MeetingFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    campaign = forms.ModelChoiceField(label="活动", queryset=Campaign.objects.none(), required=False,
                                      empty_label="全部活动")
    unit = forms.ModelChoiceField(label="召集单位(含下级)", queryset=Unit.objects.none(), required=False,
                                  empty_label="全部单位", widget=PickerSelect(SCOPED_UNITS))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_user(user)
        unit_choices(self.fields["unit"], user, self.data.get("unit"))
        compact(self)
