"""Forms of the notice pages: sending a notice or task (recipients chosen as a group — all
villages of a township, all paired bureaus, all townships — or one by one), 回执, 信息通报.
Every choice is scoped to the user; the services check again."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from campaigns.forms_activities import MultipleFileInput
from campaigns.models import Category
from cobuild.params import DateField, parse_id
from organizations.models import Organization, Unit, UnitKind
from pairings.models import Pairing, PairingStatus

from . import policy
from .models import DoneBy, NoticeKind

DATE = forms.DateInput(attrs={"type": "date"})


class FilesField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; ``attachments.check_files`` checks them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(FilesField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class _SafeIds:
    """A multiple choice whose posted ids are checked before the query (a 20-digit id must not
    reach the database)."""

    def _check_values(self, value):
        for v in value if isinstance(value, (list, tuple)) else ():
            if parse_id(str(v)) is None:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": str(v)[:20]})
        return super()._check_values(value)


class UnitLabelField(_SafeIds, forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        parent = obj.parent.name if obj.parent_id else ""
        return f"{obj.name}({parent} · {obj.get_kind_display()})" if parent else obj.name


TARGETS = [
    ("township_villages", "某乡镇的全部村(社区)"),
    ("paired_bureaus", "全部结对帮建单位(机关)"),
    ("townships", "全部乡镇"),
    ("chosen", "逐个选择单位"),
]


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=[(NoticeKind.NOTICE, "通知(只需签收)"),
                                                   (NoticeKind.TASK, "任务(需要完成并回执)")],
                             widget=forms.RadioSelect, initial=NoticeKind.NOTICE)
    sender_unit = forms.ModelChoiceField(label="发送单位", queryset=Unit.objects.none(), empty_label=None)
    title = forms.CharField(label="标题", max_length=120)
    body = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 5}))
    target = forms.ChoiceField(label="发给", choices=TARGETS, widget=forms.RadioSelect, initial="township_villages")
    township = forms.ModelChoiceField(label="乡镇", queryset=Unit.objects.none(), required=False,
                                      empty_label="选择乡镇")
    units = UnitLabelField(label="接收单位", queryset=Unit.objects.none(), required=False,
                           widget=forms.SelectMultiple(attrs={"size": 8}),
                           help_text="按住 Ctrl(手机上直接点选)可选多个。")
    deadline = DateField(label="办理时限", required=False, widget=DATE)
    done_by = forms.ChoiceField(label="任务完成标准", choices=[("", "——")] + list(DoneBy.choices), required=False)
    criterion_category = forms.ChoiceField(label="活动类别", choices=[("", "——")] + list(Category.choices),
                                           required=False)
    criterion_min = forms.IntegerField(label="至少开展(次)", min_value=1, max_value=100, required=False)
    criterion_from = DateField(label="活动起始日期", required=False, widget=DATE)
    criterion_to = DateField(label="活动截止日期", required=False, widget=DATE)
    files = FilesField(label="附件")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        senders = policy.sender_units(user).order_by("depth", "path")
        self.fields["sender_unit"].queryset = senders
        scope = Unit.objects.for_user(user, roles=policy.SENDER_ROLES) if not user.is_superuser else Unit.objects.all()
        self.fields["township"].queryset = scope.filter(kind=UnitKind.TOWNSHIP).order_by("path")
        self.fields["units"].queryset = (scope.filter(kind__in=policy.RECIPIENT_KINDS)
                                         .select_related("parent").order_by("path"))

    def clean(self):
        data = super().clean()
        sender = data.get("sender_unit")
        target = data.get("target")
        if sender is None or not target:
            return data
        inside = policy.recipient_units(sender)
        if target == "township_villages":
            township = data.get("township")
            if township is None:
                self.add_error("township", "请选择乡镇。")
                return data
            units = inside.filter(parent=township, kind__in=(UnitKind.VILLAGE, UnitKind.COMMUNITY))
        elif target == "paired_bureaus":
            bureaus = Pairing.objects.filter(status=PairingStatus.ACTIVE).values("bureau_id")
            units = inside.filter(kind=UnitKind.BUREAU, pk__in=bureaus)
        elif target == "townships":
            units = inside.filter(kind=UnitKind.TOWNSHIP)
        else:
            units = data.get("units") or []
            if not units:
                self.add_error("units", "请至少选择一个接收单位。")
                return data
        data["recipients"] = list(units)
        if not data["recipients"]:
            self.add_error("target", "按这个范围没有找到接收单位,请换一种方式选择。")
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"kind": d["kind"], "sender_unit": d["sender_unit"], "title": d["title"], "body": d["body"],
                "units": d["recipients"], "deadline": d.get("deadline"), "done_by": d.get("done_by") or "",
                "criterion_category": d.get("criterion_category") or "", "criterion_min": d.get("criterion_min") or 0,
                "criterion_from": d.get("criterion_from"), "criterion_to": d.get("criterion_to"),
                "files": d.get("files") or []}


class ReplyForm(forms.Form):
    text = forms.CharField(label="回执内容(办理情况)", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    files = FilesField(label="附件(照片、文件)")


class OrgLabelField(_SafeIds, forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.unit.name} · {obj.name}"


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.unit.name} · {obj.name}"


class BriefingForm(forms.Form):
    sender_org = OrgChoiceField(label="通报组织", queryset=Organization.objects.none(), empty_label=None)
    organizations = OrgLabelField(label="通报给", queryset=Organization.objects.none(),
                                  widget=forms.CheckboxSelectMultiple)
    title = forms.CharField(label="标题", max_length=120)
    body = forms.CharField(label="通报内容", widget=forms.Textarea(attrs={"rows": 5}))
    files = FilesField(label="附件")

    def __init__(self, *args, user, sender_org=None, **kwargs):
        super().__init__(*args, **kwargs)
        senders = policy.briefing_senders(user).order_by("unit__path", "kind")
        self.fields["sender_org"].queryset = senders
        if sender_org is None:
            sender_org = senders.first()
        # offered: the sending unit's own organisations, those of the units above it and of the
        # units right below it (a bounded list); the service accepts any in the policy's scope
        near = Organization.objects.none()
        if sender_org is not None:
            unit = sender_org.unit
            near = policy.briefing_recipients(user, sender_org).filter(
                Q(unit=unit) | Q(unit_id__in=unit.ancestor_ids) | Q(unit__parent=unit)).exclude(pk=sender_org.pk)
        self.sender = sender_org
        self.fields["organizations"].queryset = near.order_by("unit__path", "kind")
