"""Forms of the person register and the pipeline. Choices are scoped: a person's organisations
are those of their unit and the units above it; the register's filters list only the user's
units. Rules live in ``people.services``; the views turn its errors into form errors."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from cobuild.params import DateField
from cobuild.pickers import PickerSelect
from organizations.models import Gender, Organization, Unit
from organizations.pickers import SCOPE as SCOPED_UNITS

from . import selectors as sel
from .models import Education, PersonStatus, Stage, Tag

DATE = {"type": "date"}


def _helper(submit="保存"):
    helper = FormHelper()
    helper.add_input(Submit("submit", submit, css_class="btn-danger"))
    return helper


def date_field(label, required=True, **kwargs):
    return DateField(label=label, required=required, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                     **kwargs)


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, o):
        return f"{o.name}({o.unit.name})" if o.unit.name not in o.name else o.name


class OrgMultipleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, o):
        return f"{o.name}({o.get_kind_display()})"


class PersonFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=50)
    status = forms.ChoiceField(label="政治面貌", required=False, choices=[("", "全部政治面貌"), *PersonStatus.choices])
    tag = forms.ChoiceField(label="标签", required=False, choices=[("", "全部标签"), *Tag.choices])
    unit = forms.ModelChoiceField(label="单位(含下级)", queryset=Unit.objects.none(), required=False,
                                  empty_label="全部单位", widget=PickerSelect(SCOPED_UNITS))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.for_user(user)
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.update({"class": css, "aria-label": field.label})


class PersonForm(forms.Form):
    """A person of one unit (phone-first: one column). ``phone`` is left out for an editor who may
    not see it (``policy.can_see_identity``), and kept as stored; ``status`` is left out once the
    person has pipeline steps (the steps drive it)."""

    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=[("", "—"), *Gender.choices], required=False)
    birth_year = forms.IntegerField(label="出生年份", required=False, min_value=1900,
                                    max_value=timezone.localdate().year)
    education = forms.ChoiceField(label="学历", choices=[("", "—"), *Education.choices], required=False)
    occupation = forms.CharField(label="职业", max_length=100, required=False)
    frontline = forms.BooleanField(label="在生产、工作一线(四个优先之“一线”)", required=False)
    phone = forms.CharField(label="联系电话", max_length=32, required=False,
                            help_text="仅本单位书记(联络员)和县级管理员可见完整号码,其他人看到的是 138****1234。")
    status = forms.ChoiceField(label="政治面貌", choices=PersonStatus.choices, initial=PersonStatus.MASSES)
    status_since = date_field("何时起", required=False, help_text="取得现政治面貌的日期(如入团、入党日期)。")
    branch = OrgChoiceField(label="所在(培养)党组织", queryset=Organization.objects.none(), required=False,
                            empty_label="(未指定)")
    recommended_by = OrgChoiceField(label="推优组织", queryset=Organization.objects.none(), required=False,
                                    empty_label="(无)", help_text="推荐其入党的工会、共青团或妇联。")
    tags = forms.MultipleChoiceField(label="标签", choices=Tag.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)
    memberships = OrgMultipleField(label="所在组织", queryset=Organization.objects.none(), required=False,
                                   widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, unit: Unit, instance=None, show_phone=True, status_locked=False, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "gender": instance.gender, "birth_year": instance.birth_year,
                "education": instance.education, "occupation": instance.occupation,
                "frontline": instance.frontline, "phone": instance.phone, "status": instance.status,
                "status_since": instance.status_since, "branch": instance.branch_id,
                "recommended_by": instance.recommended_by_id, "tags": instance.tags,
                "memberships": [o.pk for o in instance.memberships.all()], "notes": instance.notes,
            }
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = sel.party_orgs_for(unit)
        self.fields["recommended_by"].queryset = sel.mass_orgs_for(unit)
        self.fields["memberships"].queryset = sel.unit_orgs_for(unit)
        if not show_phone:
            del self.fields["phone"]
        if status_locked:
            del self.fields["status"]
            del self.fields["status_since"]
        self.helper = _helper()


class StepForm(forms.Form):
    """The next step of a person's 推优/发展 (the stage is fixed by the page)."""

    date = date_field("日期")
    branch = OrgChoiceField(label="负责党组织", queryset=Organization.objects.none(), required=False,
                            empty_label="(沿用所在党组织)")
    recommended_by = OrgChoiceField(label="推荐组织(推优)", queryset=Organization.objects.none(), required=False,
                                    empty_label="—")
    contacts = forms.CharField(label="培养联系人", max_length=200, required=False,
                               help_text="姓名,多人用顿号分隔,如:张三、李四。")
    remarks = forms.CharField(label="备注", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, person, stage: Stage, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate(), "branch": person.branch_id})
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = sel.party_orgs_for(person.unit)
        if stage == Stage.RECOMMENDED:
            self.fields["recommended_by"].queryset = sel.mass_orgs_for(person.unit)
            self.fields["recommended_by"].required = True
        else:
            del self.fields["recommended_by"]
        self.helper = _helper(f"登记:{stage.label}")


class PriorityForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
    stage = forms.ChoiceField(label="口径", required=False, choices=[
        (Stage.PROBATIONARY, "发展党员(接收为预备党员)"), (Stage.DEVELOPMENT_TARGET, "列为发展对象")])
    unit = forms.ModelChoiceField(label="单位(含下级)", queryset=Unit.objects.none(), required=False,
                                  empty_label="全部单位", widget=PickerSelect(SCOPED_UNITS))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.for_user(user)
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.update({"class": css, "aria-label": field.label})
