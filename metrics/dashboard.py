"""Reads for the dashboard (看板) and the targets page.

Every figure comes from the summary table through :mod:`metrics.selectors` (``sums``,
``sums_by_unit``, ``monthly``): a fixed number of queries per page whatever the number of units
and records. Counts of warnings (silent pairs and villages, overdue commitments and
rectification items, coverage gaps) are single aggregate queries. Nothing here loops over
records.

Red/amber/green (红黄绿预警) of a target, :func:`judge`:

- counts and sums: progress = figure ÷ target. The *expected* share is the elapsed share of the
  target's period (campaign start → the target's due date, else the campaign's end) at the
  dashboard's "as of" day. Green when progress ≥ expected, amber when ≥ 0.8 × expected, red
  below. Without an end date the expected share is 100 %.
- rates (完成率, 满意率): the rate itself is compared with the target rate: green when it reaches
  it, amber within 5 points, red below. (``Progress.percent`` is then the rate and
  ``Progress.expected`` the target rate, so a bar drawn from them shows the rate and the mark.)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Commitment, Indicator, IndicatorKind
from organizations.models import AREA_KINDS, Unit, UnitKind
from organizations.selectors import blank_spots
from pairings.models import SILENT_AMBER_DAYS, Pairing, PairingStatus, RectificationItem
from pairings.selectors import silence_summary

from . import charts, selectors
from .models import Fact, Target
from .rollup import CATEGORY_KEYS

HEADLINE = ("pairings", "activities", "org_life_sessions", "democratic_life_meetings", "tech_visits",
            "commitments_made", "commitment_rate", "leader_visits", "inspections", "problems_solved",
            "satisfaction_party_org", "satisfaction_cobuild")
DRILL = ("pairings", "activities", "org_life_sessions", "tech_visits", "commitments_made", "commitments_done",
         "commitment_rate", "inspections", "problems_solved", "project_funds")
TREND = ("activities", "org_life_sessions", "commitments_done")
RANK_KINDS = {
    "township": ("乡镇(街道)", (UnitKind.TOWNSHIP,)),
    "village": ("村(社区)", (UnitKind.VILLAGE, UnitKind.COMMUNITY)),
    "bureau": ("帮建单位", (UnitKind.BUREAU, UnitKind.ENTERPRISE, UnitKind.SCHOOL, UnitKind.SOCIAL_ORG)),
}
RANK_WINDOWS = {"30": "近30天", "90": "近3个月", "period": "所选期间"}
RANK_SHOWN = 10
DRILL_SHOWN = 30                     # a longer group of children folds to its first rows
LOGGED_KEYS = ("activities", "commitments_made", "inspections", "leader_visits")
SILENT_LISTED = 8
RATE_AMBER_POINTS = Decimal(5)
AMBER_SHARE = Decimal("0.8")
_CATEGORY_OF = {v: k for k, v in CATEGORY_KEYS.items()}
_KEYS_OF_RATE = {code: keys for code, keys in selectors.RATES.items()}


# --- red / amber / green -----------------------------------------------------------------------

@dataclass
class Progress:
    target: Decimal
    value: Decimal | None
    percent: Decimal | None          # value ÷ target × 100; for a rate the rate itself (None: no ballots)
    expected: Decimal | None         # expected percent by now; for a rate the target rate
    rag: str                         # "green" / "amber" / "red"

    @property
    def target_display(self) -> str:
        return charts.fmt(self.target)

    @property
    def label(self) -> str:
        return {"green": "正常", "amber": "滞后", "red": "严重滞后"}[self.rag]


def expected_share(start: dt.date, end: dt.date | None, as_of: dt.date) -> Decimal:
    """The share (0–100) of ``start``..``end`` elapsed on ``as_of``; 100 without an end."""
    if end is None or as_of >= end:
        return Decimal(100)
    if as_of < start:
        return Decimal(0)
    total = (end - start).days or 1
    return Decimal((as_of - start).days * 100) / Decimal(total)


def judge(*, value, target, is_rate: bool, expected: Decimal | None) -> Progress:
    target = Decimal(target)
    if value is None:
        return Progress(target, None, None, None, "red")
    value = Decimal(value)
    if is_rate:
        rag = "green" if value >= target else ("amber" if value >= target - RATE_AMBER_POINTS else "red")
        return Progress(target, value, value, target, rag)
    percent = value * 100 / target
    exp = Decimal(100) if expected is None else expected
    if percent >= exp:
        rag = "green"
    elif percent >= exp * AMBER_SHARE:
        rag = "amber"
    else:
        rag = "red"
    return Progress(target, value, percent, exp, rag)


def target_progress(target: Target, figure: selectors.Figure, campaign: Campaign, as_of: dt.date) -> Progress:
    is_rate = figure.indicator.kind == IndicatorKind.RATE
    end = target.due_date or campaign.end_date
    return judge(value=figure.value, target=target.value, is_rate=is_rate,
                 expected=None if is_rate else expected_share(campaign.start_date, end, as_of))


# --- choices -----------------------------------------------------------------------------------

def campaigns_for(user):
    return Campaign.objects.for_user(user).select_related("owner_unit").order_by("-start_date", "name")


def default_campaign(campaigns: list[Campaign], unit: Unit, today: dt.date) -> Campaign | None:
    """The latest campaign running today whose owner's scope holds ``unit``; else the latest."""
    relevant = [c for c in campaigns if unit.path.startswith(c.owner_unit.path)
                or c.owner_unit.path.startswith(unit.path)] or campaigns
    running = [c for c in relevant if c.start_date <= today and (c.end_date is None or c.end_date >= today)]
    return (running or relevant or [None])[0]


# --- links to the records behind a figure ------------------------------------------------------

def _q(name: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse(name) + (f"?{urlencode(params)}" if params else "")


def record_link(code: str, kind: str, unit: Unit, campaign: Campaign | None, date_from, date_to) -> str:
    """The list of records behind a figure ('' when there is no such list, e.g. satisfaction)."""
    township = unit.pk if unit.kind == UnitKind.TOWNSHIP else None
    cpk = campaign.pk if campaign else None
    if code == "activities" or kind == IndicatorKind.OUTCOME or code in _CATEGORY_OF:
        return _q("campaigns:activity_list", unit=unit.pk, category=_CATEGORY_OF.get(code, ""),
                  date_from=date_from, date_to=date_to)
    if code in ("commitments_made", "commitment_rate"):
        return _q("campaigns:commitment_list", unit=unit.pk, campaign=cpk)
    if code == "commitments_done":
        return _q("campaigns:commitment_list", unit=unit.pk, campaign=cpk, status="done")
    if code in ("inspections", "leader_visits"):
        return _q("pairings:inspection_list", kind="inspection" if code == "inspections" else "leader_visit",
                  campaign=cpk, township=township, date_from=date_from, date_to=date_to)
    if code == "pairings":
        return _q("pairings:register", campaign=cpk, township=township)
    return ""


# --- the dashboard -----------------------------------------------------------------------------

@dataclass
class Card:
    figure: selectors.Figure
    href: str
    progress: Progress | None = None

    @property
    def display(self) -> str:
        """The figure for a card: money in 万元 when large (the exact value is in the table)."""
        if self.figure.indicator.is_money and self.figure.value is not None and self.figure.value >= 100000:
            return charts.fmt(self.figure.value)
        return self.figure.text


@dataclass
class DrillRow:
    unit: Unit | None
    label: str
    figures: list
    progress: Progress | None = None
    kind: str = "child"              # "child", "subtotal", "total"
    hidden: int = 0                  # a subtotal's members not listed (long groups fold)
    group: str = ""


@dataclass
class RankRow:
    unit: Unit
    value: Decimal
    position: int
    previous: Decimal
    previous_position: int

    @property
    def change(self) -> Decimal:
        return self.value - self.previous

    @property
    def moved(self) -> int:
        """Places gained since the previous period (positive = up)."""
        return self.previous_position - self.position

    @property
    def moved_abs(self) -> int:
        return abs(self.moved)


@dataclass
class Ranking:
    key: str
    label: str
    rows: list[RankRow]
    total: int

    @property
    def top(self):
        return self.rows[:RANK_SHOWN]

    @property
    def bottom(self):
        return self.rows[-RANK_SHOWN:][::-1] if len(self.rows) > RANK_SHOWN else []


@dataclass
class Warnings:
    pairs: dict
    silent_pairs: list
    villages_total: int
    silent_villages: int
    silent_village_list: list
    overdue_commitments: int
    overdue_rectifications: int
    blank_spots: int | None
    links: dict = field(default_factory=dict)


def _sum_dicts(rows) -> dict:
    out: dict = defaultdict(Decimal)
    for r in rows:
        for k, v in r.items():
            out[k] += v
    return dict(out)


def _keys_for(codes) -> set[str]:
    keys = set()
    for c in codes:
        keys.update(_KEYS_OF_RATE.get(c, (c,)))
    return keys


def drill_down(unit: Unit, user, campaign, date_from, date_to, indicators: list[Indicator],
               progress_indicator: Indicator | None, as_of, expand: str = "") -> tuple[list[DrillRow], list[Indicator]]:
    """The children of ``unit`` with their figures, a subtotal per kind of child and the unit's own
    (deduplicated) figures: one query for the children, one for all their sums; with a progress
    indicator, one for the targets and one for the campaign-to-date sums they are judged on."""
    cols = [i for i in indicators if i.code in DRILL]
    children = list(Unit.objects.for_user(user).filter(parent=unit).order_by("sort_order", "kind", "name"))
    if not children:
        return [], cols
    ids = [c.pk for c in children] + [unit.pk]
    sums = selectors.sums_by_unit(ids, campaign, date_from, date_to)
    targets, cumulative = {}, {}
    if progress_indicator is not None and campaign is not None:
        targets = {t.unit_id: t for t in Target.objects.filter(
            campaign=campaign, indicator=progress_indicator, unit_id__in=ids)}
        cumulative = selectors.sums_by_unit(ids, campaign, campaign.start_date, as_of,
                                            _keys_for([progress_indicator.code]))
    groups: dict[str, list] = defaultdict(list)
    for c in children:
        groups[_group_of(c)].append(c)
    rows = []

    def progress(u_id, _totals=None):
        t = targets.get(u_id)
        if t is None:
            return None
        fig = selectors.figures_from_sums(cumulative.get(u_id, {}), [progress_indicator])[0]
        return target_progress(t, fig, campaign, as_of)

    for group, members in groups.items():
        shown = members if (len(members) <= DRILL_SHOWN or expand == group) else members[:DRILL_SHOWN]
        for c in shown:
            rows.append(DrillRow(c, c.name, selectors.figures_from_sums(sums[c.pk], cols), progress(c.pk)))
        if len(groups) > 1 or len(members) > 1:
            sub = _sum_dicts(sums[c.pk] for c in members)
            rows.append(DrillRow(None, f"{GROUP_LABELS[group]}小计({len(members)})",
                                 selectors.figures_from_sums(sub, cols), kind="subtotal",
                                 hidden=len(members) - len(shown), group=group))
    rows.append(DrillRow(unit, f"{unit.name}合计", selectors.figures_from_sums(sums[unit.pk], cols),
                         progress(unit.pk, sums[unit.pk]), kind="total"))
    return rows, cols


GROUP_LABELS = {"area": "乡镇(街道)", "village": "村(社区)", "bureau": "帮建单位", "other": "其他单位"}


def _group_of(u: Unit) -> str:
    if u.kind in AREA_KINDS:
        return "area"
    if u.kind in RANK_KINDS["village"][1]:
        return "village"
    if u.kind in RANK_KINDS["bureau"][1]:
        return "bureau"
    return "other"


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period of equal length just before ``date_from``..``date_to``."""
    days = (date_to - date_from).days + 1
    return date_from - dt.timedelta(days=days), date_from - dt.timedelta(days=1)


def rank_window(window: str, date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    if window in ("30", "90"):
        return max(date_to - dt.timedelta(days=int(window) - 1), dt.date.min), date_to
    return date_from, date_to


def rankings(unit: Unit, user, campaign, indicator: Indicator, date_from: dt.date, date_to: dt.date) -> list[Ranking]:
    """Townships, villages and bureaus below ``unit`` ranked on ``indicator`` in the period, each
    with its value and place in the previous period of equal length: one query for the units and
    two ``sums_by_unit`` calls (this period, the previous one)."""
    kinds = [k for _, (_, ks) in RANK_KINDS.items() for k in ks]
    units = list(Unit.objects.for_user(user).filter(path__startswith=unit.path, kind__in=kinds)
                 .exclude(pk=unit.pk).select_related("parent").order_by("path"))
    if not units:
        return []
    keys = _keys_for([indicator.code])
    ids = [u.pk for u in units]
    now = selectors.sums_by_unit(ids, campaign, date_from, date_to, keys)
    prev_from, prev_to = previous_period(date_from, date_to)
    before = selectors.sums_by_unit(ids, campaign, prev_from, prev_to, keys)
    out = []
    for key, (label, ks) in RANK_KINDS.items():
        members = [u for u in units if u.kind in ks]
        if len(members) < 2:
            continue
        value = {u.pk: _value(now[u.pk], indicator) for u in members}
        old = {u.pk: _value(before[u.pk], indicator) for u in members}
        order = sorted(members, key=lambda u: (-(value[u.pk] if value[u.pk] is not None else -1), u.path))
        old_order = sorted(members, key=lambda u: (-(old[u.pk] if old[u.pk] is not None else -1), u.path))
        old_pos = {u.pk: i + 1 for i, u in enumerate(old_order)}
        rows = [RankRow(u, value[u.pk] or Decimal(0), i + 1, old[u.pk] or Decimal(0), old_pos[u.pk])
                for i, u in enumerate(order)]
        out.append(Ranking(key, label, rows, len(rows)))
    return out


def _value(totals: dict, indicator: Indicator):
    return selectors.figures_from_sums(totals, [indicator])[0].value


def _scope_q(prefix: str, unit: Unit) -> Q:
    return (Q(**{f"{prefix}unit__path__startswith": unit.path})
            | Q(**{f"{prefix}pairing__village__path__startswith": unit.path})
            | Q(**{f"{prefix}pairing__bureau__path__startswith": unit.path}))


def warnings(unit: Unit, user, campaign, today: dt.date) -> Warnings:
    """Silent pairs and villages, overdue commitments and rectification items, coverage gaps."""
    pairs = Pairing.objects.filter(status=PairingStatus.ACTIVE).filter(
        Q(village__path__startswith=unit.path) | Q(bureau__path__startswith=unit.path))
    if campaign is not None:
        pairs = pairs.filter(campaign=campaign)
    summary = silence_summary(pairs, today)
    silent_from = today - dt.timedelta(days=SILENT_AMBER_DAYS)
    silent_pairs = list(pairs.filter(Q(last_logged_on__isnull=True) | Q(last_logged_on__lt=silent_from))
                        .select_related("village", "bureau")
                        .order_by("last_logged_on", "code")[:SILENT_LISTED])
    villages = Unit.objects.filter(path__startswith=unit.path, kind__in=RANK_KINDS["village"][1])
    logged = Fact.objects.filter(unit__path__startswith=unit.path, unit__kind__in=RANK_KINDS["village"][1],
                                 key__in=LOGGED_KEYS, day__gt=silent_from, day__lte=today)
    if campaign is not None:
        logged = logged.filter(campaign=campaign)
    silent = villages.exclude(pk__in=logged.values("unit_id"))
    counts = villages.aggregate(total=Count("pk"), silent=Count(
        "pk", filter=~Q(pk__in=logged.values("unit_id"))))
    silent_list = list(silent.select_related("parent").order_by("path")[:SILENT_LISTED])
    commitments = Commitment.objects.overdue(today).filter(_scope_q("", unit))
    if campaign is not None:
        commitments = commitments.filter(campaign=campaign)
    rect = RectificationItem.objects.overdue(today).filter(
        Q(responsible_unit__path__startswith=unit.path) | _scope_q("inspection__", unit))
    if campaign is not None:
        rect = rect.filter(inspection__campaign=campaign)
    gaps = blank_spots(unit, user).order_by().count() if unit.kind in AREA_KINDS else None
    township = unit.pk if unit.kind == UnitKind.TOWNSHIP else None
    links = {
        "pairs": _q("pairings:matrix", tab="silent", mark="silent", campaign=campaign.pk if campaign else None,
                    township=township),
        "commitments": _q("campaigns:commitment_list", unit=unit.pk, campaign=campaign.pk if campaign else None,
                          overdue="on"),
        "rectifications": _q("pairings:rectification_overdue", township=township),
        "coverage": reverse("organizations:coverage", args=[unit.pk]),
        "villages": _q("campaigns:activity_list", unit=unit.pk, date_from=silent_from + dt.timedelta(days=1),
                       date_to=today),
    }
    return Warnings(
        pairs=summary, silent_pairs=silent_pairs, villages_total=counts["total"], silent_villages=counts["silent"],
        silent_village_list=silent_list, overdue_commitments=commitments.distinct().count(),
        overdue_rectifications=rect.distinct().count(), blank_spots=gaps, links=links,
    )


def month_starts(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    out, d = [], date_from.replace(day=1)
    while d <= date_to and len(out) < 120:
        out.append(d)
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


@dataclass
class Trend:
    indicator: Indicator
    months: list[dt.date]
    values: list[Decimal]

    @property
    def total(self):
        return sum(self.values, Decimal(0))


def trends(unit: Unit, campaign, date_from: dt.date, date_to: dt.date, indicators: list[Indicator]) -> list[Trend]:
    """Monthly values of the trend indicators (one query)."""
    wanted = [i for i in indicators if i.code in TREND]
    data = selectors.monthly(unit, campaign, date_from, date_to, keys=[i.code for i in wanted])
    months = month_starts(date_from, date_to)
    norm = {(m.date() if isinstance(m, dt.datetime) else m): v for m, v in data.items()}
    return [Trend(i, months, [norm.get(m, {}).get(i.code, Decimal(0)) for m in months]) for i in wanted]


def today() -> dt.date:
    return timezone.localdate()
