"""Forms of the report pages: the period filter (GET), the appraisal tally and assessment weights.

Choice fields are scoped to the user: a campaign or unit outside the scope fails validation.
The appraisal form only collects input; ``campaigns.services.survey_save`` holds the rules.
"""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from campaigns.models import Campaign, Indicator, subject_choices
from campaigns.policy import REVIEWER_ROLES
from cobuild.params import DateField
from cobuild.pickers import PickerSelect, source
from organizations.models import Unit, UnitKind
from organizations.pickers import KIND as UNITS
from organizations.scoping import scope_q

from . import figures
from .figures import LEVEL_LABELS
from .reports import DEFAULT_WEIGHTS

DATE = {"type": "date"}


def _date_field(label, required=False):
    return DateField(label=label, required=required, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))


class CampaignField(forms.ModelChoiceField):
    def label_from_instance(self, c):
        return c.name


class PeriodForm(forms.Form):
    """``?unit=CODE&campaign=SLUG&from=YYYY-MM-DD&to=YYYY-MM-DD&verified=1`` (all optional;
    ``verified=1``: verified records only)."""

    unit = forms.CharField(label="单位编码", required=False, widget=forms.HiddenInput)
    campaign = CampaignField(label="专项活动", queryset=Campaign.objects.none(), required=False,
                             to_field_name="slug", empty_label="全部活动",
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_user(user).order_by("-start_date", "slug")
        self.fields["from"] = _date_field("开始日期")
        self.fields["to"] = _date_field("截止日期")
        self.fields["verified"] = forms.BooleanField(label="仅统计已审核", required=False)

    def clean_verified(self) -> bool:
        return str(self.data.get("verified", "")).lower() in ("1", "on", "true")

    @property
    def verified_only(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get("verified"))

    def clean(self):
        data = super().clean()
        d_from, d_to = data.get("from"), data.get("to")
        if d_from and d_to and d_from > d_to:
            raise forms.ValidationError("开始日期不能晚于截止日期。")
        return data

    def period(self) -> figures.Period:
        """The period asked for, completed by the one default rule of every page
        (:func:`metrics.figures.period`)."""
        return figures.period(self.cleaned_data.get("campaign"), self.cleaned_data.get("from"),
                              self.cleaned_data.get("to"))


class AssessmentForm(PeriodForm):
    level = forms.ChoiceField(label="考核对象", choices=list(LEVEL_LABELS.items()), required=False)

    def __init__(self, data, *, user, **kwargs):
        self.use_defaults = data is None or not any(k.startswith("w_") for k in data)
        if self.use_defaults:  # no weights asked for: show and use the default ones
            data = data.copy() if data is not None else {}
            for code, w in DEFAULT_WEIGHTS.items():
                data[f"w_{code}"] = str(w)
        super().__init__(data, user=user, **kwargs)
        self.indicators = list(Indicator.objects.filter(active=True))
        for ind in self.indicators:
            self.fields[f"w_{ind.code}"] = forms.DecimalField(
                label=ind.name, required=False, min_value=0, max_value=1000, max_digits=6, decimal_places=2)

    def weights(self) -> dict[str, Decimal]:
        return {i.code: self.cleaned_data[f"w_{i.code}"] for i in self.indicators
                if self.cleaned_data.get(f"w_{i.code}")}

    def weight_rows(self):
        """(weighted fields, the other fields): the weighted indicators are shown first."""
        ws = self.weights() if self.is_bound and self.is_valid() else DEFAULT_WEIGHTS
        first = [self[f"w_{i.code}"] for i in self.indicators if i.code in ws]
        rest = [self[f"w_{i.code}"] for i in self.indicators if i.code not in ws]
        return first, rest

    def clean(self):
        data = super().clean()
        if not any(data.get(f"w_{i.code}") for i in self.indicators):
            raise forms.ValidationError("请至少为一个指标设置大于0的权重。")
        return data


SURVEY_UNIT_KINDS = (UnitKind.COUNTY, UnitKind.CITY, UnitKind.TOWNSHIP, UnitKind.VILLAGE, UnitKind.COMMUNITY,
                     UnitKind.BUREAU)


def survey_units(user):
    """Units whose appraisal tallies the user may enter (a reviewer's scope)."""
    units = Unit.objects.filter(kind__in=SURVEY_UNIT_KINDS).order_by("path")
    q = scope_q(user, "path", REVIEWER_ROLES)
    return units if q is None else units.filter(q)


#: the survey form's units (cobuild.pickers; search-as-you-type for big scopes)
SURVEY_UNITS = source(UNITS, "survey", survey_units)


class UnitField(forms.ModelChoiceField):
    def label_from_instance(self, u):
        return f"{'　' * max(0, u.depth - 1)}{u.name}"


class SurveyForm(forms.Form):
    campaign = CampaignField(label="所属活动", queryset=Campaign.objects.none(), empty_label=None, to_field_name="slug")
    unit = UnitField(label="测评单位", queryset=Unit.objects.none(), widget=PickerSelect(SURVEY_UNITS))
    subject = forms.ChoiceField(label="测评对象", choices=subject_choices)
    held_on = _date_field("测评日期", required=True)
    satisfied = forms.IntegerField(label="满意(票)", min_value=0, max_value=1_000_000)
    basically_satisfied = forms.IntegerField(label="基本满意(票)", min_value=0, max_value=1_000_000)
    dissatisfied = forms.IntegerField(label="不满意(票)", min_value=0, max_value=1_000_000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_user(user).order_by("-start_date", "slug")
        self.fields["unit"].queryset = survey_units(user)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        for name in ("satisfied", "basically_satisfied", "dissatisfied"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "保存", css_class="btn-danger"))

    def clean(self):
        data = super().clean()
        counts = [data.get(n) for n in ("satisfied", "basically_satisfied", "dissatisfied")]
        if all(c is not None for c in counts) and sum(counts) == 0:
            raise forms.ValidationError("票数合计不能为0。")
        return data


class SurveyCompareForm(forms.Form):
    """The 民主测评 year-on-year filter (GET): year, level, subject, campaign (all optional)."""

    q = forms.CharField(label="单位名称", required=False, max_length=50)
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    level = forms.ChoiceField(label="单位层级", required=False, choices=[("", "默认"), *LEVEL_LABELS.items()])
    subject = forms.ChoiceField(label="测评对象", required=False, choices=lambda: [("", "全部对象"), *subject_choices()])
    campaign = CampaignField(label="专项活动", queryset=Campaign.objects.none(), required=False,
                             to_field_name="slug", empty_label="全部活动")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_user(user).order_by("-start_date", "slug")
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-select form-select-sm" if isinstance(f, forms.ChoiceField)
                                      else "form-control form-control-sm")
