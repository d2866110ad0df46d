"""Figures for any unit and period, read from the summary table (one query)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When

from campaigns.models import Indicator, IndicatorKind
from organizations import records
from pairings.models import HelpPair
from people.models import PipelineStep, Stage

from . import rollup
from .models import DAY, MONTH, TOTAL, Fact, FactSpan

# Rates: indicator code -> (numerator key, denominator key).
RATES = {
    "commitment_rate": ("commitments_done", "commitments_made"),
    "satisfaction_party_org": ("sat_party_org_ok", "sat_party_org_ballots"),
    "satisfaction_cobuild": ("sat_cobuild_ok", "sat_cobuild_ballots"),
}


@dataclass
class Figure:
    indicator: Indicator
    value: Decimal | None          # None: a rate with a zero denominator
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def text(self) -> str:
        """CONTRACT.md §2: integers for counts, plain yuan, rates with two decimals, '' if none."""
        if self.value is None:
            return ""
        if self.indicator.kind == IndicatorKind.RATE:
            return f"{self.value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
        v = self.value.normalize()
        return f"{v:f}" if v != v.to_integral_value() else str(int(v))


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def period_parts(date_from: dt.date | None, date_to: dt.date | None) -> list[Q]:
    """The rows of ``Fact`` that add up to the period [date_from, date_to] (either end open), as
    up to three disjoint parts, each with one grain (so each is one index range): month rows for
    the whole months inside it, day rows for the days before the first whole month and after the
    last. Every day of the period is counted once."""
    first = date_from if date_from is None or date_from.day == 1 else _month_after(date_from)
    # The first day after the last whole month of the period.
    end = None if date_to is None else (
        _month_after(date_to) if _month_after(date_to) - dt.timedelta(days=1) == date_to else date_to.replace(day=1))
    if first is not None and end is not None and first >= end:
        days = Q(grain=DAY)   # no whole month inside: day rows only
        if date_from:
            days &= Q(day__gte=date_from)
        if date_to:
            days &= Q(day__lte=date_to)
        return [days]
    months = Q(grain=MONTH)
    if first is not None:
        months &= Q(day__gte=first)
    if end is not None:
        months &= Q(day__lt=end)
    parts = [months]
    if date_from is not None and date_from < first:
        parts.append(Q(grain=DAY, day__gte=date_from, day__lt=first))
    if date_to is not None and end <= date_to:
        parts.append(Q(grain=DAY, day__gte=end, day__lte=date_to))
    return parts


def whole_keys(keys, campaign, date_from: dt.date | None, date_to: dt.date | None, spans=None) -> set[str]:
    """Which of ``keys`` have every row of the campaign (of any campaign if None) inside the
    period, by ``FactSpan`` (never narrower than the rows): their total rows are the period's
    figure. A key without rows is whole too (its total is zero, as its days are). ``spans``:
    ``spans_of`` the keys already read."""
    keys = set(keys)
    outside = set()
    for key, first, last in spans if spans is not None else spans_of(keys, campaign):
        if key not in keys:
            continue
        if (date_from is not None and first < date_from) or (date_to is not None and last > date_to):
            outside.add(key)
    return keys - outside


def spans_of(keys, campaign) -> list[tuple[str, dt.date, dt.date]]:
    """(key, first day, last day) of ``keys``' rows per campaign (``FactSpan``, one query)."""
    spans = FactSpan.objects.filter(key__in=sorted(set(keys)))
    if campaign is not None:
        spans = spans.filter(campaign=campaign)
    return list(spans.values_list("key", "first_day", "last_day"))


def period_rows(date_from: dt.date | None, date_to: dt.date | None) -> Q:
    """``period_parts`` as one condition."""
    q = Q()
    for part in period_parts(date_from, date_to):
        q |= part
    return q


def facts_in(campaign=None, date_from=None, date_to=None, keys=None, verified_only=False):
    """Summary rows of a campaign (or all) adding up to a period (``period_rows``), optionally of
    some keys only, optionally of verified records only."""
    return _facts(Fact.objects.filter(period_rows(date_from, date_to)), campaign, keys, verified_only)


def _facts(qs, campaign, keys, verified_only):
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if keys is not None:
        qs = qs.filter(key__in=list(keys))
    if verified_only:
        qs = qs.filter(verified=True)
    return qs


# Keys added to every ``sums`` row besides the summary's own: the submitted activities still
# awaiting review (always shown, so a verified-only figure says what it leaves out), and two
# live counts from stored record scopes.
AWAITING = "awaiting_review"
LIVE_KEYS = ("pairings", "help_pairs_registered", "activists_registered")


def pairing_counts(unit_ids, campaign=None, date_from=None, date_to=None) -> dict[int, Decimal]:
    """{unit id: pairings in its scope active at any time in the period} (CONTRACT.md §4,
    indicator ``pairings``): those started by the period's end less those that ended before its
    start, two running counts the summary keeps for every unit of a pairing's stored scope
    (``rollup._contributions``), so a province reads a few dozen rows, not its pairs."""
    # A count whose every row lies before its period's end is its total row, else its rows.
    spans = spans_of(["pairings_started", "pairings_ended"], campaign)

    def rows(key, until):
        whole = key in whole_keys([key], campaign, None, until, spans)
        return Q(key=key) & (Q(grain=TOTAL) if whole else period_rows(None, until))

    started = rows("pairings_started", date_to)
    ended = rows("pairings_ended", date_from) if date_from is not None else Q(pk__in=[])
    qs = _facts(Fact.objects.filter(started | ended), campaign, None, False).filter(unit_id__in=list(unit_ids))
    out = qs.values("unit_id").annotate(n=Sum(Case(When(started, then=F("value")), When(ended, then=-F("value")),
                                                   default=Value(0), output_field=DecimalField()))).order_by()
    return {row["unit_id"]: row["n"] for row in out if row["n"]}


def help_pair_counts(unit_ids, campaign=None, date_from=None, date_to=None) -> dict[int, Decimal]:
    """{unit id: help pairs of the register (帮扶对子台账) started in the period in its scope}: shown
    beside the reported outcome ``help_pairs`` so that a disagreement shows."""
    pairs = HelpPair.objects.all()
    if campaign is not None:
        # A village's own help pairs (no pairing) belong to no campaign: they count under any.
        pairs = pairs.filter(Q(pairing__campaign=campaign) | Q(pairing__isnull=True))
    if date_from:
        pairs = pairs.filter(started_on__gte=date_from)
    if date_to:
        pairs = pairs.filter(started_on__lte=date_to)
    return _count_in_scope("helppair", unit_ids, pairs)


def activist_counts(unit_ids, campaign=None, date_from=None, date_to=None) -> dict[int, Decimal]:
    """{unit id: people of its scope's register who became 入党积极分子 in the period} (the 推优/发展
    records of ``people``; they belong to no campaign, so they count under any), shown beside
    the reported outcome ``activists_added``, which stays the figure for imported history."""
    steps = PipelineStep.objects.filter(stage=Stage.ACTIVIST)
    if date_from:
        steps = steps.filter(date__gte=date_from)
    if date_to:
        steps = steps.filter(date__lte=date_to)
    return _count_in_scope("pipelinestep", unit_ids, steps)


def _count_in_scope(record_type, unit_ids, qs) -> dict[int, Decimal]:
    rows = (records.scope_rows(record_type).filter(unit_id__in=list(unit_ids), record_id__in=qs.values("pk"))
            .values("unit_id").annotate(n=Count("record_id")).order_by())
    return {row["unit_id"]: Decimal(row["n"]) for row in rows}


def _fold(out: dict, row: dict, verified_only: bool) -> None:
    """Add one (key, verified) total to a {key: total} dict."""
    if row["verified"] or not verified_only:
        out[row["key"]] = out.get(row["key"], Decimal(0)) + row["total"]
    if not row["verified"] and row["key"] == "activities":
        out[AWAITING] = out.get(AWAITING, Decimal(0)) + row["total"]


def sums(unit, campaign=None, date_from=None, date_to=None, verified_only=False) -> dict[str, Decimal]:
    """{key: total} of ``unit``'s scope: summary keys, the live counts and ``awaiting_review``."""
    return sums_by_unit([unit.pk], campaign, date_from, date_to, verified_only=verified_only)[unit.pk]


def figures(unit, campaign=None, date_from=None, date_to=None, indicators=None, verified_only=False) -> list[Figure]:
    """The catalogue's figures for ``unit``'s scope, in catalogue order (a few queries)."""
    indicators = list(indicators if indicators is not None else Indicator.objects.filter(active=True))
    return figures_from_sums(sums(unit, campaign, date_from, date_to, verified_only), indicators)


def sums_by_unit(unit_ids, campaign=None, date_from=None, date_to=None, keys=None,
                 verified_only=False) -> dict[int, dict]:
    """{unit id: {key: total}} for many units in one query (drill-down tables, rankings), plus one
    query per live count asked for."""
    unit_ids = list(unit_ids)
    out: dict[int, dict] = {u: {} for u in unit_ids}
    summary_keys = rollup.summary_keys() if keys is None else [k for k in keys if k not in LIVE_KEYS]
    if summary_keys:
        # Keys whose every row lies in the period are read from their total rows (one per unit and
        # key); the others one query per part of the period: each part is one index range per unit
        # and key (the three joined by OR would be filtered row by row over every day row of each unit).
        whole = whole_keys(summary_keys, campaign, date_from, date_to)
        reads = [(Q(grain=TOTAL), sorted(whole))] if whole else []
        rest = [k for k in summary_keys if k not in whole]
        if rest:
            reads += [(part, rest) for part in period_parts(date_from, date_to)]
        for part, part_keys in reads:
            qs = _facts(Fact.objects.filter(part), campaign, part_keys, False).filter(unit_id__in=unit_ids)
            for row in qs.values("unit_id", "key", "verified").annotate(total=Sum("value")).order_by():
                _fold(out[row["unit_id"]], row, verified_only)
    for key, count in (("pairings", pairing_counts), ("help_pairs_registered", help_pair_counts),
                       ("activists_registered", activist_counts)):
        if keys is None or key in keys:
            for uid, n in count(unit_ids, campaign, date_from, date_to).items():
                out[uid][key] = n
    return out


def overdue_commitments(unit_ids, campaign, on: dt.date) -> dict[int, int]:
    """{unit id: commitments of its scope still open (``COMMITMENT_OPEN``) and due before ``on``},
    as ``Commitment.objects.overdue(on)`` of the unit's scope, from the summary's running count of
    open commitments by due date (``rollup.OPEN_KEY``): a few dozen rows for a province."""
    sums = sums_by_unit(unit_ids, campaign, None, on - dt.timedelta(days=1), [rollup.OPEN_KEY])
    return {u: int(totals.get(rollup.OPEN_KEY, 0)) for u, totals in sums.items()}


def figures_from_sums(totals: dict, indicators) -> list[Figure]:
    """Figures (rates computed) from a {key: total} dict, e.g. one row of ``sums_by_unit``."""
    out = []
    for ind in indicators:
        if ind.kind == IndicatorKind.RATE and ind.code in RATES:
            num_key, den_key = RATES[ind.code]
            num, den = totals.get(num_key, Decimal(0)), totals.get(den_key, Decimal(0))
            out.append(Figure(ind, (num * 100 / den) if den else None, num, den))
        else:
            out.append(Figure(ind, totals.get(ind.code, Decimal(0))))
    return out


def monthly(unit, campaign=None, date_from=None, date_to=None, keys=None, verified_only=False) -> dict:
    """{first day of month: {key: total}} for a unit (trend charts), one query."""
    from django.db.models.functions import TruncMonth

    out: dict = {}
    qs = facts_in(campaign, date_from, date_to, keys, verified_only).filter(unit=unit)
    for row in qs.annotate(month=TruncMonth("day")).values("month", "key", "verified").annotate(
            total=Sum("value")).order_by("month"):
        _fold(out.setdefault(row["month"], {}), row, verified_only)
    return out
