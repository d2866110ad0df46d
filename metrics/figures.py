"""One set of figures: every figure, drill-down, ranking, warning and silence rule of the portal.

The dashboard, the bulletin, the completeness page, the assessment, the dashboard workbook,
``export_metrics`` and ``/metrics/summary.csv`` read their numbers here and nowhere else, so one
unit, campaign and period give the same numbers on every page (tests/metrics/test_one_set.py).
Figures come from the summary table through :mod:`metrics.selectors` (``sums``,
``sums_by_unit``, ``figures``, ``figures_from_sums``, ``monthly``, ``facts_in``); the only other
reads are the pairs' last activity (silence) and the overdue and coverage counts.

The rules
---------
**Default unit, campaign and period (every page).** The unit: the top of the user's scope. The
campaign: the one asked for (``?campaign=`` left empty means all campaigns); without the
parameter, the latest campaign running today whose owner's scope holds the unit (or lies
below it), else the latest such campaign. The period: *the campaign's start to today* (to its
end once it has ended); with all campaigns, *1 January to today* (this year to date). A ``from``
or ``to`` given wins; a reversed pair is swapped. Month-by-month grids and charts show at most
the last ``MAX_MONTHS`` months of a period (the figures always cover all of it). Why: the
dashboard and the bulletin opened on the same unit show the same campaign-to-date figures, which
is how a campaign is reported (活动开展以来), and a period never reaches past today (no
part-empty future months).

**As-of day.** ``min(to, today)``: silence and target progress are judged on it, so a bulletin
of a past period reads as it did on its last day.

**Sides.** Villages are ``pairings.models.PAIRING_VILLAGE_KINDS``; the bureau side (帮建单位)
is ``PAIRING_BUREAU_KINDS`` (bureaus, enterprises, schools, social organisations) everywhere:
drill-down groups, rankings, assessment levels.

**Silence.** A village, or a pair, is *silent* when its last counted activity (submitted or
verified; returned ones count nowhere) is more than N = ``SILENT_AMBER_DAYS`` days before the
as-of day, or it has none (as ``pairings.models.silence_level``). For a village, its activities
are those in its scope (its own and its pairs'), read from the summary table, of the campaign
if one is chosen. Pairs are those active on the as-of day (of the campaign, if chosen), marked
green (not silent), amber (silent up to ``SILENT_RED_DAYS`` days) or red.

**Drill-down.** The unit's children (in the user's scope), grouped as areas, villages, bureau
side and others, each group with a subtotal (the sum of its members; rates recomputed from the
summed parts), then the unit's own total. A record of a pair counts on both sides, so the
subtotals may add up to more than the total; the total is never double-counted.

**Rankings.** Townships, villages and the bureau side below the unit on one indicator over the
period, with each unit's value and place in the previous period of equal length just before.
Places are shared on ties (1, 2, 2, 4); a rate without a denominator ranks last.

**Targets (red/amber/green).** Counts and sums: progress = the campaign-to-date figure ÷ the
target; the expected share is the elapsed share of campaign start → the target's due date (else
the campaign's end) on the as-of day. Green at or above it, amber from 80 % of it, red below;
without an end the expected share is 100 %. Rates: green at the target rate, amber within 5
points, red below (``Progress.percent`` is then the rate, ``expected`` the target rate).

**Completeness.** A village has reported in a month (or the period) when it has a counted
activity in it; the rate is villages that reported ÷ villages.

**Verified only (仅统计已审核).** Every page's figures count submitted and verified records (the
catalogue's figures); with the switch (``?verified=1``, ``export_metrics --verified-only``) they
count verified ones only (the other records count as verified: officials enter them), and the
page says how many submitted activities it leaves out (:attr:`Summary.awaiting`). Figures,
drill-down, rankings, trends, target progress, completeness and assessment follow the switch;
silence does not (a village whose activity awaits review has not gone quiet). Registers
(``help_pairs_registered``, ``joint_meetings_held``) are entered by officials and always count.

**Overdue.** Commitments and rectification items past their deadline and still open, as of
today (their state now; a past state is not kept).

Records in a unit's scope (pairs, overdue commitments and rectification items) are read through
the stored record scope (:func:`in_scope`, ``organizations.records``). Primitives added here on top
of :mod:`metrics.selectors`: :func:`village_facts` (activity rows of the villages under a unit,
from ``facts_in``) and :func:`unit_figures` (figures of some indicators for many units from one
``sums_by_unit`` call that reads only their keys).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from campaigns.models import Activity, Campaign, Indicator, IndicatorKind, ReviewStatus
from organizations import records
from organizations.models import AREA_KINDS, Unit, UnitKind
from organizations.selectors import blank_spots, root_units
from pairings.models import (
    PAIRING_BUREAU_KINDS,
    PAIRING_VILLAGE_KINDS,
    SILENT_AMBER_DAYS,
    SILENT_RED_DAYS,
    Pairing,
    RectificationItem,
)

from . import selectors
from .models import Target, VillageYear
from .selectors import RATES, Figure

MAX_MONTHS = 36
SILENT_DAYS = SILENT_AMBER_DAYS
COUNTED = (ReviewStatus.SUBMITTED, ReviewStatus.VERIFIED)
VILLAGE_KINDS = PAIRING_VILLAGE_KINDS
BUREAU_KINDS = PAIRING_BUREAU_KINDS
GROUPS = {"area": ("乡镇(街道)", AREA_KINDS), "village": ("村(社区)", VILLAGE_KINDS),
          "bureau": ("帮建单位", BUREAU_KINDS)}
GROUP_LABELS = {**{k: label for k, (label, _) in GROUPS.items()}, "other": "其他单位"}
LEVELS = {"township": ("乡镇(街道)", (UnitKind.TOWNSHIP,)), "village": ("村(社区)", VILLAGE_KINDS),
          "bureau": ("帮建单位", BUREAU_KINDS)}
LEVEL_LABELS = {k: label for k, (label, _) in LEVELS.items()}
# Above a county the levels below hold thousands of villages and bureaus (a province: 15,000 of
# each): rankings there rank the areas next below (cities, counties), which stay few.
UPPER_LEVELS = {"city": ("市(盟)", (UnitKind.CITY,)), "county": ("县(市、区)", (UnitKind.COUNTY,))}
RANK_SHOWN = 10
RATE_AMBER_POINTS = Decimal(5)
AMBER_SHARE = Decimal("0.8")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def today() -> dt.date:
    return timezone.localdate()


def q2(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _units(user):
    return Unit.objects.all() if user is None else Unit.objects.for_user(user)


# --- default unit, campaign and period ---------------------------------------------------------

def default_unit(user) -> Unit | None:
    return root_units(user).order_by("depth", "path").first()


def campaigns_for(user):
    return Campaign.objects.for_user(user).select_related("owner_unit").order_by("-start_date", "name")


def default_campaign(campaigns, unit: Unit, on: dt.date) -> Campaign | None:
    """The latest campaign running on ``on`` whose owner's scope holds ``unit`` (or lies below
    it); else the latest such campaign; else the latest of all."""
    campaigns = list(campaigns)
    relevant = [c for c in campaigns if unit.path.startswith(c.owner_unit.path)
                or c.owner_unit.path.startswith(unit.path)] or campaigns
    running = [c for c in relevant if c.start_date <= on and (c.end_date is None or c.end_date >= on)]
    return (running or relevant or [None])[0]


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    today: dt.date

    @property
    def as_of(self) -> dt.date:
        """The day silence and target progress are judged on."""
        return min(self.date_to, self.today)

    @property
    def previous(self) -> tuple[dt.date, dt.date]:
        return previous_period(self.date_from, self.date_to)


def period(campaign: Campaign | None, date_from: dt.date | None = None, date_to: dt.date | None = None,
           on: dt.date | None = None) -> Period:
    """The period of every page (see the module docstring)."""
    on = on or today()
    if date_to is None:
        date_to = min(campaign.end_date or on, on) if campaign is not None else on
    if date_from is None:
        date_from = campaign.start_date if campaign is not None else date_to.replace(month=1, day=1)
        date_from = min(date_from, date_to)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    return Period(date_from, date_to, on)


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length just before ``date_from``..``date_to``."""
    days = (date_to - date_from).days + 1
    return date_from - dt.timedelta(days=days), date_from - dt.timedelta(days=1)


def month_starts(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """First days of the months from ``date_from``'s to ``date_to``'s, inclusive."""
    out, y, m = [], date_from.year, date_from.month
    while (y, m) <= (date_to.year, date_to.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def display_months(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """The months a grid or chart of the period shows: its last ``MAX_MONTHS`` at most."""
    return month_starts(date_from, date_to)[-MAX_MONTHS:]


def _month(value) -> dt.date:
    """TruncMonth gives a date on PostgreSQL and SQLite; be lenient about datetimes."""
    return value.date() if isinstance(value, dt.datetime) else value


# --- figures -----------------------------------------------------------------------------------

def indicators(codes=None) -> list[Indicator]:
    qs = Indicator.objects.filter(active=True)
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    return list(qs)


def figure_map(figs) -> dict[str, Figure]:
    return {f.indicator.code: f for f in figs}


def add_sums(rows) -> dict:
    """Sum {key: total} dicts (subtotals; rates are recomputed from the summed keys)."""
    out: dict = defaultdict(Decimal)
    for row in rows:
        for k, v in row.items():
            out[k] += v
    return dict(out)


def keys_for(codes) -> set[str]:
    """The summary keys behind some indicators (a rate: its numerator and denominator)."""
    keys = set()
    for c in codes:
        keys.update(RATES.get(c, (c,)))
    return keys


def figures(unit, campaign=None, date_from=None, date_to=None, inds=None, verified_only=False) -> list[Figure]:
    """The catalogue (or only ``inds``, reading only their keys) for ``unit``'s scope: the one
    figure read of every page."""
    if inds is None:
        return selectors.figures(unit, campaign, date_from, date_to, verified_only=verified_only)
    return unit_figures([unit], campaign, date_from, date_to, inds, verified_only)[unit.pk]


def unit_figures(units, campaign, date_from, date_to, inds, verified_only=False) -> dict[int, list[Figure]]:
    """{unit id: figures} for many units from one ``sums_by_unit`` call (their keys only)."""
    inds = list(inds)
    by_unit = selectors.sums_by_unit([u.pk for u in units], campaign, date_from, date_to,
                                     keys_for(i.code for i in inds), verified_only=verified_only)
    return {u.pk: selectors.figures_from_sums(by_unit[u.pk], inds) for u in units}


# --- what a figure leaves out, and the registers beside reported outcomes ----------------------

@dataclass
class Summary:
    """A unit's figures (the catalogue, or some indicators) with what every page shows beside
    them: the activities still awaiting review (left out of verified-only figures, included in
    the default ones), the help-pair register (帮扶对子台账) beside the reported outcome
    ``help_pairs``, the register's new 入党积极分子 beside ``activists_added``, and the joint meetings held (召开联席会议) from the meeting records."""
    figures: list[Figure]
    totals: dict
    verified_only: bool = False

    @property
    def by_code(self) -> dict[str, Figure]:
        return figure_map(self.figures)

    @property
    def awaiting(self) -> int:
        return int(self.totals.get(selectors.AWAITING, 0))

    @property
    def help_pairs(self) -> Decimal:
        """The reported outcome 结成帮扶对子 (of verified records only, with the switch on)."""
        return self.totals.get("help_pairs", Decimal(0))

    @property
    def help_pairs_registered(self) -> int:
        return int(self.totals.get("help_pairs_registered", 0))

    @property
    def help_pairs_disagree(self) -> bool:
        return self.help_pairs != self.help_pairs_registered

    @property
    def activists_added(self) -> Decimal:
        """The reported outcome 新发展入党积极分子 (imported history and activity reports)."""
        return self.totals.get("activists_added", Decimal(0))

    @property
    def activists_registered(self) -> int:
        """People of the register who became 入党积极分子 in the period (推优/发展 records)."""
        return int(self.totals.get("activists_registered", 0))

    @property
    def activists_disagree(self) -> bool:
        """The register holds such records and they differ from the reported figure."""
        return bool(self.activists_registered) and self.activists_added != self.activists_registered

    @property
    def joint_meetings_held(self) -> int:
        return int(self.totals.get("joint_meetings_held", 0))


def summary(unit, campaign=None, date_from=None, date_to=None, inds=None, verified_only=False) -> Summary:
    """The catalogue's figures (or ``inds``) for ``unit``'s scope with the number awaiting review
    and the registers (``selectors.sums``: one summary query and the live counts)."""
    totals = selectors.sums(unit, campaign, date_from, date_to, verified_only=verified_only)
    inds = indicators() if inds is None else list(inds)
    return Summary(selectors.figures_from_sums(totals, inds), totals, verified_only)


def value_of(totals: dict, indicator: Indicator):
    return selectors.figures_from_sums(totals, [indicator])[0].value


@dataclass
class Trend:
    indicator: Indicator
    months: list[dt.date]
    values: list[Decimal]

    @property
    def total(self):
        return sum(self.values, Decimal(0))


def trends(unit, campaign, date_from: dt.date, date_to: dt.date, inds, verified_only=False) -> list[Trend]:
    """Monthly values of counted indicators (one query)."""
    inds = [i for i in inds if i.kind != IndicatorKind.RATE]
    months = display_months(date_from, date_to)
    data = selectors.monthly(unit, campaign, max(date_from, months[0]), date_to, keys=[i.code for i in inds],
                             verified_only=verified_only)
    norm = {_month(m): v for m, v in data.items()}
    return [Trend(i, months, [norm.get(m, {}).get(i.code, Decimal(0)) for m in months]) for i in inds]


# --- red / amber / green against targets ------------------------------------------------------

@dataclass
class Progress:
    target: Decimal
    value: Decimal | None
    percent: Decimal | None          # value ÷ target × 100; for a rate the rate itself (None: no ballots)
    expected: Decimal | None         # expected percent by now; for a rate the target rate
    rag: str                         # "green" / "amber" / "red"

    @property
    def target_display(self) -> str:
        from .charts import fmt

        return fmt(self.target)

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


def target_progress(target: Target, figure: Figure, campaign: Campaign, as_of: dt.date) -> Progress:
    is_rate = figure.indicator.kind == IndicatorKind.RATE
    end = target.due_date or campaign.end_date
    return judge(value=figure.value, target=target.value, is_rate=is_rate,
                 expected=None if is_rate else expected_share(campaign.start_date, end, as_of))


def targets_progress(targets, campaign: Campaign, as_of: dt.date) -> dict[int, tuple[Figure, Progress]]:
    """{target id: (campaign-to-date figure, progress)} for targets of one campaign (one query)."""
    sums = selectors.sums_by_unit({t.unit_id for t in targets}, campaign, campaign.start_date, as_of)
    out = {}
    for t in targets:
        fig = selectors.figures_from_sums(sums[t.unit_id], [t.indicator])[0]
        out[t.pk] = (fig, target_progress(t, fig, campaign, as_of))
    return out


# --- drill-down --------------------------------------------------------------------------------

def group_of(u: Unit) -> str:
    for group, (_, kinds) in GROUPS.items():
        if u.kind in kinds:
            return group
    return "other"


@dataclass
class DrillRow:
    unit: Unit | None
    label: str
    figures: list[Figure]
    kind: str = "child"              # "child", "subtotal", "total"
    group: str = ""
    hidden: int = 0                  # a subtotal's members not listed (a folded group)
    progress: Progress | None = None
    totals: dict | None = None       # the row's {key: total} (``extra_keys`` of drill_down)

    @property
    def by_code(self) -> dict[str, Figure]:
        return figure_map(self.figures)


def drill_down(unit: Unit, user, campaign, date_from, date_to, inds, *, groups=None, fold: int | None = None,
               expand: str = "", progress_indicator: Indicator | None = None, as_of=None,
               verified_only=False, extra_keys=()) -> list[DrillRow]:
    """The children of ``unit`` (of ``groups`` if given) with their figures, a subtotal per group
    and the unit's own total. A group longer than ``fold`` lists its first ``fold`` members
    unless it is ``expand``. With a progress indicator, each row is judged against its target.
    ``extra_keys`` (e.g. ``help_pairs_registered``, ``joint_meetings_held``) are read too and
    left in each row's ``totals``. Two queries (three more with progress, one per live key)."""
    children = _units(user).filter(parent=unit)
    if groups:
        children = children.filter(kind__in=[k for g in groups if g in GROUPS for k in GROUPS[g][1]])
    children = list(children.order_by("sort_order", "kind", "name"))
    if not children:
        return []
    ids = [c.pk for c in children] + [unit.pk]
    keys = keys_for(i.code for i in inds) | set(extra_keys)
    sums = selectors.sums_by_unit(ids, campaign, date_from, date_to, keys, verified_only=verified_only)
    targets, cumulative = {}, {}
    if progress_indicator is not None and campaign is not None:
        as_of = as_of or min(date_to, today())
        targets = {t.unit_id: t for t in Target.objects.filter(
            campaign=campaign, indicator=progress_indicator, unit_id__in=ids)}
        progress_keys = keys_for([progress_indicator.code])
        if (date_from, date_to) == (campaign.start_date, as_of) and progress_keys <= keys:
            cumulative = sums        # the default period is the campaign to date: already read
        else:
            cumulative = selectors.sums_by_unit(ids, campaign, campaign.start_date, as_of, progress_keys,
                                                verified_only=verified_only)

    def progress(u_id):
        t = targets.get(u_id)
        if t is None:
            return None
        fig = selectors.figures_from_sums(cumulative.get(u_id, {}), [progress_indicator])[0]
        return target_progress(t, fig, campaign, as_of)

    by_group: dict[str, list] = {g: [] for g in GROUP_LABELS}       # areas, villages, bureau side, others
    for c in children:
        by_group[group_of(c)].append(c)
    by_group = {g: members for g, members in by_group.items() if members}
    rows = []
    for group, members in by_group.items():
        shown = members if (fold is None or len(members) <= fold or expand == group) else members[:fold]
        rows += [DrillRow(c, c.name, selectors.figures_from_sums(sums[c.pk], inds), group=group,
                          progress=progress(c.pk), totals=sums[c.pk]) for c in shown]
        if len(by_group) > 1 or len(members) > 1:
            sub = add_sums(sums[c.pk] for c in members)
            rows.append(DrillRow(None, f"{GROUP_LABELS[group]}小计({len(members)})",
                                 selectors.figures_from_sums(sub, inds), kind="subtotal", group=group,
                                 hidden=len(members) - len(shown), totals=sub))
    rows.append(DrillRow(unit, f"{unit.name}合计", selectors.figures_from_sums(sums[unit.pk], inds),
                         kind="total", progress=progress(unit.pk), totals=sums[unit.pk]))
    return rows


# --- rankings ----------------------------------------------------------------------------------

@dataclass
class RankRow:
    unit: Unit
    value: Decimal | None
    position: int
    previous: Decimal | None
    previous_position: int

    @property
    def change(self) -> Decimal:
        return (self.value or Decimal(0)) - (self.previous or Decimal(0))

    @property
    def moved(self) -> int:
        """Places gained since the previous period (positive = up)."""
        return self.previous_position - self.position

    @property
    def moved_abs(self) -> int:
        return abs(self.moved)


@dataclass
class Ranking:
    level: str
    label: str
    rows: list[RankRow]

    @property
    def key(self) -> str:
        return self.level

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def top(self):
        return self.rows[:RANK_SHOWN]

    @property
    def bottom(self):
        return self.rows[-RANK_SHOWN:][::-1] if len(self.rows) > RANK_SHOWN else []


def level_units(unit, user, level):
    """The units of a ranking or assessment level below ``unit`` (not ``unit`` itself)."""
    return (_units(user).filter(path__startswith=unit.path, kind__in=LEVELS[level][1])
            .exclude(pk=unit.pk).select_related("parent"))


def _places(members, value) -> tuple[list, dict[int, int]]:
    order = sorted(members, key=lambda u: ((1, 0) if value[u.pk] is None else (0, -value[u.pk]), u.path))
    places, last, place = {}, object(), 0
    for i, u in enumerate(order, start=1):
        if value[u.pk] != last:
            place, last = i, value[u.pk]
        places[u.pk] = place
    return order, places


def rank_levels(unit: Unit) -> dict:
    """The levels ranked under ``unit``: its cities and counties above a county, else LEVELS."""
    return UPPER_LEVELS if unit.kind in (UnitKind.PROVINCE, UnitKind.CITY) else LEVELS


def rankings(unit: Unit, user, campaign, indicator: Indicator, date_from: dt.date, date_to: dt.date,
             levels=None, verified_only=False) -> list[Ranking]:
    """Each level's units below ``unit`` (``rank_levels``) ranked on ``indicator`` in the period,
    with their value and place in the previous period of equal length (three queries)."""
    level_map = rank_levels(unit)
    levels = [lv for lv in (levels or level_map) if lv in level_map]
    kinds = [k for lv in levels for k in level_map[lv][1]]
    units = list(_units(user).filter(path__startswith=unit.path, kind__in=kinds).exclude(pk=unit.pk)
                 .select_related("parent").order_by("path"))
    if not units:
        return []
    keys = keys_for([indicator.code])
    ids = [u.pk for u in units]
    now = selectors.sums_by_unit(ids, campaign, date_from, date_to, keys, verified_only=verified_only)
    before = selectors.sums_by_unit(ids, campaign, *previous_period(date_from, date_to), keys,
                                    verified_only=verified_only)
    out = []
    for level in levels:
        label, lv_kinds = level_map[level]
        members = [u for u in units if u.kind in lv_kinds]
        if not members:
            continue
        value = {u.pk: value_of(now[u.pk], indicator) for u in members}
        old = {u.pk: value_of(before[u.pk], indicator) for u in members}
        order, places = _places(members, value)
        _, old_places = _places(members, old)
        out.append(Ranking(level, label, [RankRow(u, value[u.pk], places[u.pk], old[u.pk], old_places[u.pk])
                                          for u in order]))
    return out


# --- silence -----------------------------------------------------------------------------------

def villages_under(unit, user=None):
    return _units(user).filter(path__startswith=unit.path, kind__in=VILLAGE_KINDS)


def village_facts(villages, campaign, date_from, date_to, verified_only=False):
    """Summary rows of counted activities of ``villages`` (a queryset) in a period."""
    return selectors.facts_in(campaign, date_from, date_to, keys=["activities"], verified_only=verified_only).filter(
        unit_id__in=villages.values("pk"), value__gt=0)


def _is_current(as_of: dt.date) -> bool:
    """Today's page (or later): no activity is dated after today (campaigns.services), so a pair's
    or a village's latest activity is the one kept on it and none lies after ``as_of``."""
    return as_of >= today()


def silent_since(as_of: dt.date) -> dt.date:
    """The first day whose activity keeps a unit from being silent on ``as_of``."""
    return as_of - dt.timedelta(days=SILENT_DAYS)


def _village_years(campaign):
    qs = VillageYear.objects.all()
    return qs.filter(campaign=campaign) if campaign is not None else qs


def active_villages(villages, campaign, as_of: dt.date) -> Q:
    """Which of ``villages`` had a counted activity in the N days up to ``as_of``: a village
    whose last counted activity (``VillageYear.last_on``) falls in the window, or, only for the
    villages with a later one (a past ``as_of``), a summary row in the window. A current page
    reads one small row per village and year (metrics.models.VillageYear)."""
    since = silent_since(as_of)
    recent = _village_years(campaign).filter(last_on__gte=since, last_on__lte=as_of).values("unit_id")
    later = villages.filter(pk__in=_village_years(campaign).filter(last_on__gt=as_of).values("unit_id"))
    return Q(pk__in=recent) | Q(pk__in=village_facts(later, campaign, since, as_of).values("unit_id"))


def silent_villages(unit, user, campaign, as_of: dt.date, base=None):
    """The villages under ``unit`` without a counted activity in the last N days (a queryset;
    ``base`` narrows and annotates the villages, e.g. with their secretary). On today's page no
    village has an activity after ``as_of`` (``_is_current``), so each village is checked by its
    own ``VillageYear`` rows (NOT EXISTS, an index probe per village): a short list in the
    villages' order stops early instead of first reading every active village of a province."""
    villages = villages_under(unit, user)
    rows = base if base is not None else villages
    if _is_current(as_of):
        since = silent_since(as_of)
        return rows.exclude(Exists(_village_years(campaign).filter(
            unit=OuterRef("pk"), last_on__gte=since, last_on__lte=as_of)))
    return rows.exclude(active_villages(villages, campaign, as_of))


def in_scope(model, unit):
    """The records of ``model`` in ``unit``'s scope (the stored record scope, organizations.records)."""
    return model.objects.filter(pk__in=records.in_units(records.kind_of(model), [unit.pk]))


def pairs_on(unit, campaign, as_of: dt.date):
    """Pairs in ``unit``'s scope active on ``as_of`` (of the campaign, if given)."""
    qs = in_scope(Pairing, unit).active_between(as_of, as_of)
    return qs.filter(campaign=campaign) if campaign is not None else qs


def with_last_activity(pairs, as_of: dt.date):
    """``last_activity``: the date of the pair's latest counted activity up to ``as_of``. The
    pairing keeps its latest counted activity (``last_logged_on``, the pairing service): when that
    is on or before ``as_of`` it is the answer, and only pairs with a later one (a past ``as_of``)
    look their activities up, so a province's thousands of pairs cost no lookups on a current page.
    On today's page (``_is_current``) it is the column itself, so filters on it use the index
    ``pairing_last_logged``."""
    if _is_current(as_of):
        return pairs.annotate(last_activity=F("last_logged_on"))
    last = (Activity.objects.filter(pairing=OuterRef("pk"), status__in=COUNTED, date__lte=as_of)
            .order_by("-date").values("date")[:1])
    return pairs.annotate(last_activity=Case(
        When(last_logged_on__isnull=True, then=Value(None, output_field=DateField())),
        When(last_logged_on__lte=as_of, then=F("last_logged_on")),
        default=Subquery(last), output_field=DateField()))


def silent_pairs(unit, campaign, as_of: dt.date):
    """Silent pairs (amber and red), longest silent first."""
    return (with_last_activity(pairs_on(unit, campaign, as_of), as_of)
            .filter(Q(last_activity__isnull=True) | Q(last_activity__lt=silent_since(as_of)))
            .select_related("village", "bureau").order_by(F("last_activity").asc(nulls_first=True), "code"))


def first_silent_pairs(unit, campaign, as_of: dt.date, n: int) -> list:
    """The first ``n`` of ``silent_pairs``, in one query: the page of ids is chosen first, so only
    those pairs are joined to their village and bureau (not every silent pair of a province)."""
    ids = silent_pairs(unit, campaign, as_of).values("pk")[:n]
    return list(with_last_activity(Pairing.objects.filter(pk__in=ids), as_of).select_related("village", "bureau")
                .order_by(F("last_activity").asc(nulls_first=True), "code"))


def first_silent_villages(unit, user, campaign, as_of: dt.date, n: int) -> list:
    """The first ``n`` of ``silent_villages`` in the tree's order, with their township (one query,
    the page of ids chosen first, as ``first_silent_pairs``)."""
    ids = silent_villages(unit, user, campaign, as_of).order_by("path").values("pk")[:n]
    return list(Unit.objects.filter(pk__in=ids).select_related("parent").order_by("path"))


@dataclass
class Silence:
    as_of: dt.date
    villages_total: int
    villages_silent: int
    pairs: dict                      # total, green, amber, red, silent
    days: int = SILENT_DAYS


def silence(unit, user, campaign, as_of: dt.date) -> Silence:
    """Silent villages and pairs under ``unit`` on ``as_of`` (two aggregate queries)."""
    villages = villages_under(unit, user)
    v = villages.order_by().aggregate(total=Count("pk"), silent=Count(
        "pk", filter=~active_villages(villages, campaign, as_of)))
    red_before = as_of - dt.timedelta(days=SILENT_RED_DAYS)
    pairs = with_last_activity(pairs_on(unit, campaign, as_of), as_of).order_by()
    p = pairs.aggregate(
        total=Count("pk"),
        green=Count("pk", filter=Q(last_activity__gte=silent_since(as_of))),
        amber=Count("pk", filter=Q(last_activity__lt=silent_since(as_of), last_activity__gte=red_before)),
        red=Count("pk", filter=Q(last_activity__isnull=True) | Q(last_activity__lt=red_before)))
    p["silent"] = p["amber"] + p["red"]
    return Silence(as_of, v["total"], v["silent"], p)


# --- warnings ----------------------------------------------------------------------------------

@dataclass
class Warnings:
    silence: Silence
    silent_pairs: list
    silent_village_list: list
    overdue_commitments: int
    overdue_rectifications: int
    blank_spots: int | None

    @property
    def pairs(self) -> dict:
        return self.silence.pairs

    @property
    def villages_total(self) -> int:
        return self.silence.villages_total

    @property
    def silent_villages(self) -> int:
        return self.silence.villages_silent


def warnings(unit: Unit, user, campaign, as_of: dt.date, on: dt.date | None = None, listed: int = 8) -> Warnings:
    """Silence on ``as_of`` (with the first ``listed`` silent pairs and villages), overdue
    commitments and rectification items on ``on`` (today), coverage gaps of an area."""
    on = on or today()
    rect = in_scope(RectificationItem, unit).overdue(on)
    if campaign is not None:
        rect = rect.filter(inspection__campaign=campaign)
    return Warnings(
        silence=silence(unit, user, campaign, as_of),
        silent_pairs=first_silent_pairs(unit, campaign, as_of, listed),
        silent_village_list=first_silent_villages(unit, user, campaign, as_of, listed),
        overdue_commitments=selectors.overdue_commitments([unit.pk], campaign, on)[unit.pk],
        overdue_rectifications=rect.count(),
        blank_spots=blank_spots(unit, user).order_by().count() if unit.kind in AREA_KINDS else None,
    )


# --- reporting completeness --------------------------------------------------------------------

@dataclass
class AreaRate:
    unit: Unit | None             # the township (None: villages hung directly elsewhere)
    name: str
    villages: int
    logged: int                   # villages that reported in the period
    by_month: list[int]           # villages that reported, per month

    @property
    def rate(self) -> Decimal | None:
        return q2(Decimal(self.logged) * HUNDRED / self.villages) if self.villages else None

    @property
    def unreported(self) -> int:
        return self.villages - self.logged

    @property
    def month_rates(self) -> list[tuple[int, Decimal | None]]:
        return [(n, q2(Decimal(n) * HUNDRED / self.villages) if self.villages else None) for n in self.by_month]


def _month_end(m: dt.date) -> dt.date:
    return (m.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _period_months(date_from: dt.date, date_to: dt.date):
    """``{year: bits of the period's whole months}`` and the period's partial months at either end
    as ``(month, first day, last day)``."""
    whole: dict[int, int] = defaultdict(int)
    partial = []
    for m in month_starts(date_from, date_to):
        a, b = max(m, date_from), min(_month_end(m), date_to)
        if a == m and b == _month_end(m):
            whole[m.year] |= 1 << (m.month - 1)
        else:
            partial.append((m, a, b))
    return dict(whole), partial


def _bits_set(field: str, bits: int):
    return GreaterThan(F(field).bitand(bits), 0)


def reported_villages(villages, campaign, date_from: dt.date, date_to: dt.date, verified_only=False) -> Q:
    """Which of ``villages`` reported in the period (a counted activity; verified-only: a verified
    one): a whole month of the period marked in its ``VillageYear``, or a summary day row on the
    days of a partial month at either end."""
    field = "verified_months" if verified_only else "months"
    whole, partial = _period_months(date_from, date_to)
    marked = Q()
    for year, bits in whole.items():
        marked |= Q(_bits_set(field, bits), year=year)
    q = Q(pk__in=_village_years(campaign).filter(marked).values("unit_id")) if whole else Q(pk__in=[])
    for _m, a, b in partial:
        q |= reported_between(villages, campaign, a, b, verified_only)
    return q


def reported_between(villages, campaign, a: dt.date, b: dt.date, verified_only=False) -> Q:
    """Which of ``villages`` reported on the days ``a``..``b`` of one month: those whose first or
    last (verified) activity of the year falls on them, and, only for the villages with an
    activity of that month before and after them, a summary day row on those days."""
    prefix = "verified_" if verified_only else ""
    rows = _village_years(campaign).filter(_bits_set(f"{prefix}months", 1 << (a.month - 1)), year=a.year)
    sure = rows.filter(Q(**{f"{prefix}first_on__range": (a, b)}) | Q(**{f"{prefix}last_on__range": (a, b)}))
    unsure = villages.filter(pk__in=rows.filter(**{f"{prefix}first_on__lt": a, f"{prefix}last_on__gt": b})
                             .values("unit_id"))
    return Q(pk__in=sure.values("unit_id")) | Q(pk__in=village_facts(unsure, campaign, a, b, verified_only)
                                                .values("unit_id"))


def _monthly_reporting(villages, campaign, months, date_from, date_to, verified_only) -> dict:
    """``{parent id: {month: villages that reported}}`` for the displayed months: whole months
    from ``VillageYear`` (one grouped query; all campaigns: each village's months joined first),
    partial months at either end from the summary's day rows."""
    field = "verified_months" if verified_only else "months"
    shown = set(months)
    whole, partial = _period_months(date_from, date_to)
    out: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    years = sorted(y for y in whole if any(m.year == y for m in shown))
    rows = VillageYear.objects.filter(unit__in=villages, year__in=years)
    if campaign is not None:
        bit_counts = {f"b{i}": Sum(Case(When(_bits_set(field, 1 << i), then=1), default=0)) for i in range(12)}
        for r in rows.filter(campaign=campaign).values("unit__parent_id", "year").annotate(**bit_counts).order_by():
            for i in range(12):
                m = dt.date(r["year"], i + 1, 1)
                if r[f"b{i}"] and m in shown and whole[r["year"]] & (1 << i):
                    out[r["unit__parent_id"]][m] += r[f"b{i}"]
    else:
        joined: dict[tuple, int] = defaultdict(int)
        parent_of = {}
        for u, parent, year, bits in rows.values_list("unit_id", "unit__parent_id", "year", field).iterator(
                chunk_size=5000):
            joined[(u, year)] |= bits & whole[year]
            parent_of[u] = parent
        for (u, year), bits in joined.items():
            for i in range(12):
                if bits & (1 << i) and dt.date(year, i + 1, 1) in shown:
                    out[parent_of[u]][dt.date(year, i + 1, 1)] += 1
    for m, a, b in partial:
        if m in shown:
            for r in villages.filter(reported_between(villages, campaign, a, b, verified_only)).values(
                    "parent_id").annotate(n=Count("pk")).order_by():
                out[r["parent_id"]][m] += r["n"]
    return out


def completeness_rates(unit, user, campaign, date_from, date_to, verified_only=False) -> tuple[list[AreaRate], AreaRate]:
    """Per township (the villages' parent): villages, villages that reported, per month and over
    the period; plus the total row (verified-only: a village reported when an activity of it was
    verified). Read from each village's ``VillageYear`` (a few grouped queries, one row per
    village and year), not from the villages' summary rows."""
    months = display_months(date_from, date_to)
    villages = villages_under(unit, user)
    counts = {r["parent_id"]: (r["n"], r["logged"]) for r in villages.values("parent_id").annotate(
        n=Count("pk"), logged=Count("pk", filter=reported_villages(villages, campaign, date_from, date_to,
                                                                   verified_only))).order_by()}
    per_month = _monthly_reporting(villages, campaign, months, date_from, date_to, verified_only)
    parents = {u.pk: u for u in Unit.objects.filter(pk__in=list(counts))}
    rows = [AreaRate(parents.get(pid), parents[pid].name if pid in parents else "—", n, logged,
                     [per_month.get(pid, {}).get(m, 0) for m in months]) for pid, (n, logged) in counts.items()]
    rows.sort(key=lambda r: (r.unit.sort_order if r.unit else 0, r.name))
    total = AreaRate(unit, "合计", sum(r.villages for r in rows), sum(r.logged for r in rows),
                     [sum(r.by_month[i] for r in rows) for i in range(len(months))])
    return rows, total


def reporting_total(unit, user, campaign, date_from, date_to, verified_only=False) -> AreaRate:
    """The total row of :func:`completeness_rates` without its months (the bulletin's 填报率): the
    villages under ``unit`` and how many reported in the period, in one aggregate query."""
    villages = villages_under(unit, user)
    row = villages.order_by().aggregate(n=Count("pk"), logged=Count("pk", filter=reported_villages(
        villages, campaign, date_from, date_to, verified_only)))
    return AreaRate(unit, "合计", row["n"], row["logged"], [])


def completeness_grid(villages, campaign, date_from, date_to, verified_only=False) -> dict[int, dict[dt.date, Decimal]]:
    """{village id: {month: activities}} for the villages given (a page of them), one query."""
    months = set(display_months(date_from, date_to))
    ids = [v.pk for v in villages]
    out: dict[int, dict] = {pk: {} for pk in ids}
    rows = selectors.facts_in(campaign, date_from, date_to, keys=["activities"],
                              verified_only=verified_only).filter(unit_id__in=ids)
    for r in rows.annotate(month=TruncMonth("day")).values("unit_id", "month").annotate(
            total=Sum("value")).order_by():
        m = _month(r["month"])
        if m in months and r["total"]:
            out[r["unit_id"]][m] = r["total"]
    return out
