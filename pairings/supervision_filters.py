"""GET filter forms of the supervision lists. Choices are scoped to the user; an invalid value
(e.g. a foreign id typed into the address bar) is ignored, the valid filters still apply."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from cobuild.pickers import PickerSelect
from organizations.models import Unit

from . import supervision_selectors as sel
from .forms import (
    SUPERVISION_PAIRINGS,
    TOWNSHIPS,
    VISIBLE_VILLAGES,
    PairingChoiceField,
    UnitChoiceField,
    date_field,
)
from .models import HelpStatus, HouseholdKind, InspectionKind, InspectionMethod, Pairing, RectificationStatus


def filter_widgets(form):
    """Bootstrap classes for a GET filter form rendered by ``pairings/supervision_filter.html``."""
    for field in form.fields.values():
        w = field.widget
        w.attrs["class"] = "form-select" if isinstance(w, forms.Select) else "form-control"
    return form


class InspectionFilterForm(forms.Form):
    q = forms.CharField(label="查找", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "地点、检查人、发现问题"}))
    kind = forms.ChoiceField(label="类型", choices=[("", "全部类型"), *InspectionKind.choices], required=False)
    method = forms.ChoiceField(label="方式", choices=[("", "全部方式"), *InspectionMethod.choices], required=False)
    campaign = forms.ModelChoiceField(label="活动", queryset=None, required=False, empty_label="全部活动")
    township = UnitChoiceField(label="乡镇", queryset=Unit.objects.none(), required=False, empty_label="全部乡镇",
                               widget=PickerSelect(TOWNSHIPS))
    date_from = date_field("开始日期", required=False)
    date_to = date_field("结束日期", required=False)
    #: a dashboard's unit (a village, a bureau: its pairs' villages, a township)
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = sel.campaigns(user)
        self.fields["township"].queryset = sel.townships(user)
        self.fields["township"].label_from_instance = lambda u: u.name
        self.fields["unit"].queryset = Unit.objects.for_user(user)
        filter_widgets(self)

    @property
    def unit_obj(self):
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("unit")

    def filter(self, qs):
        self.is_valid()  # invalid filters (e.g. a foreign id) are ignored, the valid ones apply
        d = getattr(self, "cleaned_data", {})
        if d.get("q"):
            qs = qs.filter(Q(unit__name__icontains=d["q"]) | Q(inspector__icontains=d["q"])
                           | Q(findings__icontains=d["q"]) | Q(code__icontains=d["q"]))
        for field in ("kind", "method", "campaign"):
            if d.get(field):
                qs = qs.filter(**{field: d[field]})
        if d.get("township"):
            qs = qs.filter(unit__path__startswith=d["township"].path)
        if d.get("unit"):
            qs = qs.filter(Q(unit__path__startswith=d["unit"].path) | Q(pairing__bureau=d["unit"]))
        if d.get("date_from"):
            qs = qs.filter(held_on__gte=d["date_from"])
        if d.get("date_to"):
            qs = qs.filter(held_on__lte=d["date_to"])
        return qs


RECTIFICATION_STATES = [("", "全部状态"), ("overdue", "已逾期"), *RectificationStatus.choices]


class RectificationFilterForm(forms.Form):
    q = forms.CharField(label="查找", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "事项、责任单位"}))
    status = forms.ChoiceField(label="状态", choices=RECTIFICATION_STATES, required=False)
    township = UnitChoiceField(label="乡镇", queryset=Unit.objects.none(), required=False, empty_label="全部乡镇",
                               widget=PickerSelect(TOWNSHIPS))

    def __init__(self, *args, user, with_status=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = sel.townships(user)
        self.fields["township"].label_from_instance = lambda u: u.name
        if not with_status:
            del self.fields["status"]
        filter_widgets(self)

    def filter(self, qs):
        self.is_valid()  # invalid filters (e.g. a foreign id) are ignored, the valid ones apply
        d = getattr(self, "cleaned_data", {})
        if d.get("q"):
            qs = qs.filter(Q(description__icontains=d["q"]) | Q(responsible_unit__name__icontains=d["q"]))
        status = d.get("status")
        if status == "overdue":
            qs = qs.overdue()
        elif status:
            qs = qs.filter(status=status)
        if d.get("township"):
            qs = qs.filter(responsible_unit__path__startswith=d["township"].path)
        return qs


class HelpPairFilterForm(forms.Form):
    q = forms.CharField(label="查找", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "党员或户主姓名"}))
    village = UnitChoiceField(label="村(社区)", queryset=Unit.objects.none(), required=False,
                              empty_label="全部村(社区)", widget=PickerSelect(VISIBLE_VILLAGES))
    pairing = PairingChoiceField(label="结对", queryset=Pairing.objects.none(), required=False,
                                 empty_label="全部结对", widget=PickerSelect(SUPERVISION_PAIRINGS))
    household_kind = forms.ChoiceField(label="对象类别", choices=[("", "全部类别"), *HouseholdKind.choices],
                                       required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *HelpStatus.choices], required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = sel.visible_villages(user)
        self.fields["pairing"].queryset = sel.pairings(user)
        filter_widgets(self)

    def filter(self, qs):
        self.is_valid()  # invalid filters (e.g. a foreign id) are ignored, the valid ones apply
        d = getattr(self, "cleaned_data", {})
        if d.get("q"):
            qs = qs.filter(Q(member_name__icontains=d["q"]) | Q(household_name__icontains=d["q"]))
        for field in ("village", "pairing", "household_kind", "status"):
            if d.get(field):
                qs = qs.filter(**{field: d[field]})
        return qs
