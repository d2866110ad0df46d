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

``inbox_count`` (the menu badge) is cached per user for ``COUNT_SECONDS`` and dropped by the
notices services for the users they touch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Activity, Commitment, CommitmentStatus, ReviewStatus
from organizations.models import EDITOR_ROLES
from organizations.scoping import user_grants
from pairings.models import SILENT_AMBER_DAYS, Pairing, PairingStatus, RectificationItem, RectificationStatus

from . import selectors
from .models import NoticeKind, NoticeReceipt

SOON_DAYS = 7
LIMIT = 50
COUNT_SECONDS = 300


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


def inbox_for(user, today=None, limit: int = LIMIT) -> Inbox:
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=SOON_DAYS)
    units = _unit_ids(user)
    all_units = _all_unit_ids(user)
    box = Inbox(today=today)
    if not all_units and not user.is_authenticated:
        return box
    box.notices = list(notices_waiting(user, units)[:limit]) if units else []
    box.returned = list(Activity.objects.filter(status=ReviewStatus.RETURNED)
                        .filter(Q(author=user) | Q(unit_id__in=units))
                        .select_related("unit", "reviewed_by").order_by("-reviewed_at", "-pk")[:limit])
    box.commitments = list(Commitment.objects.filter(
        unit_id__in=units, status__in=[CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS],
        due_date__lte=soon).select_related("unit").order_by("due_date", "pk")[:limit]) if units else []
    box.rectifications = list(RectificationItem.objects.exclude(status=RectificationStatus.CLOSED).filter(
        Q(responsible_unit_id__in=units) | Q(created_by=user), deadline__lte=soon)
        .select_related("responsible_unit", "inspection__unit").order_by("deadline", "pk")[:limit])
    silent_since = today - dt.timedelta(days=SILENT_AMBER_DAYS)
    box.silent = list(Pairing.objects.filter(status=PairingStatus.ACTIVE, start_date__lte=silent_since).filter(
        Q(village_id__in=all_units) | Q(bureau_id__in=all_units) | Q(village__contact_points__user=user))
        .filter(Q(last_logged_on__isnull=True) | Q(last_logged_on__lt=silent_since))
        .select_related("village", "bureau").distinct().order_by("last_logged_on", "code")[:limit])
    return box


def _key(user_id) -> str:
    return f"notices:inbox-count:{user_id}"


def inbox_count(user) -> int:
    """The menu badge: the inbox's size, cached per user for a few minutes."""
    key = _key(user.pk)
    n = cache.get(key)
    if n is None:
        n = inbox_for(user).total
        cache.set(key, n, COUNT_SECONDS)
    return n


def forget_counts(user_ids) -> None:
    cache.delete_many([_key(i) for i in user_ids if i])


def is_briefing(receipt) -> bool:
    return receipt.notice.kind == NoticeKind.BRIEFING
