"""Forms of the 评选 pages. Every choice is scoped to the user; the services check again."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from campaigns.models import Activity, Commitment, CommitmentStatus
from cobuild.params import DateField
from notices.forms import FilesField
from organizations.models import Unit, UnitKind, User
from organizations.scoping import scope_q

from . import policy
from .models import ObjectionOutcome, Result, Scheme

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CycleForm(forms.Form):
    scheme = forms.ModelChoiceField(label="评选方案", queryset=Scheme.objects.filter(active=True))
    organiser = forms.ModelChoiceField(label="组织单位", queryset=Unit.objects.none(),
                                       help_text="在该单位范围内推荐和评选(县、市)")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="标题", max_length=100, required=False,
                            help_text="留空则为“单位+年度+方案名称+评选”")
    nomination_deadline = DateField(label="推荐截止日期", widget=DATE)
    review_deadline = DateField(label="评审截止日期", widget=DATE, required=False)
    objection_contact = forms.CharField(label="异议受理方式", max_length=200, required=False,
                                        help_text="公示期间受理意见的单位电话、地址")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Unit.objects.filter(kind__in=(UnitKind.COUNTY, UnitKind.CITY, UnitKind.PROVINCE))
        q = scope_q(user, "path", policy.COUNTY_ROLES)
        self.fields["organiser"].queryset = qs.filter(q) if q is not None else qs
        self.fields["year"].initial = timezone.localdate().year


class ActivityChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.date:%Y-%m-%d} {obj.title}"


class CommitmentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.content[:40]}({obj.get_status_display()})"


class NominationForm(forms.Form):
    statement = forms.CharField(label="主要事迹", widget=forms.Textarea(attrs={"rows": 6}),
                                help_text="对照评选标准逐项写明事迹和成效(至少 10 个字)")
    activities = ActivityChoice(label="佐证活动", queryset=Activity.objects.none(), required=False,
                                widget=forms.CheckboxSelectMultiple,
                                help_text="本年度在平台登记的共建活动,勾选作为佐证")
    commitments = CommitmentChoice(label="佐证承诺", queryset=Commitment.objects.none(), required=False,
                                   widget=forms.CheckboxSelectMultiple)
    files = FilesField(label="佐证材料(可多选)",
                       help_text="事迹材料、证明、照片:pdf、doc、docx、xls、xlsx、jpg、png 等")

    def __init__(self, *args, user, unit, year, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        self.fields["activities"].queryset = Activity.objects.for_user(user).filter(
            unit=unit, date__range=(start, end)).order_by("-date", "-pk")
        self.fields["commitments"].queryset = (Commitment.objects.for_user(user).filter(unit=unit).exclude(
            status=CommitmentStatus.CANCELLED).order_by("-made_on", "-pk"))


class ReviewForm(forms.Form):
    result = forms.ChoiceField(label="审核结论", widget=forms.RadioSelect,
                               choices=[(Result.PASS, "通过"), (Result.RETURN, "退回修改"), (Result.REJECT, "不通过")])
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             help_text="退回或不通过时必填")


class ScoreForm(forms.Form):
    """One score and comment per criterion (``score_<id>``, ``comment_<id>``)."""

    def __init__(self, *args, criteria, mine=None, suggestions=None, **kwargs):
        super().__init__(*args, **kwargs)
        mine = mine or {}
        suggestions = suggestions or {}
        self.criteria = criteria
        for c in criteria:
            s = mine.get(c.pk)
            sug = suggestions.get(c.pk)
            help_text = f"满分 {c.max_score},权重 {c.weight}%"
            if sug is not None and sug.score is not None:
                help_text += f";按指标建议 {sug.score} 分"
            self.fields[f"score_{c.pk}"] = forms.DecimalField(
                label=f"{c.name}", min_value=0, max_value=c.max_score, decimal_places=1, max_digits=5,
                initial=s.score if s else None, help_text=help_text,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
            self.fields[f"comment_{c.pk}"] = forms.CharField(
                label=f"{c.name}评语", max_length=300, required=False, initial=s.comment if s else "")

    def scores(self) -> dict:
        return {c: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data.get(f"comment_{c.pk}", ""))
                for c in self.criteria}


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(label="评审人", queryset=User.objects.none(),
                                      help_text="工作范围包含组织单位的县级工作人员、督查人员等")

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        ids = cycle.organiser.ancestor_ids + [cycle.organiser_id]
        self.fields["reviewer"].queryset = (User.objects.filter(is_active=True, role_grants__unit_id__in=ids)
                                            .exclude(is_superuser=True).distinct().order_by("username"))


class PublicityForm(forms.Form):
    publicity_start = DateField(label="公示开始", widget=DATE)
    publicity_end = DateField(label="公示结束", widget=DATE, help_text="公示一般不少于 5 个工作日")
    objection_contact = forms.CharField(label="异议受理方式", max_length=200,
                                        help_text="单位电话、地址(公开显示,不要填个人手机)")


class ObjectionForm(forms.Form):
    received_on = DateField(label="收到日期", widget=DATE)
    from_name = forms.CharField(label="反映人", max_length=50, required=False, help_text="可匿名,留空")
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 4}))


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label="核实结果", widget=forms.RadioSelect,
                                choices=[(ObjectionOutcome.DISMISSED, "异议不成立(继续公示)"),
                                         (ObjectionOutcome.UPHELD, "异议成立(不授予)")])
    answer = forms.CharField(label="核实情况和答复", widget=forms.Textarea(attrs={"rows": 4}))


class AwardForm(forms.Form):
    awarded_on = DateField(label="授予日期", widget=DATE)
