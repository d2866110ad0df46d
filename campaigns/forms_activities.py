"""Forms of the activity pages. Every choice is scoped to the user, so a posted foreign id is an
invalid choice; the rules themselves (dates, bounds of outcome values, photos) stay in the
services, whose messages the views put next to the fields."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.utils import timezone

from cobuild.params import DateField
from cobuild.pickers import PickerSelect, source
from organizations.pickers import KIND as UNITS
from pairings.pickers import SCOPE as SCOPED_PAIRINGS

from .activity_selectors import OUTCOME_FIELDS_SHOWN, OrganizerChoices, loggable_units, order_outcomes
from .models import Activity, Category, LinkArea, OrganizerRole, ReviewStatus
from .policy import can_log
from .services import PHOTO_MAX_BYTES, PHOTOS_PER_ACTIVITY

OUTCOME_PREFIX = "outcome_"
MAX_PARTICIPANTS = 100_000
MAX_ORGANIZERS = 10

#: the units the activity form offers (cobuild.pickers; search-as-you-type for big scopes)
LOGGABLE_UNITS = source(UNITS, "loggable", loggable_units)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PairingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.bureau.name} — {obj.village.name}"


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; the service checks each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultiplePhotoField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def outcome_field_name(code: str) -> str:
    return f"{OUTCOME_PREFIX}{code}"


class ActivityForm(forms.Form):
    """One activity: where, for which pairing and campaign, what, and its outcome values.

    ``unit`` is the unit whose pairings and organisers are offered (the view resolves it from
    the posted or requested unit); ``units`` are all the units the user may log for.
    """

    unit = UnitChoiceField(label="开展单位", queryset=None, empty_label=None, widget=PickerSelect(LOGGABLE_UNITS))
    pairing = PairingChoiceField(label="结对共建", queryset=None, required=False, empty_label="(不属于结对共建)")
    campaign = CampaignChoiceField(label="所属活动", queryset=None, empty_label=None)
    date = DateField(label="活动日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    category = forms.ChoiceField(label="活动类别", choices=Category.choices)
    link_area = forms.ChoiceField(label="六联", choices=[("", "—"), *LinkArea.choices], required=False)
    title = forms.CharField(label="活动名称", max_length=120,
                            widget=forms.TextInput(attrs={"placeholder": "如:七一主题党日活动", "autocomplete": "off"}))
    participants = forms.IntegerField(label="参加人数", min_value=0, max_value=MAX_PARTICIPANTS, required=False,
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}))
    description = forms.CharField(label="活动内容", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3, "placeholder": "时间、地点、做了什么、效果如何"}))
    # The version the page was opened with (edits): the service refuses a stale save.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    photos = MultiplePhotoField(
        label="活动照片",
        help_text=f"可一次选多张,每张不超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB,每个活动最多 {PHOTOS_PER_ACTIVITY} 张;"
                  "上传后自动压缩。",
    )

    def __init__(self, *args, user, unit, units, pairings, campaigns, indicators, usage=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.indicators = indicators
        self.usage = usage or {"": {}}
        self.fields["unit"].queryset = units.order_by("path")
        self.fields["pairing"].queryset = pairings
        self.fields["campaign"].queryset = campaigns
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        if len(pairings) == 0:
            self.fields["pairing"].widget = forms.HiddenInput()
        if len(self.fields["unit"].queryset.order_by()[:2]) == 1:  # never load (or sort) a province's units
            self.fields["unit"].widget = forms.HiddenInput()
        for pos, ind in enumerate(indicators):
            attrs = {"inputmode": "decimal" if ind.is_money else "numeric", "autocomplete": "off",
                     "class": "outcome-input", "data-pos": pos}
            if ind.max_per_activity is not None:
                attrs["data-max"] = f"{ind.max_per_activity.normalize():f}"
                attrs["data-name"] = ind.name
                attrs["data-unit"] = ind.unit
            # what the page's script needs to re-order the fields when the category changes
            attrs["data-uses"] = ",".join(f"{cat or '*'}:{counts[ind.pk]}"
                                          for cat, counts in self.usage.items() if counts.get(ind.pk))
            self.fields[outcome_field_name(ind.code)] = forms.CharField(
                label=f"{ind.name}({ind.unit})", required=False, max_length=20,
                widget=forms.TextInput(attrs=attrs),
            )
        self.unit_obj = unit
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "version",
            "unit",
            "pairing",
            Div(Div("date", css_class="col-7"), Div("participants", css_class="col-5"), css_class="row g-2"),
            "category",
            "title",
            "campaign",
            "link_area",
            "description",
        )

    @property
    def outcome_fields(self):
        return [self[outcome_field_name(ind.code)] for ind in self.indicators]

    def _category(self):
        return self.data.get("category") if self.is_bound else self.initial.get("category", self.fields["category"].initial)

    @property
    def ordered_outcome_fields(self):
        """The outcome fields in the order this unit uses them for the chosen category (the
        catalogue order for a unit without history): ``(shown, more)``. A field behind "更多"
        with a value or an error opens that part (the template asks ``more_open``)."""
        fields = [self[outcome_field_name(ind.code)]
                  for ind in order_outcomes(self.indicators, self.usage, self._category())]
        return fields[:OUTCOME_FIELDS_SHOWN], fields[OUTCOME_FIELDS_SHOWN:]

    @property
    def more_outcomes_open(self):
        _, more = self.ordered_outcome_fields
        return any(f.value() not in (None, "") or f.errors for f in more)

    def clean(self):
        data = super().clean()
        unit, pairing = data.get("unit"), data.get("pairing")
        if unit is not None and "pairing" not in self.errors and not can_log(self.user, unit, pairing):
            self.add_error("pairing", "您是以结对帮建单位的身份为该村(社区)填报,请选择对应的结对。")
        if data.get("participants") is None:
            data["participants"] = 0
        outcomes = {}
        for ind in self.indicators:
            name = outcome_field_name(ind.code)
            raw = (data.get(name) or "").strip().replace(",", "").replace(",", "")
            if not raw:
                continue
            try:
                if not Decimal(raw).is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                self.add_error(name, f"{ind.name}:请填写数字。")
                continue
            outcomes[ind.code] = raw
        data["outcomes"] = outcomes
        return data

    def add_service_error(self, exc):
        """Put a service ValidationError next to the fields it names (outcomes by indicator code)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            name = outcome_field_name(field) if outcome_field_name(field) in self.fields else field
            if name not in self.fields:
                name = None
            for e in errors:
                self.add_error(name, e)


class OrganizerForm(forms.Form):
    who = forms.ChoiceField(label="组织方", required=False)
    role = forms.ChoiceField(label="作用", choices=OrganizerRole.choices, initial=OrganizerRole.CO_ORGANISES)

    def __init__(self, *args, organizer_choices: OrganizerChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = organizer_choices.choices


class BaseOrganizerFormSet(forms.BaseFormSet):
    def __init__(self, *args, organizer_choices: OrganizerChoices, **kwargs):
        self.organizer_choices = organizer_choices
        kwargs.setdefault("form_kwargs", {})["organizer_choices"] = organizer_choices
        super().__init__(*args, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            who = form.cleaned_data.get("who")
            if not who or form.cleaned_data.get("DELETE"):
                continue
            if who in seen:
                form.add_error("who", "该组织方重复了。")
            seen.add(who)

    def organizers(self) -> list[tuple]:
        """[(unit, organisation or None, role)] for the service."""
        out = []
        for form in self.forms:
            who = form.cleaned_data.get("who")
            if who and not form.cleaned_data.get("DELETE"):
                unit, org = self.organizer_choices.options[who]
                out.append((unit, org, form.cleaned_data["role"]))
        return out


OrganizerFormSet = forms.formset_factory(
    OrganizerForm, formset=BaseOrganizerFormSet, extra=0, can_delete=True,
    max_num=MAX_ORGANIZERS, validate_max=True, absolute_max=MAX_ORGANIZERS,
)


def activity_initial(activity: Activity, indicators, organizer_choices: OrganizerChoices):
    """Form and formset initial data from a stored activity (the edit page)."""
    values = {o.indicator_id: o.value for o in activity.outcomes.all()}
    initial = {
        "unit": activity.unit_id, "pairing": activity.pairing_id, "campaign": activity.campaign_id,
        "date": activity.date, "category": activity.category, "link_area": activity.link_area,
        "title": activity.title, "participants": activity.participants, "description": activity.description,
        "version": activity.version,
    }
    for ind in indicators:
        if ind.pk in values:
            initial[outcome_field_name(ind.code)] = f"{values[ind.pk].normalize():f}"
    organizers = [{"who": organizer_choices.key_for(o.unit_id, o.organization_id), "role": o.role}
                  for o in activity.organizers.all()]
    return initial, organizers


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", "审核通过"), ("return", "退回修改")])
    # The version the reviewer saw: a record changed since is not verified blindly.
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    comment = forms.CharField(label="审核意见", max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ActivityFilterForm(forms.Form):
    """Filters of the activity list; a foreign unit or pairing id is an invalid choice (ignored)."""

    q = forms.CharField(label="活动名称", required=False, max_length=100)
    category = forms.ChoiceField(label="类别", choices=[("", "全部类别"), *Category.choices], required=False,
                                 widget=forms.Select(attrs={"class": "form-select"}))
    status = forms.ChoiceField(label="审核状态", choices=[("", "全部状态"), *ReviewStatus.choices], required=False,
                               widget=forms.Select(attrs={"class": "form-select"}))
    pairing = PairingChoiceField(label="结对", queryset=None, required=False, empty_label="全部结对",
                                 widget=PickerSelect(SCOPED_PAIRINGS, attrs={"class": "form-select"}))
    date_from = DateField(label="从", required=False,
                                widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    date_to = DateField(label="到", required=False,
                              widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    unit = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, units, pairings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["pairing"].queryset = pairings

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data
