"""Assessment (考核) scoring: the one place a scheme's scores are computed.

A scheme (``AssessmentScheme``) assesses the units of one level (townships, villages or bureaus)
under its unit, over a period of one campaign, on weighted items (``AssessmentItem``):

- 目标完成 (``target``): points × min(value ÷ the unit's own target (``metrics.Target``), cap);
  a unit without a target for the indicator earns nothing on it (and the page says so);
- 相对排名 (``best``): points × value ÷ the best value among the assessed units;
- 相对排名 (``minmax``): points × (value − lowest) ÷ (highest − lowest); all equal → full points.

Deductions (``DeductionRule``) take points per breach up to a cap: rectification items (整改事项)
whose deadline passed before the as-of day and that were not closed by their deadline, and
commitments (承诺事项) due before the as-of day not completed by their due date. Reviewer
adjustments (``AssessmentAdjustment``) add or take points with a reason. Score = item points −
deductions + adjustments; rank: equal scores share a place.

Figures come from :mod:`metrics.figures` (the one figure read). A constant number of queries
whatever the number of units. ``freeze`` stores the result (``metrics.services_assessment``);
the frozen page compares it with :func:`score` now.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q

from campaigns.models import Commitment, CommitmentStatus
from pairings.models import RectificationItem, RectificationStatus

from . import figures
from .figures import HUNDRED, q2
from .models import AssessmentScheme, DeductionKind, ScoringMethod, Target

ZERO = Decimal(0)


def rank_by_score(rows) -> None:
    """Set ``rank`` on rows already sorted by ``score`` (highest first): equal scores share a
    place and the next one skips (1, 1, 3)."""
    last, rank = None, 0
    for i, row in enumerate(rows, start=1):
        if row.score != last:
            rank, last = i, row.score
        row.rank = rank


def share_of_best(value, best) -> Decimal:
    """The value as a percentage of the best one (0 when there is no best): the relative rule of
    the assessment page (``reports.assess``) and of ``best`` items."""
    if not best or value is None:
        return ZERO
    return q2(Decimal(value) * HUNDRED / Decimal(best))


@dataclass
class ItemScore:
    code: str
    name: str
    unit: str
    method: str
    max_points: Decimal
    value: Decimal | None
    text: str
    target: Decimal | None
    percent: Decimal          # 0..100 (or up to the cap for target items)
    points: Decimal

    @property
    def gap_to_target(self) -> Decimal | None:
        """How much is still missing to the unit's target (0 when reached; None without one)."""
        if self.target is None:
            return None
        return max(ZERO, self.target - (self.value or ZERO))

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "unit": self.unit, "method": self.method,
                "max_points": str(self.max_points), "value": None if self.value is None else str(self.value),
                "text": self.text, "target": None if self.target is None else str(self.target),
                "percent": str(self.percent), "points": str(self.points)}


@dataclass
class UnitScore:
    unit: object
    parts: list[ItemScore]
    base_points: Decimal
    deductions: list[dict] = field(default_factory=list)    # {kind, label, count, points}
    adjustments: list[dict] = field(default_factory=list)   # {points, reason, by}
    deducted: Decimal = ZERO
    adjusted: Decimal = ZERO
    score: Decimal = ZERO
    rank: int = 0

    @property
    def target_gaps(self) -> list[ItemScore]:
        return [p for p in self.parts if p.gap_to_target]


def as_of_day(scheme: AssessmentScheme, today: dt.date | None = None) -> dt.date:
    """Breaches count up to the period's end, or today while the period runs."""
    return min(scheme.date_to, today or figures.today())


def assessed_units(scheme: AssessmentScheme):
    """Every unit of the scheme's level under its unit (whoever looks: the ranking is the county's)."""
    return figures.level_units(scheme.unit, None, scheme.level).order_by("path")


def _breaches(scheme: AssessmentScheme, units, as_of: dt.date, kinds) -> dict[str, dict[int, int]]:
    """{kind: {unit id: breaches in its subtree}}: one grouped query per kind, folded up by path."""
    out: dict[str, dict[int, int]] = {}
    below = scheme.unit.path
    for kind in kinds:
        if kind == DeductionKind.OVERDUE_RECTIFICATION:
            rows = (RectificationItem.objects
                    .filter(responsible_unit__path__startswith=below, inspection__campaign=scheme.campaign,
                            deadline__lt=as_of)
                    .filter(~Q(status=RectificationStatus.CLOSED) | Q(closed_on__gt=F("deadline")))
                    .values("responsible_unit__path").annotate(n=Count("pk")))
            by_path = {r["responsible_unit__path"]: r["n"] for r in rows}
        else:
            rows = (Commitment.objects
                    .filter(unit__path__startswith=below, campaign=scheme.campaign, due_date__lt=as_of)
                    .exclude(status=CommitmentStatus.CANCELLED)
                    .filter(~Q(status=CommitmentStatus.DONE) | Q(completed_on__gt=F("due_date")))
                    .values("unit__path").annotate(n=Count("pk")))
            by_path = {r["unit__path"]: r["n"] for r in rows}
        out[kind] = {u.pk: sum(n for p, n in by_path.items() if p.startswith(u.path)) for u in units}
    return out


def score(scheme: AssessmentScheme, as_of: dt.date | None = None) -> list[UnitScore]:
    """Every assessed unit's score under ``scheme`` now (records as they stand), ranked."""
    as_of = as_of or as_of_day(scheme)
    units = list(assessed_units(scheme))
    items = list(scheme.items.select_related("indicator"))
    rules = list(scheme.rules.all())
    if not units:
        return []
    inds = [i.indicator for i in items]
    figs = figures.unit_figures(units, scheme.campaign, scheme.date_from, scheme.date_to, inds) if inds else {}
    by_unit = {uid: {f.indicator.code: f for f in fs} for uid, fs in figs.items()}
    targets = {(t.unit_id, t.indicator_id): t.value for t in Target.objects.filter(
        campaign=scheme.campaign, unit__in=units, indicator__in=inds)} if inds else {}
    spread = {}
    for it in items:
        vals = [by_unit[u.pk][it.indicator.code].value for u in units
                if by_unit[u.pk][it.indicator.code].value is not None]
        spread[it.indicator.code] = (min(vals, default=None), max(vals, default=None))
    breaches = _breaches(scheme, units, as_of, [r.kind for r in rules])
    adjustments: dict[int, list] = defaultdict(list)
    for a in scheme.adjustments.select_related("made_by").order_by("pk"):
        adjustments[a.unit_id].append({"points": str(a.points), "reason": a.reason, "by": a.made_by_name})
    out = []
    for u in units:
        parts = []
        for it in items:
            f = by_unit[u.pk][it.indicator.code]
            target = targets.get((u.pk, it.indicator_id))
            lo, hi = spread[it.indicator.code]
            if it.method == ScoringMethod.TARGET:
                percent = (min(q2((f.value or ZERO) * HUNDRED / target), Decimal(it.cap_percent))
                           if target else ZERO)
            elif it.method == ScoringMethod.BEST:
                percent = share_of_best(f.value, hi)
            else:  # min–max
                if f.value is None or hi is None:
                    percent = ZERO
                elif hi == lo:
                    percent = HUNDRED
                else:
                    percent = q2((f.value - lo) * HUNDRED / (hi - lo))
            parts.append(ItemScore(it.indicator.code, it.indicator.name, it.indicator.unit, it.method,
                                   it.max_points, f.value, f.text, target, percent,
                                   q2(it.max_points * percent / HUNDRED)))
        s = UnitScore(u, parts, q2(sum((p.points for p in parts), ZERO)))
        for r in rules:
            n = breaches[r.kind][u.pk]
            if n:
                s.deductions.append({"kind": r.kind, "label": str(DeductionKind(r.kind).label), "count": n,
                                     "points": str(min(r.cap, r.points_each * n))})
        s.deducted = q2(sum((Decimal(d["points"]) for d in s.deductions), ZERO))
        s.adjustments = adjustments.get(u.pk, [])
        s.adjusted = q2(sum((Decimal(a["points"]) for a in s.adjustments), ZERO))
        s.score = q2(s.base_points - s.deducted + s.adjusted)
        out.append(s)
    out.sort(key=lambda s: (-s.score, s.unit.path))
    rank_by_score(out)
    return out


def max_total(scheme: AssessmentScheme) -> Decimal:
    return q2(sum((i.max_points for i in scheme.items.all()), ZERO))
