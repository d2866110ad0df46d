"""Writes for notices, tasks and 信息通报: permission (``policy``), validation, history (the
reason stored), in one transaction. The web, the admin, the demo and the commands call these."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from organizations.models import Organization, Unit, User
from pairings.policy import refuse
from pairings.services import new_code

from . import policy, selectors
from .attachments import check_files
from .models import DoneBy, Notice, NoticeAttachment, NoticeKind, NoticeReceipt


def _attach(notice: Notice, uploads, *, actor, receipt: NoticeReceipt | None = None) -> None:
    for f in uploads:
        att = NoticeAttachment(notice=notice, receipt=receipt, name=(f.name or "附件")[:150], size=f.size,
                               uploaded_by=actor)
        att.file.save(att.name, f, save=False)
        att._change_reason = "上传附件"
        att.save()


def _check_task(kind, deadline, done_by, criterion_category, criterion_min, criterion_from, criterion_to,
                backdated=False):
    errors = {}
    if deadline and deadline < timezone.localdate() and not backdated:
        errors["deadline"] = "办理时限不能早于今天。"
    if kind == NoticeKind.TASK:
        if done_by not in DoneBy.values:
            errors["done_by"] = "任务请选择完成标准:提交回执,或按关联记录自动完成。"
        if not deadline:
            errors["deadline"] = "任务请填写办理时限。"
        if done_by == DoneBy.RECORDS:
            if not criterion_category:
                errors["criterion_category"] = "请选择要开展的活动类别。"
            if not criterion_min or criterion_min < 1:
                errors["criterion_min"] = "至少开展的次数须为 1 或以上。"
            if not criterion_from or not criterion_to:
                errors["criterion_from"] = "请填写活动的起止日期。"
            elif criterion_to < criterion_from:
                errors["criterion_to"] = "截止日期不能早于起始日期。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def notice_send(*, actor: User | None, kind: str, sender_unit: Unit, title: str, body: str, units,
                deadline=None, done_by: str = "", criterion_category: str = "", criterion_min: int = 0,
                criterion_from=None, criterion_to=None, files=(), code: str | None = None,
                sent_at=None, reason: str | None = None) -> Notice:
    """Send a notice or a task from ``sender_unit`` to ``units`` (one receipt each)."""
    if kind not in (NoticeKind.NOTICE, NoticeKind.TASK):
        raise ValidationError({"kind": "请选择通知或任务。"})
    units = list({u.pk: u for u in units}.values())
    refuse(policy.notice_refusals(actor, sender_unit=sender_unit, units=units))
    if kind == NoticeKind.NOTICE:
        done_by, criterion_category, criterion_min, criterion_from, criterion_to = "", "", 0, None, None
    elif done_by == DoneBy.REPORT:
        criterion_category, criterion_min, criterion_from, criterion_to = "", 0, None, None
    _check_task(kind, deadline, done_by, criterion_category, criterion_min, criterion_from, criterion_to,
                backdated=sent_at is not None)
    uploads = check_files(files)
    notice = Notice(code=code or new_code("NTC"), kind=kind, title=title.strip(), body=body.strip(),
                    sender_unit=sender_unit, deadline=deadline, done_by=done_by,
                    criterion_category=criterion_category, criterion_min=criterion_min or 0,
                    criterion_from=criterion_from, criterion_to=criterion_to, created_by=actor,
                    sent_at=sent_at or timezone.now())
    notice.full_clean()
    notice._change_reason = reason or ("下达任务" if kind == NoticeKind.TASK else "发送通知")
    notice.save()
    bulk_create_with_history([NoticeReceipt(notice=notice, unit=u) for u in units], NoticeReceipt,
                             default_user=actor, default_change_reason="发送")
    _attach(notice, uploads, actor=actor)
    return notice


@transaction.atomic
def briefing_send(*, actor: User | None, sender_org: Organization, organizations, title: str, body: str,
                  meeting=None, files=(), code: str | None = None, sent_at=None,
                  reason: str | None = None) -> Notice:
    """信息通报 from ``sender_org`` to ``organizations`` (a read receipt each)."""
    organizations = list({o.pk: o for o in organizations}.values())
    refuse(policy.briefing_refusals(actor, sender_org=sender_org, organizations=organizations))
    uploads = check_files(files)
    notice = Notice(code=code or new_code("BRF"), kind=NoticeKind.BRIEFING, title=title.strip(), body=body.strip(),
                    sender_unit=sender_org.unit, sender_org=sender_org, meeting=meeting, created_by=actor,
                    sent_at=sent_at or timezone.now())
    notice.full_clean()
    notice._change_reason = reason or "信息通报"
    notice.save()
    bulk_create_with_history([NoticeReceipt(notice=notice, unit=o.unit, organization=o) for o in organizations],
                             NoticeReceipt, default_user=actor, default_change_reason="通报")
    _attach(notice, uploads, actor=actor)
    return notice


def _locked(receipt: NoticeReceipt) -> NoticeReceipt:
    return (NoticeReceipt.objects.select_for_update(of=("self",))
            .select_related("notice__sender_unit", "unit").get(pk=receipt.pk))


@transaction.atomic
def notice_open(*, actor: User, notice: Notice, receipts=None, now=None) -> int:
    """The actor opened the notice: the receipts they answer for are read (history kept)."""
    now = now or timezone.now()
    rows = receipts if receipts is not None else notice.receipts.select_related("unit")
    marked = 0
    for r in rows:
        if r.read_at is None and policy.can_answer(actor, r, notice):
            r = _locked(r)
            if r.read_at is None:
                r.read_at, r.read_by = now, actor
                r._change_reason = "阅读"
                r.save(update_fields=["read_at", "read_by"])
                marked += 1
    return marked


@transaction.atomic
def receipt_acknowledge(*, actor: User | None, receipt: NoticeReceipt, now=None) -> NoticeReceipt:
    """签收 (once; a second 签收 changes nothing)."""
    receipt = _locked(receipt)
    refuse(policy.answer_refusals(actor, receipt))
    if receipt.acknowledged_at is None:
        now = now or timezone.now()
        receipt.acknowledged_at, receipt.acknowledged_by = now, actor
        if receipt.read_at is None:
            receipt.read_at, receipt.read_by = now, actor
        receipt._change_reason = "签收"
        receipt.save()
    return receipt


@transaction.atomic
def receipt_reply(*, actor: User | None, receipt: NoticeReceipt, text: str, files=(), now=None) -> NoticeReceipt:
    """回执: the reply text and files; acknowledges too; late when after the deadline. A second
    reply replaces the text and adds files (history keeps the earlier one)."""
    receipt = _locked(receipt)
    refuse(policy.answer_refusals(actor, receipt, replying=True))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写回执内容(办理情况)。"})
    uploads = check_files(files)
    now = now or timezone.now()
    notice = receipt.notice
    receipt.reply_text, receipt.replied_at, receipt.replied_by = text, now, actor
    receipt.replied_late = bool(notice.deadline and timezone.localdate(now) > notice.deadline)
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at, receipt.acknowledged_by = now, actor
    if receipt.read_at is None:
        receipt.read_at, receipt.read_by = now, actor
    receipt.full_clean()
    receipt._change_reason = "逾期回执" if receipt.replied_late else "回执"
    receipt.save()
    _attach(notice, uploads, actor=actor, receipt=receipt)
    return receipt


@transaction.atomic
def notice_remind(*, actor: User | None, notice: Notice, receipt_ids=None, now=None) -> int:
    """催办: every recipient still pending (or the given ones among them) is reminded; recorded
    on the receipt (time, count, history). Returns how many."""
    if not policy.can_manage(actor, notice):
        raise PermissionDenied("只有发送单位可以催办。")
    pending = set(selectors.pending_receipt_ids(notice))
    if receipt_ids is not None:
        pending &= {int(i) for i in receipt_ids}
    now = now or timezone.now()
    rows = list(NoticeReceipt.objects.select_for_update(of=("self",)).filter(pk__in=pending).order_by("pk"))
    for r in rows:
        r.reminded_at, r.remind_count = now, r.remind_count + 1
        r._change_reason = f"催办(第{r.remind_count}次)"
        r.save(update_fields=["reminded_at", "remind_count"])
    return len(rows)


@transaction.atomic
def notice_update(*, actor: User | None, notice: Notice, title: str, body: str, deadline=None,
                  reason: str | None = None) -> Notice:
    """Correct a sent notice's title, text or deadline (the sender's side; history keeps the
    earlier version and the reason). Recipients and the completion rule stay as sent."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("sender_unit", "sender_org__unit").get(
        pk=notice.pk)
    if not policy.can_manage(actor, notice):
        raise PermissionDenied("只有发送单位可以修改该通知。")
    if notice.kind == NoticeKind.TASK and not deadline:
        raise ValidationError({"deadline": "任务请填写办理时限。"})
    notice.title, notice.body, notice.deadline = title.strip(), body.strip(), deadline
    notice.full_clean()
    notice._change_reason = reason or "修改通知"
    notice.save()
    return notice
