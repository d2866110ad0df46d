"""Forms of the assessment pages (考核方案) and the 民主测评 year-on-year filter. They only collect
input: ``metrics.services_assessment`` holds the rules. Choices are scoped to the user."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from campaigns.models import Campaign, Indicator
from organizations.models import Unit, UnitKind
from organizations.scoping import scope_q

from .forms_reports import CampaignField, UnitField, _date_field
from .models import AssessmentLevel, AssessmentStatus, DeductionKind, ScoringMethod
from .policy import ASSESSMENT_ROLES

SELECT = {"class": "form-select form-select-sm"}
INPUT = {"class": "form-control form-control-sm"}
SCHEME_UNIT_KINDS = (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP)


def scheme_units(user):
    units = Unit.objects.filter(kind__in=SCHEME_UNIT_KINDS).order_by("path")
    q = scope_q(user, "path", ASSESSMENT_ROLES)
    return units if q is None else units.filter(q)


class SchemeForm(forms.Form):
    title = forms.CharField(label="方案名称", max_length=100, widget=forms.TextInput(attrs=INPUT))
    campaign = CampaignField(label="专项活动", queryset=Campaign.objects.none(), empty_label=None,
                             to_field_name="slug", widget=forms.Select(attrs=SELECT))
    unit = UnitField(label="考核单位", queryset=Unit.objects.none(), empty_label=None,
                     widget=forms.Select(attrs=SELECT))
    year = forms.IntegerField(label="考核年度", min_value=2000, max_value=2100, widget=forms.NumberInput(attrs=INPUT))
    level = forms.ChoiceField(label="考核对象", choices=AssessmentLevel.choices, widget=forms.Select(attrs=SELECT))
    date_from = _date_field("统计开始日期", required=True)
    date_to = _date_field("统计截止日期", required=True)
    default_items = forms.BooleanField(label="预置常用指标(可再增删)", required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_user(user).order_by("-start_date", "slug")
        self.fields["unit"].queryset = scheme_units(user)
        year = timezone.localdate().year
        self.fields["year"].initial = year
        self.fields["date_from"].initial = f"{year}-01-01"
        self.fields["date_to"].initial = f"{year}-12-31"
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs.update(INPUT)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "统计截止日期不能早于开始日期。")
        return data


class ItemForm(forms.Form):
    indicator = forms.ModelChoiceField(label="指标", queryset=Indicator.objects.filter(active=True),
                                       to_field_name="code", widget=forms.Select(attrs=SELECT))
    method = forms.ChoiceField(label="计分方法", choices=ScoringMethod.choices, widget=forms.Select(attrs=SELECT))
    max_points = forms.DecimalField(label="分值", min_value=0.01, max_value=1000, max_digits=6, decimal_places=2,
                                    widget=forms.NumberInput(attrs={**INPUT, "step": "any", "inputmode": "decimal"}))
    cap_percent = forms.IntegerField(label="目标完成率封顶(%)", min_value=100, max_value=200, initial=100,
                                     widget=forms.NumberInput(attrs=INPUT))


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label="扣分情形", choices=DeductionKind.choices, widget=forms.Select(attrs=SELECT))
    points_each = forms.DecimalField(label="每项扣分", min_value=0.01, max_value=100, max_digits=6, decimal_places=2,
                                     widget=forms.NumberInput(attrs={**INPUT, "step": "any"}))
    cap = forms.DecimalField(label="最多扣分", min_value=0.01, max_value=100, max_digits=6, decimal_places=2,
                             widget=forms.NumberInput(attrs={**INPUT, "step": "any"}))


class AdjustmentForm(forms.Form):
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), to_field_name="code",
                                  widget=forms.Select(attrs=SELECT))
    points = forms.DecimalField(label="调整分值(加分为正、减分为负)", min_value=-100, max_value=100, max_digits=6,
                                decimal_places=2, widget=forms.NumberInput(attrs={**INPUT, "step": "any"}))
    reason = forms.CharField(label="调整理由", max_length=200, widget=forms.TextInput(attrs=INPUT))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class SchemeFilter(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100,
                        widget=forms.TextInput(attrs={**INPUT, "placeholder": "方案名称"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *AssessmentStatus.choices],
                               widget=forms.Select(attrs=SELECT))
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100,
                              widget=forms.NumberInput(attrs=INPUT))
