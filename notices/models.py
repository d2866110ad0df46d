"""Notices and tasks (通知 / 任务下发) with 签收 and 回执, 信息通报 between organisations, and the
record of digests sent.

- A ``Notice`` is sent by a unit (the county, a township) to units inside its subtree, or — kind
  ``briefing`` (信息通报) — by an organisation to organisations. One ``NoticeReceipt`` per
  recipient unit (or organisation) holds what the recipient did: read, 签收 (acknowledged),
  回执 (reply text and files, late or not), and when the sender last reminded it.
- A task is done by a reply (``done_by=report``) or by linked records (``done_by=records``: at
  least ``criterion_min`` activities of ``criterion_category`` between two dates in the
  recipient's scope), computed live (``selectors.receipt_rows``), never stored.
- Scope (``organizations.scoping``): a notice is seen by the sender's side (the sender unit in
  the user's scope) and by the recipients' side (a receipt's unit in the user's scope); a
  receipt by whoever's scope holds its unit or the notice's sender unit.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Category
from cobuild.codes import NeutralCodeMixin
from organizations.scoping import scope_q


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("通知")
    TASK = "task", _("任务")
    BRIEFING = "briefing", _("信息通报")


class DoneBy(models.TextChoices):
    REPORT = "report", _("提交回执(文字和附件)")
    RECORDS = "records", _("关联记录(按活动自动完成)")


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        """The sender's side (its unit in the user's scope) and the recipients' side (one of its
        receipts' units in the user's scope)."""
        sender = scope_q(user, "sender_unit__path")
        if sender is None:
            return self
        received = NoticeReceipt.objects.for_user(user).values("notice_id")
        return self.filter(sender | Q(pk__in=received))


class Notice(NeutralCodeMixin, models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=NoticeKind.choices, default=NoticeKind.NOTICE)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"))
    sender_unit = models.ForeignKey("organizations.Unit", verbose_name=_("发送单位"), on_delete=models.PROTECT,
                                    related_name="notices_sent")
    sender_org = models.ForeignKey("organizations.Organization", verbose_name=_("通报组织"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="briefings_sent")
    meeting = models.ForeignKey("campaigns.JointMeeting", verbose_name=_("相关联席会议"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    deadline = models.DateField(_("办理时限"), null=True, blank=True)
    done_by = models.CharField(_("完成标准"), max_length=12, choices=DoneBy.choices, blank=True)
    criterion_category = models.CharField(_("活动类别"), max_length=32, choices=Category.choices, blank=True)
    criterion_min = models.PositiveSmallIntegerField(_("至少开展(次)"), default=0)
    criterion_from = models.DateField(_("活动起始日期"), null=True, blank=True)
    criterion_to = models.DateField(_("活动截止日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发送人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知任务")
        verbose_name_plural = _("通知任务")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["sender_unit", "-sent_at"], name="notice_sender_sent"),
            models.Index(fields=["kind", "-sent_at"], name="notice_kind_sent"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="notice_code_not_empty"),
            models.CheckConstraint(condition=~Q(kind="task") | ~Q(done_by=""), name="notice_task_done_by"),
            models.CheckConstraint(
                condition=~Q(done_by="records") | (~Q(criterion_category="") & Q(criterion_min__gte=1)
                                                   & Q(criterion_from__isnull=False)
                                                   & Q(criterion_to__gte=models.F("criterion_from"))),
                name="notice_records_criterion"),
            models.CheckConstraint(condition=~Q(kind="briefing") | Q(sender_org__isnull=False),
                                   name="notice_briefing_org"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_task(self):
        return self.kind == NoticeKind.TASK

    @property
    def is_briefing(self):
        return self.kind == NoticeKind.BRIEFING

    @property
    def by_records(self):
        return self.kind == NoticeKind.TASK and self.done_by == DoneBy.RECORDS

    @property
    def asks_reply(self):
        return self.kind == NoticeKind.TASK


class ReceiptQuerySet(models.QuerySet):
    def for_user(self, user):
        """A receipt is its unit's (the recipients' side) and its notice's sender's."""
        q = scope_q(user, "unit__path")
        if q is None:
            return self
        return self.filter(q | scope_q(user, "notice__sender_unit__path"))


class NoticeReceipt(models.Model):
    """One recipient of a notice: a unit, or for 信息通报 an organisation (and its unit)."""

    notice = models.ForeignKey(Notice, verbose_name=_("通知任务"), on_delete=models.CASCADE,
                               related_name="receipts")
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("接收单位"), on_delete=models.PROTECT,
                             related_name="notice_receipts")
    organization = models.ForeignKey("organizations.Organization", verbose_name=_("接收组织"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="briefing_receipts")
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("阅读人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签收人"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    reply_text = models.TextField(_("回执内容"), blank=True)
    replied_at = models.DateTimeField(_("回执时间"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回执人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    replied_late = models.BooleanField(_("逾期回执"), default=False)
    reminded_at = models.DateTimeField(_("最近催办"), null=True, blank=True)
    remind_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    history = HistoricalRecords()

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("签收回执")
        verbose_name_plural = _("签收回执")
        ordering = ["notice", "unit__path", "pk"]
        indexes = [
            models.Index(fields=["unit", "acknowledged_at"], name="receipt_unit_ack"),
            models.Index(fields=["notice", "acknowledged_at"], name="receipt_notice_ack"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["notice", "unit"], condition=Q(organization__isnull=True),
                                    name="receipt_unique_unit"),
            models.UniqueConstraint(fields=["notice", "organization"], condition=Q(organization__isnull=False),
                                    name="receipt_unique_org"),
            models.CheckConstraint(condition=Q(replied_at__isnull=True) | ~Q(reply_text=""),
                                   name="receipt_reply_has_text"),
        ]

    def __str__(self):
        return f"{self.notice_id}→{self.unit_id}"


def attachment_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"notices/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class NoticeAttachment(models.Model):
    """A file of a notice (``receipt`` empty) or of a recipient's reply. Served only through the
    scoped view, as a download."""

    notice = models.ForeignKey(Notice, verbose_name=_("通知任务"), on_delete=models.CASCADE,
                               related_name="attachments")
    receipt = models.ForeignKey(NoticeReceipt, verbose_name=_("回执"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=150)
    size = models.PositiveIntegerField(_("大小(字节)"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class DigestLog(models.Model):
    """One digest sent (or skipped for want of an address) to a user on a day through a channel:
    ``send_digests`` never sends twice the same day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="+")
    day = models.DateField(_("日期"))
    channel = models.CharField(_("渠道"), max_length=16)
    items = models.PositiveIntegerField(_("待办条数"), default=0)
    delivered = models.BooleanField(_("已送达渠道"), default=True)
    text = models.TextField(_("内容"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("每日提醒记录")
        verbose_name_plural = _("每日提醒记录")
        ordering = ["-day", "user", "channel"]
        constraints = [models.UniqueConstraint(fields=["user", "day", "channel"], name="digest_once_a_day")]

    def __str__(self):
        return f"{self.day} {self.channel} {self.user_id}"
