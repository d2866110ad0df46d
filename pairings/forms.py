"""Forms for the supervision pages, phone-first: big touch targets, native date pickers, numeric
keyboards, messages in plain Chinese. Every choice of a unit, pairing, campaign or contact point
is scoped to the user (``pairings.supervision_selectors``), so a posted foreign id is refused.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone

from cobuild.params import DateField
from cobuild.pickers import PickerSelect, source
from organizations.models import Unit
from organizations.pickers import KIND as UNITS

from . import supervision_selectors as sel
from .models import (
    HelpStatus,
    HouseholdKind,
    InspectionKind,
    InspectionMethod,
    Pairing,
    PairingStatus,
    RectificationStatus,
)
from .pickers import KIND as PAIRINGS

FOREIGN_CHOICE = "请从列表中选择,所选项不在您的工作范围内。"

# What each picker offers (cobuild.pickers): the same scoped querysets the forms validate against.
SUPERVISED_UNITS = source(UNITS, "supervised", sel.supervised_units)
RESPONSIBLE_UNITS = source(UNITS, "responsible", sel.responsible_unit_choices)
COUNTY_ADMIN_UNITS = source(UNITS, "county_admin", sel.county_admin_units)
TOWNSHIPS = source(UNITS, "townships", sel.townships)
VISIBLE_VILLAGES = source(UNITS, "visible_villages", sel.visible_villages)
HELP_PAIR_VILLAGES = source(UNITS, "help_pair_villages", sel.help_pair_villages)
MEMBER_UNITS = source(UNITS, "member_units", sel.member_unit_choices)
SUPERVISION_PAIRINGS = source(PAIRINGS, "supervision", sel.pairings)
HELP_PAIR_PAIRINGS = source(PAIRINGS, "help_pair", sel.help_pair_pairings)


# --- widgets and helpers ---------------------------------------------------------------------------

class DateInput(forms.DateInput):
    """A native date picker (``type=date`` needs ISO dates)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label, required=True, **kwargs):
    return DateField(label=label, required=required, widget=DateInput(),
                           error_messages={"required": f"请选择{label}。", "invalid": "请按 年-月-日 填写日期。"},
                           **kwargs)


def count_field(label, **kwargs):
    return forms.IntegerField(
        label=label, min_value=1, max_value=9999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", "min": 1}),
        error_messages={"required": f"请填写{label}。", "invalid": "请填写整数。",
                        "min_value": f"{label}至少为 1。", "max_value": f"{label}不能超过 9999。"},
        **kwargs,
    )


def text_area(label, rows=3, required=False, **kwargs):
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}),
                           error_messages={"required": f"请填写{label}。"}, **kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    """Units labelled with their parent ("第1镇 · 红旗村") so same-named villages differ."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": FOREIGN_CHOICE, "required": "请选择单位。"})
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id and obj.parent else obj.name


class PairingChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": FOREIGN_CHOICE})
        kwargs.setdefault("empty_label", "(不属于某个结对)")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.bureau.name} — {obj.village.name}"


class VillageTaggedSelect(PickerSelect):
    """Options carry ``data-village`` so the page can show only the chosen village's pairings
    (a plain select; beyond the picker threshold the search offers the user's pairings)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if isinstance(instance, Pairing):
            option["attrs"]["data-village"] = instance.village_id
        return option


def touch_friendly(form, submit_label="保存"):
    """Large controls and a full-width submit button for phones."""
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.Select):
            w.attrs["class"] = (w.attrs.get("class", "") + " form-select-lg").strip()
        elif not isinstance(w, forms.CheckboxInput | forms.HiddenInput):
            w.attrs["class"] = (w.attrs.get("class", "") + " form-control-lg").strip()
    form.helper = FormHelper()
    form.helper.add_input(Submit("submit", submit_label, css_class="btn-danger btn-lg w-100"))
    return form


def add_service_error(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where the form has the field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target if target != NON_FIELD_ERRORS else None, e)
    else:
        form.add_error(None, error)


def not_in_future(value, label="日期"):
    if value and value > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。")
    return value


def user_display_name(user) -> str:
    return f"{user.last_name}{user.first_name}".strip() or user.username


# --- contact points --------------------------------------------------------------------------------

class ContactPointForm(forms.Form):
    leader_name = forms.CharField(label="联系领导", max_length=50,
                                  error_messages={"required": "请填写联系领导姓名。"})
    leader_title = forms.CharField(label="职务", max_length=100, required=False,
                                   help_text="如:县委常委、组织部部长")
    unit = UnitChoiceField(label="联系点(村、社区或单位)", queryset=Unit.objects.none(),
                           widget=PickerSelect(COUNTY_ADMIN_UNITS))
    campaign = forms.ModelChoiceField(label="所属活动", queryset=None, required=False,
                                      empty_label="(不限)",
                                      error_messages={"invalid_choice": FOREIGN_CHOICE})
    since = date_field("确定日期", required=False)
    notes = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "leader_name": instance.leader_name, "leader_title": instance.leader_title,
                "unit": instance.unit_id, "campaign": instance.campaign_id, "since": instance.since,
                "notes": instance.notes,
            }
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = sel.county_admin_units(user)
        self.fields["campaign"].queryset = sel.campaigns(user)
        touch_friendly(self)


# --- inspections -----------------------------------------------------------------------------------

class _VisitFields(forms.Form):
    campaign = forms.ModelChoiceField(label="所属活动", queryset=None,
                                      error_messages={"invalid_choice": FOREIGN_CHOICE,
                                                      "required": "请选择所属活动。"})
    held_on = date_field("日期")
    inspector = forms.CharField(label="检查人/带队领导", max_length=100, required=False)
    visitors = count_field("人次", initial=1, help_text="参加走访、检查的人数(人次)。")
    pairing = PairingChoiceField(label="结对共建", queryset=Pairing.objects.none(), required=False,
                                 widget=PickerSelect(SUPERVISION_PAIRINGS),
                                 help_text="在结对村或帮建单位开展的,请选择该结对,记录会进入结对台帐。")
    findings = text_area("发现问题/情况", rows=4)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = sel.campaigns(user)
        self.fields["pairing"].queryset = sel.pairings(user)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("inspector", user_display_name(user))
            campaigns = list(self.fields["campaign"].queryset[:2])
            if len(campaigns) == 1:
                self.initial.setdefault("campaign", campaigns[0].pk)

    def clean_held_on(self):
        return not_in_future(self.cleaned_data["held_on"])

    def _check_pairing(self, unit):
        pairing = self.cleaned_data.get("pairing")
        if pairing and unit and unit.pk not in (pairing.village_id, pairing.bureau_id):
            self.add_error("pairing", "走访地点必须是该结对的村或帮建单位。")


class InspectionForm(_VisitFields):
    """A supervision visit (督查) or a leader's visit, anywhere the user supervises."""

    unit = UnitChoiceField(label="走访/检查地点", queryset=Unit.objects.none(), widget=PickerSelect(SUPERVISED_UNITS))
    kind = forms.ChoiceField(label="类型", choices=InspectionKind.choices, initial=InspectionKind.INSPECTION)
    method = forms.ChoiceField(label="方式", choices=[("", "—"), *InspectionMethod.choices], required=False)
    contact_point = forms.ModelChoiceField(
        label="领导联系点", queryset=None, required=False, empty_label="(不是联系点走访)",
        error_messages={"invalid_choice": FOREIGN_CHOICE})

    field_order = ["campaign", "unit", "pairing", "kind", "method", "held_on", "visitors", "inspector",
                   "contact_point", "findings"]

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "campaign": instance.campaign_id, "unit": instance.unit_id, "pairing": instance.pairing_id,
                "kind": instance.kind, "method": instance.method, "held_on": instance.held_on,
                "visitors": instance.visitors, "inspector": instance.inspector,
                "contact_point": instance.contact_point_id, "findings": instance.findings,
            }
        super().__init__(*args, user=user, **kwargs)
        self.fields["unit"].queryset = sel.supervised_units(user)
        self.fields["contact_point"].queryset = sel.contact_point_choices(user)
        self.order_fields(self.field_order)
        touch_friendly(self)

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        self._check_pairing(unit)
        cp = cleaned.get("contact_point")
        if cp and unit and cp.unit_id != unit.pk:
            self.add_error("contact_point", "联系点与走访地点不一致。")
        if cp and cleaned.get("kind") != InspectionKind.LEADER_VISIT:
            self.add_error("kind", "联系点走访请选择“领导联系点走访”。")
        return cleaned


class VisitForm(_VisitFields):
    """A leader's visit to one contact point: place, kind and contact point are fixed."""

    def __init__(self, *args, user, contact_point, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.unit = contact_point.unit
        self.fields["inspector"].label = "走访领导"
        self.fields["findings"].label = "走访情况"
        self.fields["pairing"].queryset = self.fields["pairing"].queryset.filter(
            Q(village=self.unit) | Q(bureau=self.unit), status=PairingStatus.ACTIVE)
        if not self.is_bound:
            self.initial["inspector"] = contact_point.leader_name
            if contact_point.campaign_id:
                self.initial["campaign"] = contact_point.campaign_id
            theirs = list(self.fields["pairing"].queryset[:2])
            if len(theirs) == 1:  # the place's only active pairing
                self.initial["pairing"] = theirs[0].pk
        touch_friendly(self, "登记走访")

    def clean(self):
        cleaned = super().clean()
        self._check_pairing(self.unit)
        return cleaned


# --- rectification ---------------------------------------------------------------------------------

class RectificationForm(forms.Form):
    description = text_area("整改事项", rows=4, required=True, max_length=2000)
    responsible_unit = UnitChoiceField(label="责任单位", queryset=Unit.objects.none(),
                                       widget=PickerSelect(RESPONSIBLE_UNITS))
    deadline = date_field("整改时限")

    def __init__(self, *args, user, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.fields["responsible_unit"].queryset = sel.responsible_unit_choices(user)
        if not self.is_bound:
            self.initial.setdefault("responsible_unit", inspection.unit_id)
        self.fields["deadline"].help_text = f"不能早于督查日期 {inspection.held_on:%Y-%m-%d}。"
        self.fields["deadline"].widget.attrs["min"] = inspection.held_on.isoformat()
        touch_friendly(self, "提出整改事项")

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < self.inspection.held_on:
            raise ValidationError("整改时限不能早于督查日期。")
        return deadline


class RectificationProgressForm(forms.Form):
    progress = text_area("整改进展", rows=5, required=True)
    status = forms.ChoiceField(label="状态", initial=RectificationStatus.IN_PROGRESS, choices=[
        (RectificationStatus.OPEN, RectificationStatus.OPEN.label),
        (RectificationStatus.IN_PROGRESS, RectificationStatus.IN_PROGRESS.label)])
    deadline = date_field("整改时限", help_text="只有督查人员可以调整时限。")

    def __init__(self, *args, item, may_move_deadline, **kwargs):
        kwargs.setdefault("initial", {"progress": item.progress, "deadline": item.deadline,
                                      "status": RectificationStatus.IN_PROGRESS})
        super().__init__(*args, **kwargs)
        self.item = item
        if may_move_deadline:
            self.fields["deadline"].widget.attrs["min"] = item.inspection.held_on.isoformat()
        else:
            del self.fields["deadline"]
        touch_friendly(self, "保存进展")

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < self.item.inspection.held_on:
            raise ValidationError("整改时限不能早于督查日期。")
        return deadline


class RectificationCloseForm(forms.Form):
    closed_on = date_field("销号日期")
    evidence = text_area("销号佐证", rows=5, required=True,
                         help_text="写清做了什么、结果如何,可注明照片、文件的存放位置。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].error_messages["required"] = "销号必须填写整改佐证(做了什么、结果如何)。"
        self.fields["closed_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not self.is_bound:
            self.initial.setdefault("closed_on", timezone.localdate())
        touch_friendly(self, "下一步:确认销号")

    def clean_closed_on(self):
        return not_in_future(self.cleaned_data["closed_on"], "销号日期")


# --- help pairs ------------------------------------------------------------------------------------

class HelpPairForm(forms.Form):
    village = UnitChoiceField(label="所在村(社区)", queryset=Unit.objects.none(), widget=PickerSelect(HELP_PAIR_VILLAGES))
    pairing = PairingChoiceField(label="结对共建", queryset=Pairing.objects.none(), required=False,
                                 widget=VillageTaggedSelect(HELP_PAIR_PAIRINGS),
                                 help_text="帮扶党员来自结对帮建单位的,请选择该结对。")
    member_name = forms.CharField(label="帮扶党员", max_length=50,
                                  error_messages={"required": "请填写帮扶党员姓名。"})
    member_unit = UnitChoiceField(label="党员所在单位", queryset=Unit.objects.none(), required=False,
                                  empty_label="(不填)", widget=PickerSelect(MEMBER_UNITS))
    household_name = forms.CharField(label="帮扶对象(户主)", max_length=50,
                                     error_messages={"required": "请填写帮扶对象户主姓名。"})
    household_kind = forms.ChoiceField(label="对象类别", choices=HouseholdKind.choices)
    measures = text_area("帮扶措施", rows=4)
    started_on = date_field("结对日期")
    status = forms.ChoiceField(label="状态", choices=HelpStatus.choices, initial=HelpStatus.ACTIVE)

    def __init__(self, *args, user, instance=None, village=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "village": instance.village_id, "pairing": instance.pairing_id,
                "member_name": instance.member_name, "member_unit": instance.member_unit_id,
                "household_name": instance.household_name, "household_kind": instance.household_kind,
                "measures": instance.measures, "started_on": instance.started_on, "status": instance.status,
            }
        super().__init__(*args, **kwargs)
        self.user = user
        villages = sel.help_pair_villages(user)
        pairings = sel.help_pair_pairings(user)
        self.fields["village"].queryset = villages
        self.fields["pairing"].queryset = pairings
        self.fields["member_unit"].queryset = sel.member_unit_choices(user)
        if not self.is_bound:
            self.initial.setdefault("started_on", timezone.localdate())
            if village is None and instance is None:
                only = list(villages[:2])
                village = only[0] if len(only) == 1 else None
            if village is not None:
                self.initial["village"] = village.pk
        if village is not None and instance is None and not self.is_bound:
            # The village's only pairing is preselected; the page script hides other villages' ones.
            theirs = list(pairings.filter(village=village)[:2])
            if len(theirs) == 1:
                self.initial.setdefault("pairing", theirs[0].pk)
        touch_friendly(self)

    def clean(self):
        from .policy import can_edit_help_pair

        cleaned = super().clean()
        village, pairing = cleaned.get("village"), cleaned.get("pairing")
        member_unit = cleaned.get("member_unit")
        if (village and pairing and member_unit is None and not can_edit_help_pair(self.user, village, pairing)
                and can_edit_help_pair(self.user, village, pairing, pairing.bureau)):
            # The bureau's liaison records its own members' help pairs for the pair.
            cleaned["member_unit"] = member_unit = pairing.bureau
        if village and pairing and pairing.village_id != village.pk:
            self.add_error("pairing", "所选结对不属于该村。")
        elif village and not can_edit_help_pair(self.user, village, pairing, member_unit):
            if pairing is not None and can_edit_help_pair(self.user, village, pairing, pairing.bureau):
                self.add_error("member_unit", "结对单位只能登记本单位党员的帮扶对子,党员所在单位请选本单位。")
            else:
                self.add_error("pairing", "请选择本单位与该村的结对。")
        return cleaned


class HelpPairStatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=HelpStatus.choices)
