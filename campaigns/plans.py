"""Annual plans per pairing (共建计划): planned vs done, per quarter and to date.

"Done" is never a second definition: a plan line names an indicator of the catalogue
(``PlanMeasure``: ``activities`` or an outcome code) and its done figure is that indicator over
the pair's *counted* activities (``Activity.objects.counted()``: submitted or verified, never
returned — the rule of ``metrics.rollup.values``) dated in the quarter; activities of one category
when the line names one.

"To date" means the quarters that have ended by ``as_of`` (a whole past year: all four). A pair is
*behind plan* when, for any line, what it has done by the end of the last ended quarter is less
than what it planned for the quarters up to it. The current quarter is shown (planned, done so
far) but does not make a pair behind until it ends.

Every reader costs three queries however many pairs it is given (the plan items, the activity
counts, the outcome sums), all grouped in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import ExtractQuarter
from django.utils import timezone

from .models import Activity, ActivityOutcome, Category, PlanItem, PlanMeasure

QUARTERS = (1, 2, 3, 4)
ZERO = Decimal(0)
OUTCOME_MEASURES = tuple(m for m in PlanMeasure.values if m != PlanMeasure.ACTIVITIES)
MONEY_MEASURES = (PlanMeasure.PROJECT_FUNDS, PlanMeasure.CONSTRUCTION_FUNDS)


def quarters_ended(year: int, as_of: dt.date) -> int:
    """How many quarters of ``year`` have ended by ``as_of`` (0–4)."""
    if as_of.year > year:
        return 4
    if as_of.year < year:
        return 0
    n = 0
    for q in QUARTERS:
        end_month = q * 3
        end = (dt.date(year, end_month + 1, 1) - dt.timedelta(days=1)) if end_month < 12 else dt.date(year, 12, 31)
        if end <= as_of:
            n = q
    return n


def current_quarter(year: int, as_of: dt.date) -> int | None:
    """The quarter of ``year`` that ``as_of`` falls in (None outside the year)."""
    return (as_of.month - 1) // 3 + 1 if as_of.year == year else None


def _num(v: Decimal):
    """A plan figure as shown: integers without decimals."""
    v = Decimal(v or 0)
    return int(v) if v == v.to_integral_value() else v.normalize()


@dataclass
class Line:
    measure: str
    category: str
    planned: list = field(default_factory=lambda: [ZERO] * 4)
    done: list = field(default_factory=lambda: [ZERO] * 4)
    due: int = 0  # quarters ended

    @property
    def label(self) -> str:
        if self.category:
            return f"其中:{Category(self.category).label}(次)"
        return str(PlanMeasure(self.measure).label)

    @property
    def short(self) -> str:
        """A word for the matrix tile."""
        return {PlanMeasure.ACTIVITIES: "活动", PlanMeasure.PROJECTS: "项目"}.get(self.measure, "资金")

    @property
    def is_money(self) -> bool:
        return self.measure in MONEY_MEASURES

    @property
    def quarters(self):
        """(quarter, planned, done, short) for the four quarters; ``short``: an ended quarter
        whose cumulative done is below its cumulative plan."""
        out, cp, cd = [], ZERO, ZERO
        for i, q in enumerate(QUARTERS):
            cp += self.planned[i]
            cd += self.done[i]
            out.append((q, _num(self.planned[i]), _num(self.done[i]), q <= self.due and cd < cp))
        return out

    @property
    def planned_year(self):
        return _num(sum(self.planned, ZERO))

    @property
    def done_year(self):
        return _num(sum(self.done, ZERO))

    @property
    def planned_to_date(self):
        return _num(sum(self.planned[:self.due], ZERO))

    @property
    def done_to_date(self):
        return _num(sum(self.done[:self.due], ZERO))

    @property
    def shortfall(self):
        return max(_num(Decimal(self.planned_to_date) - Decimal(self.done_to_date)), 0)

    @property
    def behind(self) -> bool:
        return Decimal(self.done_to_date) < Decimal(self.planned_to_date)


@dataclass
class PlanProgress:
    pairing_id: int
    plan_id: int
    year: int
    due: int                   # quarters ended
    current: int | None        # the quarter under way
    lines: list[Line]

    @property
    def behind(self) -> bool:
        return any(line.behind for line in self.lines)

    @property
    def behind_lines(self) -> list[Line]:
        return [line for line in self.lines if line.behind]

    @property
    def tile_line(self) -> Line | None:
        """The matrix tile's line: the first one behind, else the headline."""
        behind = self.behind_lines
        return behind[0] if behind else self.headline

    @property
    def headline(self) -> Line | None:
        """The activities line (all categories), or the first line."""
        for line in self.lines:
            if line.measure == PlanMeasure.ACTIVITIES and not line.category:
                return line
        return self.lines[0] if self.lines else None


def _line_order(key):
    measure, category = key
    return (PlanMeasure.values.index(measure), category != "", category)


def progress(pairings, year: int, as_of: dt.date | None = None) -> dict[int, PlanProgress]:
    """pairing id → its plan's progress for ``year`` (pairs without a plan are absent).
    ``pairings``: ids or a queryset of pairings (used as a subquery). Three queries."""
    as_of = as_of or timezone.localdate()
    due = quarters_ended(year, as_of)
    current = current_quarter(year, as_of)
    if hasattr(pairings, "values"):
        pairings = pairings.order_by().values("pk")
    items = (PlanItem.objects.filter(plan__year=year, plan__pairing__in=pairings)
             .values_list("plan__pairing_id", "plan_id", "measure", "category", "quarter", "planned"))
    plans: dict[int, tuple[int, dict]] = {}
    for pid, plan_id, measure, category, quarter, planned in items:
        _, lines = plans.setdefault(pid, (plan_id, {}))
        line = lines.setdefault((measure, category), Line(measure, category, due=due))
        line.planned[quarter - 1] += planned
    if not plans:
        return {}
    ids = list(plans)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    acts = (Activity.objects.counted().filter(pairing_id__in=ids, date__gte=start, date__lte=end)
            .annotate(q=ExtractQuarter("date")).order_by()
            .values_list("pairing_id", "q", "category").annotate(n=Count("pk")))
    counts: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: [ZERO] * 4))
    for pid, q, category, n in acts:
        counts[pid][""][q - 1] += n
        counts[pid][category][q - 1] += n
    wanted = {m for _, lines in plans.values() for (m, _c) in lines if m in OUTCOME_MEASURES}
    sums: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: [ZERO] * 4))
    if wanted:
        rows = (ActivityOutcome.objects
                .filter(activity__in=Activity.objects.counted().filter(
                    pairing_id__in=ids, date__gte=start, date__lte=end).values("pk"),
                    indicator__code__in=wanted)
                .annotate(q=ExtractQuarter("activity__date")).order_by()
                .values_list("activity__pairing_id", "q", "indicator__code").annotate(v=Sum("value")))
        for pid, q, code, v in rows:
            sums[pid][code][q - 1] += v or ZERO
    out = {}
    for pid, (plan_id, lines) in plans.items():
        for (measure, category), line in lines.items():
            if measure == PlanMeasure.ACTIVITIES:
                line.done = list(counts[pid][category]) if pid in counts else [ZERO] * 4
            else:
                line.done = list(sums[pid][measure]) if pid in sums else [ZERO] * 4
        out[pid] = PlanProgress(pid, plan_id, year, due, current,
                                [lines[k] for k in sorted(lines, key=_line_order)])
    return out


def plan_sheet(p: PlanProgress) -> tuple[list[str], list[list]]:
    """The ledger workbook's 共建计划 sheet: one row per line, planned and done per quarter."""
    headers = ["计划项目"]
    for q in QUARTERS:
        headers += [f"第{q}季度计划", f"第{q}季度完成"]
    headers += ["全年计划", "全年完成", f"截至第{p.due}季度末计划" if p.due else "截至目前计划",
                "截至目前完成", "差额", "进度"]
    rows = []
    for line in p.lines:
        row = [line.label]
        for _q, planned, done, _short in line.quarters:
            row += [planned, done]
        row += [line.planned_year, line.done_year, line.planned_to_date, line.done_to_date, line.shortfall,
                "滞后" if line.behind else "正常"]
        rows.append(row)
    return headers, rows
