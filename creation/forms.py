"""Forms of 三级联创: the county's goals, the four steps of an entry (each with a confirmation box)
and the list's filters. Choices are scoped to the user; the services check again."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from cobuild.params import DateField
from cobuild.pickers import PickerSelect
from notices.forms import FilesField
from organizations.models import Position, Role, Unit, UnitKind
from organizations.pickers import SCOPE as SCOPED_UNITS

from .models import DEFAULT_TITLES, EntryStatus, Level

FILES_HELP = "可多选:PDF、Word、Excel、WPS、图片(JPG/PNG)等,每个不超过 10 MB。"


def _helper(submit: str, css: str = "btn-danger"):
    helper = FormHelper()
    helper.add_input(Submit("submit", submit, css_class=css))
    return helper


def _date(label="日期"):
    return DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                     initial=timezone.localdate,
                     error_messages={"required": f"请选择{label}。", "invalid": "请按 年-月-日 填写日期。"})


def year_choices():
    this = timezone.localdate().year
    return [(y, f"{y}年") for y in range(this + 1, this - 6, -1)]


class GoalForm(forms.Form):
    county = forms.ModelChoiceField(label="县(旗)", queryset=Unit.objects.none(), empty_label=None)
    year = forms.TypedChoiceField(label="年度", coerce=int, choices=())
    level = forms.ChoiceField(label="层级", choices=Level.choices)
    title = forms.CharField(label="创建目标", max_length=100,
                            help_text="如:基层组织建设先进县、五好乡镇党委、五好村党支部")
    standards = forms.CharField(label="创建标准", widget=forms.Textarea(attrs={"rows": 5}),
                                help_text="对照“五个好”:领导班子好、党员队伍好、工作机制好、工作业绩好、群众反映好")
    target_count = forms.IntegerField(label="年底命名数量目标(个)", required=False, min_value=0)
    target_percent = forms.IntegerField(label="年底命名比例目标(%)", required=False, min_value=1, max_value=100,
                                        help_text="数量与比例至少填一项;按比例时每个乡镇的目标按其村数计算")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Unit.objects.for_user(user, roles=(Role.COUNTY_ADMIN,)).filter(
            kind=UnitKind.COUNTY).order_by("path")
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = timezone.localdate().year
        self.fields["title"].initial = DEFAULT_TITLES[Level.VILLAGE]
        self.helper = _helper("保存目标")

    def clean(self):
        d = super().clean()
        if d.get("target_count") is None and d.get("target_percent") is None:
            self.add_error("target_count", "请填写年底命名数量目标或比例目标(至少一项)。")
        return d


class DeclareForm(forms.Form):
    date = _date("申报日期")
    leader = forms.ModelChoiceField(label="一把手(从本单位负责人中选择)", queryset=Unit.objects.none(),
                                    required=False, empty_label="— 不在名单中,手工填写 —")
    leader_name = forms.CharField(label="一把手姓名", max_length=50, required=False,
                                  help_text="已从名单中选择的可不填")
    leader_post = forms.CharField(label="一把手职务", max_length=100, required=False)
    contact_leader = forms.CharField(label="联系领导", max_length=100, required=False,
                                     help_text="县级领导联乡镇、乡镇干部联村")
    statement = forms.CharField(label="创建情况", widget=forms.Textarea(attrs={"rows": 6}),
                                help_text="对照创建标准逐条说明做法和成效")
    links = forms.CharField(label="佐证材料链接", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text="每行一个网址(可不填)")
    files = FilesField(label="佐证材料", help_text=FILES_HELP)
    confirm = forms.BooleanField(label="我确认申报材料真实、准确,提交后由上级验收")

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = entry.unit.leaders.order_by("position", "name")
        self.fields["leader"].label_from_instance = lambda ld: f"{ld.name}({ld.get_position_display()})"
        if entry.leader_id:
            self.fields["leader"].initial = entry.leader_id
        elif not entry.leader_name:   # the unit's secretary, the usual 一把手
            self.fields["leader"].initial = entry.unit.leaders.filter(position=Position.SECRETARY).order_by(
                "pk").values_list("pk", flat=True).first()
        self.fields["leader_name"].initial = entry.leader_name
        self.fields["leader_post"].initial = entry.leader_post
        self.fields["contact_leader"].initial = entry.contact_leader
        self.helper = _helper("提交申报")

    def clean(self):
        d = super().clean()
        if not d.get("leader") and not (d.get("leader_name") or "").strip():
            self.add_error("leader_name", "请选择或填写创建工作的一把手(第一责任人)。")
        return d


class InspectForm(forms.Form):
    result = forms.TypedChoiceField(label="验收结论", coerce=lambda v: v == "pass", widget=forms.RadioSelect,
                                    choices=[("pass", "验收通过"), ("fail", "验收未通过")])
    date = _date("验收日期")
    inspectors = forms.CharField(label="验收人员", max_length=200, help_text="验收组成员,多人用顿号分隔")
    findings = forms.CharField(label="验收意见", widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="对照创建标准的发现")
    reasons = forms.CharField(label="未通过原因", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="验收未通过时必填,创建单位整改后可重新申报")
    files = FilesField(label="验收材料", help_text=FILES_HELP)
    confirm = forms.BooleanField(label="我确认以上验收结论")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("提交验收结论")

    def clean(self):
        d = super().clean()
        if d.get("result") is False and not (d.get("reasons") or "").strip():
            self.add_error("reasons", "验收未通过时请写明原因,便于创建单位整改后重新申报。")
        return d


class NameForm(forms.Form):
    date = _date("命名日期")
    doc_number = forms.CharField(label="命名文号", max_length=100, help_text="如:阿党发〔2026〕12号")
    naming_unit = forms.CharField(label="命名单位", max_length=100, help_text="如:中共阿荣旗委员会")
    award_ref = forms.CharField(label="评选表彰记录编号", max_length=100, required=False,
                                help_text="在评选表彰中已有记录的,可填写其编号")
    files = FilesField(label="命名文件", help_text=FILES_HELP)
    confirm = forms.BooleanField(label="我确认命名(命名后不可撤回)")

    def __init__(self, *args, entry=None, **kwargs):
        super().__init__(*args, **kwargs)
        if entry is not None and entry.naming_unit:
            self.fields["naming_unit"].initial = entry.naming_unit
        self.helper = _helper("确认命名")


class ReturnForm(forms.Form):
    date = _date("退回日期")
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="写明需要补充或整改的内容,创建单位修改后重新申报")
    confirm = forms.BooleanField(label="我确认退回,创建单位需重新申报")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("确认退回", "btn-outline-danger")


class _Small:
    def _small(self):
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.update({"class": css, "aria-label": field.label})


class GoalFilterForm(_Small, forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年度"), *year_choices()]
        self._small()


class EntryFilterForm(_Small, forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=50)
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, choices=())
    level = forms.ChoiceField(label="层级", required=False, choices=[("", "全部层级"), *Level.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *EntryStatus.choices])
    township = forms.ModelChoiceField(label="乡镇(含下级)", queryset=Unit.objects.none(), required=False,
                                      empty_label="全部单位", widget=PickerSelect(SCOPED_UNITS))
    todo = forms.ChoiceField(label="待我办理", required=False,
                             choices=[("", "全部"), ("inspect", "待我验收"), ("name", "待我命名")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年度"), *year_choices()]
        self.fields["township"].queryset = Unit.objects.for_user(user)
        self._small()
