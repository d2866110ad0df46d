"""Reads for the report pages: reporting completeness, the bulletin, the dashboard workbook,
the appraisal list and the assessment.

Every figure comes from the summary table ``Fact`` (metrics/models.py), aggregated in SQL and
grouped by unit or month; Python only loops over units and months, never over records, so each
selector issues a fixed number of queries whatever the number of records or units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth

from campaigns.models import Indicator, IndicatorKind, Survey
from organizations.models import Leader, Position, Unit, UnitKind
from pairings.models import SILENT_AMBER_DAYS, Pairing, PairingStatus
from pairings.selectors import silence_summary

from .selectors import RATES, Figure, facts_in, figures_from_sums, sums, sums_by_unit

VILLAGE_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY)
AREA_CHILD_KINDS = (UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP)
LEVEL_KINDS = {
    "township": (UnitKind.TOWNSHIP,),
    "village": VILLAGE_KINDS,
    "bureau": (UnitKind.BUREAU,),
}
LEVEL_LABELS = {"township": "乡镇(街道)", "village": "村(社区)", "bureau": "机关单位"}
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def q2(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def month_starts(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """First days of the months from ``date_from``'s to ``date_to``'s, inclusive."""
    out, y, m = [], date_from.year, date_from.month
    while (y, m) <= (date_to.year, date_to.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month(value) -> dt.date:
    """TruncMonth gives a date on PostgreSQL and SQLite; be lenient about datetimes."""
    return value.date() if isinstance(value, dt.datetime) else value


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length just before [date_from, date_to]."""
    length = (date_to - date_from).days
    prev_to = date_from - dt.timedelta(days=1)
    return prev_to - dt.timedelta(days=length), prev_to


def area_word(unit) -> str:
    """"全市" for 铁力市, "全县" for a 县, "全镇" for a 镇 ... (the bulletin's voice)."""
    for ch in ("市", "县", "区", "旗", "镇", "乡", "街道", "村", "社区", "局"):
        if unit.name.endswith(ch):
            return f"全{ch}"
    return "全" + {"province": "省", "city": "市", "county": "县", "township": "乡镇"}.get(unit.kind, "单位")


# --- reporting completeness ------------------------------------------------------------------------

@dataclass
class AreaRate:
    unit: Unit | None             # the township (None: villages hung directly elsewhere)
    name: str
    villages: int
    logged: int                   # villages that logged anything in the period
    by_month: list[int]           # villages that logged, per month
    months: list[dt.date] = field(repr=False, default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        return q2(Decimal(self.logged) * HUNDRED / self.villages) if self.villages else None

    @property
    def month_rates(self) -> list[tuple[int, Decimal | None]]:
        return [(n, q2(Decimal(n) * HUNDRED / self.villages) if self.villages else None) for n in self.by_month]


def villages_under(unit, user):
    return (Unit.objects.for_user(user).filter(path__startswith=unit.path, kind__in=VILLAGE_KINDS))


def _activity_facts(unit, campaign, date_from, date_to):
    return facts_in(campaign, date_from, date_to).filter(
        key="activities", unit__path__startswith=unit.path, unit__kind__in=VILLAGE_KINDS, value__gt=0)


def completeness_rates(unit, user, campaign, date_from, date_to) -> tuple[list[AreaRate], AreaRate]:
    """Per township (the villages' parent): villages, villages that logged anything, per month
    and over the period; plus the total row. Three grouped queries."""
    months = month_starts(date_from, date_to)
    index = {m: i for i, m in enumerate(months)}
    villages = villages_under(unit, user)
    n_by_parent = {r["parent_id"]: r["n"] for r in villages.values("parent_id").annotate(n=Count("pk")).order_by()}
    facts = _activity_facts(unit, campaign, date_from, date_to).filter(unit__in=villages.values("pk"))
    logged = {r["unit__parent_id"]: r["n"] for r in facts.values("unit__parent_id").annotate(
        n=Count("unit_id", distinct=True)).order_by()}
    per_month: dict[int, list[int]] = {}
    for r in facts.annotate(month=TruncMonth("day")).values("unit__parent_id", "month").annotate(
            n=Count("unit_id", distinct=True)).order_by():
        i = index.get(_month(r["month"]))
        if i is not None:
            per_month.setdefault(r["unit__parent_id"], [0] * len(months))[i] = r["n"]
    parents = {u.pk: u for u in Unit.objects.filter(pk__in=list(n_by_parent))}
    rows = [AreaRate(parents.get(pid), parents[pid].name if pid in parents else "—", n, logged.get(pid, 0),
                     per_month.get(pid, [0] * len(months)), months)
            for pid, n in n_by_parent.items()]
    rows.sort(key=lambda r: (r.unit.sort_order if r.unit else 0, r.name))
    total = AreaRate(unit, "合计", sum(r.villages for r in rows), sum(r.logged for r in rows),
                     [sum(r.by_month[i] for r in rows) for i in range(len(months))], months)
    return rows, total


def completeness_grid(villages, campaign, date_from, date_to) -> dict[int, dict[dt.date, Decimal]]:
    """{village id: {month: activities}} for the villages given (a page of them), one query."""
    months = set(month_starts(date_from, date_to))
    ids = [v.pk for v in villages]
    out: dict[int, dict] = {pk: {} for pk in ids}
    for r in facts_in(campaign, date_from, date_to).filter(key="activities", unit_id__in=ids).annotate(
            month=TruncMonth("day")).values("unit_id", "month").annotate(total=Sum("value")).order_by():
        m = _month(r["month"])
        if m in months and r["total"]:
            out[r["unit_id"]][m] = r["total"]
    return out


def _secretary(field_name):
    return Subquery(Leader.objects.filter(unit=OuterRef("pk"), position=Position.SECRETARY)
                    .order_by("pk").values(field_name)[:1])


def village_list(unit, user):
    """The villages under ``unit``, township first, with their secretary's name and phone."""
    return (villages_under(unit, user).select_related("parent")
            .annotate(secretary=_secretary("name"), secretary_phone=_secretary("phone"))
            .order_by("parent__sort_order", "parent__name", "sort_order", "name"))


def silent_villages(unit, user, campaign, date_from, date_to):
    """Villages that logged no activity in the period (one query with the secretary's phone)."""
    active = _activity_facts(unit, campaign, date_from, date_to).values("unit_id")
    return village_list(unit, user).exclude(pk__in=active)


# --- figures for tables ----------------------------------------------------------------------------

def indicators(codes=None) -> list[Indicator]:
    qs = Indicator.objects.filter(active=True)
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    return list(qs)


def figure_map(figs: list[Figure]) -> dict[str, Figure]:
    return {f.indicator.code: f for f in figs}


def add_sums(rows: list[dict]) -> dict:
    """Sum {key: total} dicts (subtotals; rates are recomputed from the summed keys)."""
    out: dict = {}
    for row in rows:
        for k, v in row.items():
            out[k] = out.get(k, Decimal(0)) + v
    return out


@dataclass
class DrillRow:
    unit: Unit | None
    name: str
    figures: list[Figure]
    kind: str = "row"            # row / subtotal / total

    @property
    def by_code(self) -> dict[str, Figure]:
        return figure_map(self.figures)


def drill_down(unit, user, campaign, date_from, date_to, inds, kinds=None) -> list[DrillRow]:
    """One row per child unit (scoped; of ``kinds`` if given), a subtotal of those rows and the
    unit's own total. Records of a pair count for the village's and the bureau's side, so the
    children's subtotal can exceed the total; both are shown. Three queries."""
    children = Unit.objects.for_user(user).filter(parent=unit)
    if kinds:
        children = children.filter(kind__in=kinds)
    children = list(children.order_by("sort_order", "kind", "name"))
    by_unit = sums_by_unit([c.pk for c in children] + [unit.pk], campaign, date_from, date_to)
    rows = [DrillRow(c, c.name, figures_from_sums(by_unit[c.pk], inds)) for c in children]
    if children:
        rows.append(DrillRow(None, "下级小计", figures_from_sums(add_sums([by_unit[c.pk] for c in children]), inds),
                             "subtotal"))
    rows.append(DrillRow(unit, f"{unit.name}合计", figures_from_sums(by_unit[unit.pk], inds), "total"))
    return rows


# --- rankings --------------------------------------------------------------------------------------

@dataclass
class RankRow:
    rank: int
    unit: Unit
    value: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.value - self.previous


def level_units(unit, user, level):
    return (Unit.objects.for_user(user).filter(path__startswith=unit.path, kind__in=LEVEL_KINDS[level])
            .exclude(pk=unit.pk).select_related("parent"))


def ranking(unit, user, level, campaign, date_from, date_to, key="activities") -> list[RankRow]:
    """Units of ``level`` under ``unit`` ranked by ``key`` in the period, with the value in the
    period of the same length before (three queries)."""
    units = list(level_units(unit, user, level))
    ids = [u.pk for u in units]
    now = sums_by_unit(ids, campaign, date_from, date_to, keys=[key])
    prev_from, prev_to = previous_period(date_from, date_to)
    before = sums_by_unit(ids, campaign, prev_from, prev_to, keys=[key])
    zero = Decimal(0)
    units.sort(key=lambda u: (-now[u.pk].get(key, zero), u.name))
    out, last, rank = [], None, 0
    for i, u in enumerate(units, start=1):
        v = now[u.pk].get(key, zero)
        if v != last:
            rank, last = i, v
        out.append(RankRow(rank, u, v, before[u.pk].get(key, zero)))
    return out


# --- bulletin --------------------------------------------------------------------------------------

def pairings_in(unit, user, campaign=None):
    qs = Pairing.objects.for_user(user).filter(
        Q(village__path__startswith=unit.path) | Q(bureau__path__startswith=unit.path),
        status=PairingStatus.ACTIVE)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs


def silence_counts(unit, user, campaign=None, today=None) -> dict:
    return silence_summary(pairings_in(unit, user, campaign), today)


def _n(fig: Figure | None) -> str:
    return fig.text if fig is not None and fig.text != "" else "0"


def summary_text(unit, figs: dict[str, Figure], silent: int | None = None,
                 rates: AreaRate | None = None) -> list[str]:
    """A short summary in Chinese built from the figures (paragraphs)."""
    word = area_word(unit)
    g = figs.get
    parts = [f"{word}{_n(g('pairings'))}个结对单位共开展共建活动{_n(g('activities'))}次"]
    detail = [f"{f.indicator.name}{f.text}{f.indicator.unit}" for code in
              ("org_life_sessions", "democratic_life_meetings", "tech_visits")
              if (f := g(code)) is not None and f.value]
    first = parts[0] + ("，其中" + "、".join(detail) if detail else "")
    sentences = [first]
    made, done, rate = g("commitments_made"), g("commitments_done"), g("commitment_rate")
    if made is not None and made.value:
        sentences.append(f"承诺事项{_n(made)}项，已完成{_n(done)}项，完成率{rate.text}%")
    visits = [f"{f.indicator.name}{f.text}{f.indicator.unit}" for code in ("leader_visits", "inspections")
              if (f := g(code)) is not None and f.value]
    if visits:
        sentences.append("、".join(visits))
    outcomes = [f"{f.indicator.name}{f.text}{f.indicator.unit}" for f in figs.values()
                if f.indicator.kind == IndicatorKind.OUTCOME and f.value]
    if outcomes:
        sentences.append("共建成效方面，" + "、".join(outcomes[:6]))
    sat = []
    for code, who in (("satisfaction_party_org", "群众对基层党组织满意率"), ("satisfaction_cobuild", "对共建单位满意率")):
        f = g(code)
        if f is not None and f.value is not None:
            sat.append(f"{who}{f.text}%(有效票{int(f.denominator)}张)")
    if sat:
        sentences.append("民主测评中，" + "、".join(sat))
    paras = ["；".join(sentences) + "。"]
    tail = []
    if rates is not None and rates.villages:
        tail.append(f"{rates.villages}个村(社区)中有{rates.logged}个在本期填报了活动，填报率{rates.rate}%")
    if silent:
        tail.append(f"{silent}个结对超过{SILENT_AMBER_DAYS}天没有记录，请相关单位抓紧落实")
    if tail:
        paras.append("；".join(tail) + "。")
    return paras


# --- appraisal tallies -----------------------------------------------------------------------------

def surveys_for(user, unit=None, campaign=None, date_from=None, date_to=None):
    qs = Survey.objects.for_user(user).select_related("unit", "campaign")
    if date_from:
        qs = qs.filter(held_on__gte=date_from)
    if date_to:
        qs = qs.filter(held_on__lte=date_to)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.order_by("-held_on", "code")


def satisfaction(unit, campaign=None, date_from=None, date_to=None) -> list[Figure]:
    """The two satisfaction figures (rate, satisfied + basically, ballots) for a unit's scope."""
    keys = [k for code in ("satisfaction_party_org", "satisfaction_cobuild") for k in RATES[code]]
    totals = {k: v for k, v in sums(unit, campaign, date_from, date_to).items() if k in keys}
    return figures_from_sums(totals, indicators(["satisfaction_party_org", "satisfaction_cobuild"]))


# --- assessment ------------------------------------------------------------------------------------

DEFAULT_WEIGHTS = {
    "activities": 25,
    "org_life_sessions": 15,
    "commitment_rate": 20,
    "problems_solved": 15,
    "satisfaction_party_org": 15,
    "satisfaction_cobuild": 10,
}


@dataclass
class Part:
    figure: Figure
    weight: Decimal
    norm: Decimal                 # 0..100 against the best unit
    points: Decimal               # weighted points out of the weight share of 100
    gap: Decimal = Decimal(0)     # points behind the leader on this indicator


@dataclass
class Scored:
    unit: Unit
    parts: list[Part]
    score: Decimal
    rank: int = 0
    behind: Decimal = Decimal(0)  # points behind the leader

    @property
    def drags(self) -> list[Part]:
        """Indicators that pull the unit down against the leader, largest gap first."""
        return sorted([p for p in self.parts if p.gap > 0], key=lambda p: -p.gap)

    @property
    def leads(self) -> list[Part]:
        return sorted([p for p in self.parts if p.gap < 0], key=lambda p: p.gap)


def assess(unit, user, level, weights: dict[str, Decimal], campaign, date_from, date_to) -> tuple[list[Scored], dict]:
    """Weighted scores of the units of ``level`` under ``unit``: each indicator normalised as the
    unit's value ÷ the best value among the units × 100, the score the weighted mean (0–100).
    Returns the ranking and {code: best value}. Three queries."""
    weights = {k: Decimal(w) for k, w in weights.items() if w and Decimal(w) > 0}
    inds = indicators(weights)
    total_w = sum(weights.get(i.code, Decimal(0)) for i in inds)
    units = list(level_units(unit, user, level).order_by("sort_order", "name"))
    by_unit = sums_by_unit([u.pk for u in units], campaign, date_from, date_to)
    figs = {u.pk: figures_from_sums(by_unit[u.pk], inds) for u in units}
    best = {i.code: max((f.value for fs in figs.values() for f in fs
                         if f.indicator.code == i.code and f.value is not None), default=None) for i in inds}
    scored = []
    for u in units:
        parts = []
        for f in figs[u.pk]:
            b, w = best[f.indicator.code], weights[f.indicator.code]
            norm = q2(f.value * HUNDRED / b) if (b and f.value is not None) else Decimal(0)
            parts.append(Part(f, w, norm, q2(norm * w / total_w) if total_w else Decimal(0)))
        scored.append(Scored(u, parts, q2(sum((p.points for p in parts), Decimal(0)))))
    scored.sort(key=lambda s: (-s.score, s.unit.name))
    last, rank = None, 0
    for i, s in enumerate(scored, start=1):
        if s.score != last:
            rank, last = i, s.score
        s.rank = rank
    if scored:
        leader = scored[0]
        for s in scored:
            s.behind = leader.score - s.score
            for p, lp in zip(s.parts, leader.parts, strict=True):
                p.gap = lp.points - p.points
    return scored, best
