"""Reads of evaluations, always scoped to the user, fetching what the pages show in a fixed number
of queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q

from metrics import figures as metric_figures

from .models import (
    STATUS_ORDER,
    Award,
    Criterion,
    Cycle,
    CycleStatus,
    Nomination,
    NominationStatus,
    Objection,
    Scheme,
    Score,
)


def cycles_for(user, *, q: str = "", status: str = "", year: int | None = None):
    qs = (Cycle.objects.for_user(user).select_related("scheme", "organiser")
          .annotate(n_nominations=Count("nominations", distinct=True),
                    n_awarded=Count("nominations", filter=Q(nominations__status=NominationStatus.AWARDED),
                                    distinct=True)))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(scheme__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "scheme__code", "pk")


def status_counts(user, cycle: Cycle) -> list[tuple[str, str, int]]:
    """(status, label, count) of the nominations the user sees in the cycle, in process order."""
    rows = dict(Nomination.objects.for_user(user).filter(cycle=cycle).order_by().values("status")
                .annotate(n=Count("pk")).values_list("status", "n"))
    return [(s.value, s.label, rows.get(s.value, 0)) for s in STATUS_ORDER]


def nominations_for(user, cycle: Cycle, *, q: str = "", status: str = ""):
    qs = (Nomination.objects.for_user(user).filter(cycle=cycle)
          .select_related("unit__parent", "person", "nominating_unit")
          .annotate(n_objections=Count("objections", distinct=True)))
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(unit__name__icontains=q) | Q(person__name__icontains=q) | Q(statement__icontains=q))
    return qs.order_by("unit__path", "pk")


def weighted_totals(nomination_ids, criteria: list[Criterion]) -> dict[int, Decimal | None]:
    """{nomination id: weighted total out of 100} from the average score of each criterion over
    its reviewers (one query); None when nothing is scored."""
    by = {}
    for nid, cid, avg in (Score.objects.filter(nomination_id__in=list(nomination_ids)).order_by()
                          .values("nomination_id", "criterion_id").annotate(avg=Avg("score"))
                          .values_list("nomination_id", "criterion_id", "avg")):
        by.setdefault(nid, {})[cid] = Decimal(str(avg))
    out = {}
    for nid in nomination_ids:
        avgs = by.get(nid)
        if not avgs:
            out[nid] = None
            continue
        total = sum((avgs[c.pk] / c.max_score * c.weight for c in criteria if c.pk in avgs), Decimal(0))
        out[nid] = total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return out


@dataclass
class Suggestion:
    criterion: Criterion
    figures: list          # metrics Figures of the criterion's indicators
    total: Decimal | None  # their sum (rates: the single rate)
    score: Decimal | None  # the suggested score


def suggestions(nomination: Nomination, criteria: list[Criterion]) -> dict[int, Suggestion]:
    """The nominee unit's figures for the cycle's year on each criterion's indicators, read through
    ``metrics.figures`` (the one place figures are computed), and a suggested score: the full
    score × (total ÷ the criterion's "full at" value), at most the full score. People schemes
    and criteria without indicators have none."""
    mapped = [c for c in criteria if c.codes]
    if not mapped or nomination.person_id:
        return {}
    codes = sorted({code for c in mapped for code in c.codes})
    year = nomination.cycle.year
    inds = metric_figures.indicators(codes)
    figs = metric_figures.figure_map(metric_figures.figures(
        nomination.unit, None, dt.date(year, 1, 1), dt.date(year, 12, 31), inds=inds))
    out = {}
    for c in mapped:
        fs = [figs[code] for code in c.codes if code in figs]
        values = [f.value for f in fs if f.value is not None]
        total = sum(values, Decimal(0)) if values else None
        score = None
        if total is not None and c.full_at:
            score = min(Decimal(c.max_score), Decimal(c.max_score) * total / c.full_at).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP)
        out[c.pk] = Suggestion(c, fs, total, score)
    return out


def score_table(nomination: Nomination, criteria: list[Criterion]):
    """Per criterion: every reviewer's score and comment, and the average (one query)."""
    rows = {c.pk: [] for c in criteria}
    for s in Score.objects.filter(nomination=nomination).select_related("reviewer").order_by("reviewer_id"):
        rows.setdefault(s.criterion_id, []).append(s)
    out = []
    for c in criteria:
        scores = rows.get(c.pk, [])
        avg = (sum((s.score for s in scores), Decimal(0)) / len(scores)).quantize(Decimal("0.1")) if scores else None
        out.append((c, scores, avg))
    return out


def awards_of_unit(user, unit, limit=20):
    return list(Award.objects.for_user(user).filter(unit=unit, person__isnull=True)
                .select_related("cycle").order_by("-year", "-awarded_on")[:limit])


def awards_of_person(user, person, limit=20):
    return list(Award.objects.for_user(user).filter(person=person)
                .select_related("cycle").order_by("-year", "-awarded_on")[:limit])


def unanswered_objections(cycle: Cycle) -> int:
    return Objection.objects.filter(nomination__cycle=cycle, outcome="").count()


def schemes_for_list():
    return Scheme.objects.order_by("code")


def publicity_rows(cycle: Cycle) -> list[dict]:
    """What the public 公示 page shows of each nomination under 公示 (or that was, once closed):
    name, unit, township, statement with phone and ID numbers masked. No phone, no ID, no birth
    year, no reviewer, no score."""
    from campaigns.boards import mask_personal

    rows = []
    qs = (cycle.nominations.filter(status__in=[NominationStatus.PUBLICITY, NominationStatus.AWARDED])
          .select_related("unit__parent", "person").order_by("unit__path", "pk"))
    for n in qs:
        rows.append({
            "name": n.person.name if n.person_id else n.unit.name,
            "unit": n.unit.name, "township": n.unit.parent.name if n.unit.parent_id else "",
            "is_person": bool(n.person_id), "statement": mask_personal(n.statement),
        })
    return rows


PUBLIC_STATES = (CycleStatus.PUBLICITY,)
