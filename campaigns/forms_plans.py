"""The annual plan form (a grid: measures × quarters, plus up to ``CATEGORY_ROWS`` activity
categories) and the filters of the pairs-behind-plan list."""

from __future__ import annotations

from django import forms

from pairings.filters import _ScopedChoicesForm

from .models import Category, PlanMeasure

QUARTERS = (1, 2, 3, 4)
CATEGORY_ROWS = 3


def _number(label):
    return forms.DecimalField(label=label, required=False, min_value=0, max_digits=14, decimal_places=2,
                              widget=forms.NumberInput(attrs={"class": "form-control form-control-sm text-end",
                                                              "min": "0", "step": "any", "inputmode": "decimal"}))


class PlanForm(forms.Form):
    note = forms.CharField(label="计划说明", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        for measure in PlanMeasure:
            for q in QUARTERS:
                self.fields[f"{measure.value}_q{q}"] = _number(f"{measure.label} 第{q}季度")
        for i in range(CATEGORY_ROWS):
            self.fields[f"cat{i}"] = forms.ChoiceField(
                label=f"分类活动{i + 1}", required=False, choices=[("", "(不分类)"), *Category.choices],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
            for q in QUARTERS:
                self.fields[f"cat{i}_q{q}"] = _number(f"分类活动{i + 1} 第{q}季度")
        if plan is not None and not self.is_bound:
            self.initial["note"] = plan.note
            self.initial["version"] = plan.version
            cats: list[str] = []
            for item in plan.items.all():
                if item.category:
                    if item.category not in cats:
                        cats.append(item.category)
                    i = cats.index(item.category)
                    if i < CATEGORY_ROWS:
                        self.initial[f"cat{i}"] = item.category
                        self.initial[f"cat{i}_q{item.quarter}"] = _plain(item.planned)
                else:
                    self.initial[f"{item.measure}_q{item.quarter}"] = _plain(item.planned)

    def clean(self):
        data = super().clean()
        seen = set()
        for i in range(CATEGORY_ROWS):
            cat = data.get(f"cat{i}")
            has_numbers = any(data.get(f"cat{i}_q{q}") for q in QUARTERS)
            if has_numbers and not cat:
                self.add_error(f"cat{i}", "填写了分类活动的计划数,请选择活动类别。")
            if cat and cat in seen:
                self.add_error(f"cat{i}", "同一类别只能填写一行。")
            seen.add(cat)
        for measure in (PlanMeasure.ACTIVITIES, PlanMeasure.PROJECTS):
            for q in QUARTERS:
                v = data.get(f"{measure}_q{q}")
                if v is not None and v != v.to_integral_value():
                    self.add_error(f"{measure}_q{q}", "活动次数、项目个数须为整数。")
        return data

    def items(self) -> dict:
        data = self.cleaned_data
        out = {}
        for measure in PlanMeasure.values:
            for q in QUARTERS:
                out[(measure, "", q)] = data.get(f"{measure}_q{q}") or 0
        for i in range(CATEGORY_ROWS):
            cat = data.get(f"cat{i}")
            if cat:
                for q in QUARTERS:
                    out[(PlanMeasure.ACTIVITIES, cat, q)] = data.get(f"cat{i}_q{q}") or 0
        return out

    def grid(self):
        """Rows for the template: (label, [bound fields per quarter], select or None)."""
        rows = [(m.label, [self[f"{m.value}_q{q}"] for q in QUARTERS], None) for m in PlanMeasure]
        rows += [(None, [self[f"cat{i}_q{q}"] for q in QUARTERS], self[f"cat{i}"]) for i in range(CATEGORY_ROWS)]
        return rows


def _plain(value):
    return int(value) if value == value.to_integral_value() else value.normalize()


class BehindFilterForm(_ScopedChoicesForm):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    measure = forms.ChoiceField(label="滞后项目", required=False, choices=[("", "全部项目"), *PlanMeasure.choices])
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)

    def __init__(self, data, *, choices, years, **kwargs):
        super().__init__(data, choices=choices, **kwargs)
        self.fields["year"].choices = [(y, f"{y}年") for y in years]
        self.fields["year"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["q"].widget.attrs.update({"placeholder": "村、单位名称或结对编码"})
