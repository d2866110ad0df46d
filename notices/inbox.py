"""The reminders inbox (待办提醒): everything waiting on a user, one query per source.

"Their units" are the units of the user's own role grants (the village of a village secretary,
the bureau of a liaison, the township of township staff) — what is addressed to that unit, not
everything below it, which the lists and dashboards already show.

Sources:
- notices and tasks addressed to their units not yet 签收, tasks not yet done (回执 or linked
  records), 信息通报 to their units' organisations not yet read;
- activities of their units (or authored by them) returned by the reviewer (已退回);
- commitments of their units open and due within ``SOON_DAYS`` days or overdue;
- rectification items their units are responsible for (or that they follow up as the
  inspector who set them) open and due within ``SOON_DAYS`` days or overdue;
- active pairs whose village or bureau is one of their units, or whose village is their leader's
  contact point (常委联系点), silent: no counted activity for ``SILENT_AMBER_DAYS`` days
  (``Pairing.last_logged_on``, kept by the pairing services; the matrix's own rule).

``inbox_count`` (the menu badge) is one query, whatever the data (five scalar subqueries).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Count, IntegerField, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.models import Activity, Commitment, CommitmentStatus, ReviewStatus
from organizations.models import EDITOR_ROLES, Unit
from organizations.scoping import user_grants
from pairings.models import SILENT_AMBER_DAYS, Pairing, PairingStatus, RectificationItem, RectificationStatus

from . import selectors
from .models import NoticeKind, NoticeReceipt

SOON_DAYS = 7
LIMIT = 50


@dataclass
class Inbox:
    notices: list = field(default_factory=list)
    returned: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    rectifications: list = field(default_factory=list)
    silent: list = field(default_factory=list)
    today: dt.date | None = None

    @property
    def total(self) -> int:
        return (len(self.notices) + len(self.returned) + len(self.commitments) + len(self.rectifications)
                + len(self.silent))

    def summary_lines(self) -> list[str]:
        parts = [
            (self.notices, "条通知/任务待签收或回执"),
            (self.returned, "条活动被退回待修改"),
            (self.commitments, "项承诺临近或超过时限"),
            (self.rectifications, "项整改临近或超过时限"),
            (self.silent, "个结对超过30天未开展活动"),
        ]
        return [f"{len(rows)}{label}" for rows, label in parts if rows]


def _unit_ids(user) -> list[int]:
    return sorted({g.unit_id for g in user_grants(user) if g.role in EDITOR_ROLES})


def _all_unit_ids(user) -> list[int]:
    return sorted({g.unit_id for g in user_grants(user)})


def notices_waiting(user, unit_ids):
    own = Q(unit_id__in=unit_ids)
    plain = Q(organization__isnull=True) & selectors.pending_q() & ~Q(notice__sender_unit_id__in=unit_ids)
    briefing = Q(organization__isnull=False, read_at__isnull=True) & ~Q(notice__created_by=user)
    return (selectors.with_linked(NoticeReceipt.objects.filter(own)).filter(plain | briefing)
            .select_related("notice__sender_unit", "notice__sender_org", "unit", "organization")
            .order_by("notice__deadline", "-notice__sent_at", "pk"))


def _sources(user, today):
    """The five sources as querysets (unsliced, unordered): what the page lists and the badge counts."""
    soon = today + dt.timedelta(days=SOON_DAYS)
    units = _unit_ids(user)
    all_units = _all_unit_ids(user)
    silent_since = today - dt.timedelta(days=SILENT_AMBER_DAYS)
    return {
        "notices": notices_waiting(user, units) if units else NoticeReceipt.objects.none(),
        "returned": Activity.objects.filter(status=ReviewStatus.RETURNED).filter(Q(author=user) | Q(unit_id__in=units)),
        "commitments": Commitment.objects.filter(
            unit_id__in=units, status__in=[CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS], due_date__lte=soon),
        "rectifications": RectificationItem.objects.exclude(status=RectificationStatus.CLOSED).filter(
            Q(responsible_unit_id__in=units) | Q(created_by=user), deadline__lte=soon),
        "silent": Pairing.objects.filter(status=PairingStatus.ACTIVE, start_date__lte=silent_since).filter(
            Q(village_id__in=all_units) | Q(bureau_id__in=all_units) | Q(village__contact_points__user=user)).filter(
            Q(last_logged_on__isnull=True) | Q(last_logged_on__lt=silent_since)),
    }


def inbox_for(user, today=None, limit: int = LIMIT) -> Inbox:
    """The inbox's rows, at most ``limit`` per source (one query each)."""
    today = today or timezone.localdate()
    src = _sources(user, today)
    return Inbox(
        today=today,
        notices=list(src["notices"][:limit]),
        returned=list(src["returned"].select_related("unit", "reviewed_by").order_by("-reviewed_at", "-pk")[:limit]),
        commitments=list(src["commitments"].select_related("unit").order_by("due_date", "pk")[:limit]),
        rectifications=list(src["rectifications"].select_related("responsible_unit", "inspection__unit")
                            .order_by("deadline", "pk")[:limit]),
        silent=list(src["silent"].select_related("village", "bureau").distinct()
                    .order_by("last_logged_on", "code")[:limit]),
    )


def _counted(qs):
    rows = (qs.order_by().annotate(_all=Value(1)).values("_all")
            .annotate(n=Count("pk", distinct=True)).values("n")[:1])
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


#: compiled badge queries kept per process: (user, grants, day) -> (vendor, SQL, params)
_BADGE_SQL: OrderedDict[tuple, tuple[str, str, tuple]] = OrderedDict()
BADGE_SQL_KEPT = 512


def _badge_query(user, today) -> tuple[str, str, tuple]:
    """The badge's one query (five scalar subqueries), anchored on one unit row (any): on a
    dashboard reading through the replica, the badge does too."""
    counts = {f"inbox_{k}": _counted(qs) for k, qs in _sources(user, today).items()}
    qs = Unit.objects.order_by("pk").annotate(**counts).values(*counts)[:1]
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    return connections[qs.db].vendor, sql, params


def inbox_count(user, today=None) -> int:
    """The menu badge: the inbox's size (up to ``LIMIT`` per source, as the page lists), in one
    query of five scalar subqueries, whatever the data. Building that query from its querysets
    cost ~15 ms of Python on every page, so its SQL is kept per user, role grants and day (all it
    depends on besides the data, which it reads live each time)."""
    if not user.is_authenticated:
        return 0
    today = today or timezone.localdate()
    key = (user.pk, tuple((g.role, g.unit_id) for g in user_grants(user)), today)
    alias = router.db_for_read(Unit)
    found = _BADGE_SQL.get(key)
    if found is None or found[0] != connections[alias].vendor:
        found = _BADGE_SQL[key] = _badge_query(user, today)
        while len(_BADGE_SQL) > BADGE_SQL_KEPT:
            _BADGE_SQL.popitem(last=False)
    else:
        _BADGE_SQL.move_to_end(key)
    with connections[alias].cursor() as cursor:
        cursor.execute(found[1], found[2])
        row = cursor.fetchone()
    return sum(min(n or 0, LIMIT) for n in (row or ()))


def is_briefing(receipt) -> bool:
    return receipt.notice.kind == NoticeKind.BRIEFING
