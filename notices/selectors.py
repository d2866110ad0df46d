"""Reads for notices: scoped, with what the pages show fetched in a constant number of queries.

``linked_count()`` is the live count behind a task done by linked records: the activities
(submitted or verified; returned ones count nowhere) of the task's category between its dates
in the recipient unit's scope (the stored record scope, ``organizations.records``) — one
correlated subquery, so a table of any number of recipients is one query.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.models import Activity, ReviewStatus
from organizations.models import RecordScope
from organizations.scoping import scope_q

from . import policy
from .models import DoneBy, Notice, NoticeAttachment, NoticeKind, NoticeReceipt

#: the sender's filters of the receipt table: key -> label
RECEIPT_FILTERS = {
    "unread": "未阅读",
    "unacked": "未签收",
    "unreplied": "未回执/未完成",
    "late": "逾期",
    "replied": "已回执",
}


def linked_count(prefix: str = "notice__"):
    """Activities counting for the receipt's task (0 for other notices): an expression for a
    NoticeReceipt queryset."""
    in_scope = RecordScope.objects.filter(record_type="activity", record_id=OuterRef("pk"),
                                          unit_id=OuterRef(OuterRef("unit_id")))
    acts = (Activity.objects.filter(category=OuterRef(f"{prefix}criterion_category"),
                                    date__gte=OuterRef(f"{prefix}criterion_from"),
                                    date__lte=OuterRef(f"{prefix}criterion_to"))
            .exclude(status=ReviewStatus.RETURNED).filter(Exists(in_scope))
            .order_by().annotate(_one=Value(1)).values("_one").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(acts, output_field=IntegerField()), Value(0))


def with_linked(qs):
    return qs.annotate(linked=linked_count())


def done_q() -> Q:
    """Receipts (annotated ``with_linked``) whose task is done: replied, or enough records."""
    return Q(replied_at__isnull=False) | Q(notice__done_by=DoneBy.RECORDS,
                                           linked__gte=F("notice__criterion_min"))


def pending_q() -> Q:
    """Receipts still waiting on the recipient: not acknowledged, or a task not done."""
    return Q(acknowledged_at__isnull=True) | (Q(notice__kind=NoticeKind.TASK) & ~done_q())


def notice_list(user, *, q: str = "", kind: str = "", box: str = ""):
    """Notices the user may see, newest first, with their receipt counts (one query)."""
    qs = Notice.objects.for_user(user).select_related("sender_unit", "sender_org", "created_by")
    if kind in NoticeKind.values:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(code__icontains=q))
    if box == "sent":
        scope = policy.sender_units(user) if not user.is_superuser else None
        if scope is not None:
            qs = qs.filter(Q(sender_unit__in=scope) | Q(created_by=user))
    elif box == "received":
        rq = scope_q(user, "unit__path")
        if rq is not None:
            qs = qs.filter(pk__in=NoticeReceipt.objects.filter(rq).values("notice_id"))
    return qs.annotate(
        n_total=Count("receipts", distinct=True),
        n_acked=Count("receipts", filter=Q(receipts__acknowledged_at__isnull=False), distinct=True),
        n_replied=Count("receipts", filter=Q(receipts__replied_at__isnull=False), distinct=True),
    ).order_by("-sent_at", "-pk")


def receipts_for(user, notice: Notice):
    """The receipts of ``notice`` the user sees: all of them for the sender's side, else those in
    the user's scope."""
    qs = notice.receipts.all()
    if not policy.can_manage(user, notice):
        rq = scope_q(user, "unit__path")
        if rq is not None:
            qs = qs.filter(rq)
    return qs


def receipt_rows(user, notice: Notice, *, status: str = "", today=None):
    """The receipt table: recipient, reader, 签收, 回执 and files, the live linked count; a
    constant number of queries whatever the number of recipients."""
    today = today or timezone.localdate()
    qs = with_linked(receipts_for(user, notice)).select_related(
        "unit__parent", "organization", "read_by", "acknowledged_by", "replied_by").prefetch_related(
        Prefetch("attachments", queryset=NoticeAttachment.objects.order_by("pk")))
    if status == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif status == "unacked":
        qs = qs.filter(acknowledged_at__isnull=True)
    elif status == "unreplied":
        qs = qs.exclude(done_q()) if notice.is_task else qs.none()
    elif status == "late":
        late = Q(replied_late=True)
        if notice.deadline and notice.deadline < today:
            late |= ~done_q() if notice.is_task else Q(acknowledged_at__isnull=True)
        qs = qs.filter(late)
    elif status == "replied":
        qs = qs.filter(replied_at__isnull=False)
    return qs.order_by("unit__path", "organization__kind", "pk")


def receipt_summary(user, notice: Notice, today=None) -> dict:
    """Counts for the sender's summary line (one query)."""
    today = today or timezone.localdate()
    qs = with_linked(receipts_for(user, notice))
    overdue = notice.deadline is not None and notice.deadline < today
    agg = {
        "total": Count("pk"),
        "read": Count("pk", filter=Q(read_at__isnull=False)),
        "acked": Count("pk", filter=Q(acknowledged_at__isnull=False)),
        "replied": Count("pk", filter=Q(replied_at__isnull=False)),
        "late": Count("pk", filter=Q(replied_late=True)),
    }
    if notice.is_task:
        agg["done"] = Count("pk", filter=done_q())
        if overdue:
            agg["late"] = Count("pk", filter=Q(replied_late=True) | ~done_q())
    out = qs.aggregate(**agg)
    out.setdefault("done", out["acked"])
    return out


def state_of(receipt, notice: Notice, today=None) -> tuple[str, str]:
    """(css class, label) of one receipt for the tables (no query)."""
    today = today or timezone.localdate()
    linked = getattr(receipt, "linked", 0)
    if notice.is_task:
        if receipt.replied_at:
            return ("warning", "逾期回执") if receipt.replied_late else ("success", "已回执")
        if notice.by_records and linked >= notice.criterion_min:
            return "success", "已完成(关联记录)"
    elif receipt.acknowledged_at:
        return "success", "已签收"
    if notice.deadline and notice.deadline < today:
        return "danger", "逾期未办"
    if receipt.acknowledged_at:
        return "info", "已签收,待回执" if notice.is_task else "已签收"
    if receipt.read_at:
        return "secondary", "已读未签收" if not notice.is_briefing else "已读"
    return "light", "未阅读"


def pending_receipt_ids(notice: Notice) -> list[int]:
    qs = with_linked(notice.receipts.all())
    if notice.is_briefing:
        return list(qs.filter(read_at__isnull=True).values_list("pk", flat=True))
    return list(qs.filter(pending_q()).values_list("pk", flat=True))


def briefings_for(user, *, unit=None, meeting=None, limit: int = 20):
    """信息通报 the user may see that concern ``unit`` (sent from or to one of its organisations)
    or ``meeting``, with their receipts (constant queries)."""
    qs = Notice.objects.for_user(user).filter(kind=NoticeKind.BRIEFING)
    if unit is not None:
        qs = qs.filter(Q(sender_org__unit=unit) | Q(pk__in=NoticeReceipt.objects.filter(unit=unit)
                                                    .values("notice_id")))
    if meeting is not None:
        org_ids = list(meeting.member_organizations.values_list("pk", flat=True))
        qs = qs.filter(Q(meeting=meeting) | Q(sender_org_id__in=org_ids, sent_at__date__gte=meeting.held_on))
    return list(qs.select_related("sender_org__unit", "created_by").prefetch_related(
        Prefetch("receipts", queryset=NoticeReceipt.objects.select_related("organization", "read_by")
                 .order_by("organization__kind", "pk"))).order_by("-sent_at", "-pk")[:limit])
