"""Forms of 双培双带, volunteer service records and 流动党员 contacts (rules live in
``people.services_service``; the views turn its errors into form errors)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from cobuild.pickers import PickerSelect
from organizations.models import Unit
from organizations.pickers import SCOPE as SCOPED_UNITS
from pairings.models import HelpPair

from .forms import _helper, date_field
from .models_service import ContactWay, RichLinkKind


class RichLinkForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=RichLinkKind.choices)
    started_on = date_field("开始日期", initial=timezone.localdate)
    goal = forms.CharField(label="培养目标", max_length=200)
    responsible = forms.CharField(label="培养责任人", max_length=100, required=False)
    help_pair = forms.ModelChoiceField(label="帮扶对子(带领群众致富)", queryset=HelpPair.objects.none(),
                                       required=False, empty_label="—")
    result = forms.CharField(label="培养结果", max_length=200, required=False)
    achieved_on = date_field("实现日期", required=False, help_text="目标实现后填写,并写明结果。")

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["help_pair"].queryset = HelpPair.objects.filter(village=person.unit).order_by("member_name")
        self.fields["help_pair"].label_from_instance = lambda h: f"{h.member_name} → {h.household_name}"
        self.helper = _helper("保存")


class ServiceRecordForm(forms.Form):
    """Date, place, content and one hours field per team member (blank: did not take part)."""

    date = date_field("服务日期", initial=timezone.localdate)
    place = forms.CharField(label="服务地点", max_length=100, help_text="例如:无物业小区、村广场")
    content = forms.CharField(label="服务内容", max_length=200)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for p in self.members:
            self.fields[f"h{p.pk}"] = forms.DecimalField(label=f"{p.name} 时长(小时)", required=False,
                                                          min_value=0.1, max_value=24, decimal_places=1)
        self.helper = _helper("登记服务记录")

    def hours(self):
        return [(p, self.cleaned_data[f"h{p.pk}"]) for p in self.members
                if self.cleaned_data.get(f"h{p.pk}") is not None]


class ContactForm(forms.Form):
    date = date_field("联系日期", initial=timezone.localdate)
    way = forms.ChoiceField(label="联系方式", choices=ContactWay.choices)
    content = forms.CharField(label="联系内容", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    remote_meeting = forms.BooleanField(label="远程参加了组织生活", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("登记联系记录")


def _small(form):
    for field in form.fields.values():
        css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
        field.widget.attrs.update({"class": css, "aria-label": field.label})


class ServiceFilterForm(forms.Form):
    """Filters shared by the part-B lists: search, unit (and below), year, kind, overdue days."""

    q = forms.CharField(label="搜索", required=False, max_length=50)
    unit = forms.ModelChoiceField(label="单位(含下级)", queryset=Unit.objects.none(), required=False,
                                  empty_label="全部单位", widget=PickerSelect(SCOPED_UNITS))
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *RichLinkKind.choices])
    by = forms.ChoiceField(label="统计", required=False, choices=[("person", "按志愿者"), ("team", "按服务队")])
    days = forms.IntegerField(label="未联系天数", required=False, min_value=1, max_value=3650)
    overdue = forms.BooleanField(label="只看超期未联系", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.for_user(user).order_by("path")
        _small(self)
