"""GET filter forms of the register, ledger and matrix pages.

Choices that refer to ids (township, campaign) come from :func:`pairings.selectors.filter_choices`,
i.e. from the user's own pairs: an id outside the user's scope fails validation and is ignored.
A filter with a bad value is dropped, the page still shows (unfiltered for that field).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from cobuild.params import DateField
from cobuild.pickers import PickerSelect, source
from organizations.models import Unit
from organizations.pickers import KIND as UNITS

from .models import PairingStatus
from .selectors import MARK_LABELS, MATRIX_SORTS, REGISTER_SORTS, Choices, pair_townships


def _sort_choices(sorts):
    out = []
    for key, label in sorts.items():
        out += [(key, f"{label}↑"), (f"-{key}", f"{label}↓")]
    return out


def _bootstrap(form):
    for f in form.fields.values():
        css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
        f.widget.attrs.setdefault("class", f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm")


#: the township filter's picker: a plain select for a county, a search for a province's thousand
PAIR_TOWNSHIPS = source(UNITS, "pair_townships", pair_townships)


class _ScopedChoicesForm(forms.Form):
    township = forms.ModelChoiceField(label="乡镇", queryset=Unit.objects.none(), required=False,
                                      empty_label="全部乡镇", widget=PickerSelect(PAIR_TOWNSHIPS))
    campaign = forms.TypedChoiceField(label="活动", coerce=int, required=False, empty_value=None)

    def __init__(self, data, *, choices: Choices, **kwargs):
        super().__init__(data, **kwargs)
        self.choice_lists = choices
        self.fields["township"].queryset = choices.townships
        self.fields["township"].label_from_instance = lambda u: u.name
        self.fields["campaign"].choices = [("", "全部活动")] + [(c.pk, c.name) for c in choices.campaigns]
        self._campaigns = {c.pk: c for c in choices.campaigns}
        _bootstrap(self)

    def value(self, name, default=None):
        """The cleaned value of a field, or ``default`` if it was missing or invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    @property
    def township_unit(self):
        return self.value("township")

    @property
    def campaign_obj(self):
        return self._campaigns.get(self.value("campaign"))


class RegisterFilterForm(_ScopedChoicesForm):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态"), *PairingStatus.choices])
    sort = forms.ChoiceField(label="排序", required=False, choices=_sort_choices(REGISTER_SORTS))

    def filters(self) -> dict:
        return {
            "q": self.value("q", ""),
            "township": self.township_unit,
            "status": self.value("status", ""),
            "campaign": self.campaign_obj,
            "sort": self.value("sort", "code"),
        }


class PeriodForm(forms.Form):
    """``from`` / ``to`` (YYYY-MM-DD). Without either key in the query: the default period;
    with the keys present but empty: unbounded ("全部")."""

    def __init__(self, data, *, default=(None, None), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["from"] = DateField(label="自", required=False,
                                              widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = DateField(label="至", required=False,
                                            widget=forms.DateInput(attrs={"type": "date"}))
        self.default = default
        _bootstrap(self)
        self.uses_default = "from" not in data and "to" not in data

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期。")
        return data

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        if self.uses_default or not self.is_valid():
            return self.default
        return self.cleaned_data.get("from"), self.cleaned_data.get("to")


def this_year(today=None):
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), today


class MatrixFilterForm(_ScopedChoicesForm):
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("active", "进行中"), ("ended", "已结束"), ("all", "全部")])
    mark = forms.ChoiceField(label="预警", required=False,
                             choices=[("", "全部"), *MARK_LABELS.items(), ("silent", "沉默(黄+红)")])
    sort = forms.ChoiceField(label="排序", required=False, choices=_sort_choices(MATRIX_SORTS))

    def filters(self) -> dict:
        status = self.value("status", PairingStatus.ACTIVE)
        return {
            "township": self.township_unit,
            "status": "" if status == "all" else status,
            "campaign": self.campaign_obj,
        }
