"""Demo annual plans (共建计划) and public boards (公示栏) for the demo county (铁力市).

``load_demo_plans(campaign, today, count)``: a plan for every pairing of the campaign for the
demo's year. The plans are written after the year's records and follow them, so the mix is the
same on every run: for the quarters that have ended, most pairs planned what they then did (at
most two activities a quarter: on track), every sixth pair and every pair with no activity at all
in those quarters planned one activity more per quarter than it did (behind); two activities
a quarter for the quarters still to come; pairs that raised project funds planned them in the
quarter they mostly came in (rounded down to ten thousand yuan; the behind ones twenty
thousand more).

``load_demo_boards(units, count)``: four 承诺公示 boards — 铁力镇's first village, its
pairing, its paired bureau, and a withdrawn one of the second village. Their tokens are derived
from ``SECRET_KEY`` (HMAC), so re-running finds them and a demo site's links stay stable, while
nobody can work them out from this source.

Everything goes through ``campaigns.services`` with ``actor=None``; a second run writes nothing.
No figure of the portal changes (plans and boards are not records of the catalogue).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import ExtractQuarter

from campaigns.models import Activity, ActivityOutcome, BoardStatus, PairingPlan, PlanMeasure, PublicBoard
from campaigns.plans import quarters_ended
from campaigns.services import board_create, board_withdraw, plan_save
from pairings.models import Pairing

REASON = "演示数据"
NOTE = "结对双方年初商定的年度共建计划(演示数据)"
BEHIND_EVERY = 6
FUTURE_PER_QUARTER = 2
TEN_THOUSAND = Decimal(10000)


def demo_plan_items(index: int, done: list[int], funds: Decimal, due: int, funds_quarter: int = 2) -> dict:
    """The plan of the ``index``-th pair (by code) given what it did per quarter (and the project
    funds it raised, planned in ``funds_quarter``: the quarter they mostly came in)."""
    behind = index % BEHIND_EVERY == BEHIND_EVERY - 1 or (due and not any(done[:due]))
    items = {}
    for q in range(1, 5):
        if q <= due:
            planned = done[q - 1] + 1 if behind else min(done[q - 1], 2)
        else:
            planned = FUTURE_PER_QUARTER
        items[(PlanMeasure.ACTIVITIES, "", q)] = Decimal(planned)
    if funds > 0:
        rounded = (funds // TEN_THOUSAND) * TEN_THOUSAND
        items[(PlanMeasure.PROJECT_FUNDS, "", funds_quarter)] = rounded + (20000 if behind else 0) if rounded else funds
    return {k: v for k, v in items.items() if v}


def load_demo_plans(campaign, today: dt.date, count) -> None:
    year = today.year
    due = quarters_ended(year, today)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    pairs = list(Pairing.objects.filter(campaign=campaign).order_by("code"))
    done: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for pid, q, n in (Activity.objects.counted().filter(pairing__campaign=campaign, date__gte=start, date__lte=end)
                      .annotate(q=ExtractQuarter("date")).order_by().values_list("pairing_id", "q")
                      .annotate(n=Count("pk"))):
        done[pid][q - 1] = n
    funds: dict[int, Decimal] = defaultdict(Decimal)
    funds_quarter: dict[int, tuple[Decimal, int]] = {}
    for pid, q, v in (ActivityOutcome.objects.filter(
            activity__in=Activity.objects.counted().filter(pairing__campaign=campaign, date__gte=start,
                                                           date__lte=end).values("pk"),
            indicator__code=PlanMeasure.PROJECT_FUNDS)
            .annotate(q=ExtractQuarter("activity__date")).order_by()
            .values_list("activity__pairing_id", "q").annotate(v=Sum("value")).order_by("activity__pairing_id", "q")):
        funds[pid] += v
        if pid not in funds_quarter or v > funds_quarter[pid][0]:
            funds_quarter[pid] = (v, q)
    existing = {p.pairing_id: p for p in PairingPlan.objects.filter(pairing__in=pairs, year=year)
                .prefetch_related("items")}
    for i, pair in enumerate(pairs):
        wanted = demo_plan_items(i, done[pair.pk], funds.get(pair.pk) or Decimal(0), due,
                                 funds_quarter.get(pair.pk, (0, 2))[1])
        plan = existing.get(pair.pk)
        if plan is not None:
            have = {(it.measure, it.category, it.quarter): it.planned for it in plan.items.all()}
            if have == wanted and plan.note == NOTE:
                count("plans", "unchanged")
                continue
        plan_save(actor=None, pairing=pair, year=year, items=wanted, note=NOTE, reason=REASON)
        count("plans", "updated" if plan is not None else "created")


def demo_token(key: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo-board:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


# (key, unit code, pairing's village code or None, withdrawn)
DEMO_BOARDS = [
    ("village", "TL-01-01", None, False),
    ("pairing", "TL-01-01", "TL-01-01", False),
    ("bureau", "TL-B01", None, False),
    ("withdrawn", "TL-01-02", None, True),
]


def load_demo_boards(units: dict, campaign, count) -> None:
    for key, unit_code, village_code, withdrawn in DEMO_BOARDS:
        unit = units[unit_code]
        pairing = (Pairing.objects.filter(campaign=campaign, village=units[village_code]).select_related(
            "village", "bureau").first() if village_code else None)
        token = demo_token(key)
        board = PublicBoard.objects.filter(token=token).first()
        created = board is None
        if created:
            board = board_create(actor=None, unit=unit, pairing=pairing, campaign=campaign, token=token)
        if withdrawn and board.status == BoardStatus.ACTIVE:
            board_withdraw(actor=None, board=board, reason=REASON)
            created = created or "updated"
        count("boards", "created" if created is True else "updated" if created else "unchanged")
