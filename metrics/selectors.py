"""Figures for any unit and period, read from the summary table (one query)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from campaigns.models import Indicator, IndicatorKind
from organizations import records
from pairings.models import Pairing

from .models import Fact

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


def facts_in(campaign=None, date_from=None, date_to=None, keys=None):
    """Summary rows of a campaign (or all) in a period, optionally of some keys only."""
    qs = Fact.objects.all()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if date_from:
        qs = qs.filter(day__gte=date_from)
    if date_to:
        qs = qs.filter(day__lte=date_to)
    if keys is not None:
        qs = qs.filter(key__in=list(keys))
    return qs


def pairing_counts(unit_ids, campaign=None, date_from=None, date_to=None) -> dict[int, Decimal]:
    """{unit id: pairings in its scope active at any time in the period} (CONTRACT.md §4,
    indicator ``pairings``), counted live from the stored record scope in one query."""
    pairings = Pairing.objects.active_between(date_from, date_to)
    if campaign is not None:
        pairings = pairings.filter(campaign=campaign)
    rows = (records.scope_rows("pairing").filter(unit_id__in=list(unit_ids), record_id__in=pairings.values("pk"))
            .values("unit_id").annotate(n=Count("record_id")).order_by())
    return {row["unit_id"]: Decimal(row["n"]) for row in rows}


def sums(unit, campaign=None, date_from=None, date_to=None) -> dict[str, Decimal]:
    qs = facts_in(campaign, date_from, date_to).filter(unit=unit)
    out = {row["key"]: row["total"] for row in qs.values("key").annotate(total=Sum("value")).order_by()}
    n = pairing_counts([unit.pk], campaign, date_from, date_to).get(unit.pk)
    if n:
        out["pairings"] = n
    return out


def figures(unit, campaign=None, date_from=None, date_to=None, indicators=None) -> list[Figure]:
    """The catalogue's figures for ``unit``'s scope, in catalogue order (two queries)."""
    indicators = list(indicators if indicators is not None else Indicator.objects.filter(active=True))
    return figures_from_sums(sums(unit, campaign, date_from, date_to), indicators)


def sums_by_unit(unit_ids, campaign=None, date_from=None, date_to=None, keys=None) -> dict[int, dict]:
    """{unit id: {key: total}} for many units in one query (drill-down tables, rankings)."""
    out: dict[int, dict] = {u: {} for u in unit_ids}
    qs = facts_in(campaign, date_from, date_to, keys).filter(unit_id__in=list(unit_ids))
    for row in qs.values("unit_id", "key").annotate(total=Sum("value")).order_by():
        out[row["unit_id"]][row["key"]] = row["total"]
    if keys is None or "pairings" in keys:
        for uid, n in pairing_counts(unit_ids, campaign, date_from, date_to).items():
            out[uid]["pairings"] = n
    return out


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


def monthly(unit, campaign=None, date_from=None, date_to=None, keys=None) -> dict:
    """{first day of month: {key: total}} for a unit (trend charts), one query."""
    from django.db.models.functions import TruncMonth

    out: dict = {}
    qs = facts_in(campaign, date_from, date_to, keys).filter(unit=unit)
    for row in qs.annotate(month=TruncMonth("day")).values("month", "key").annotate(
            total=Sum("value")).order_by("month"):
        out.setdefault(row["month"], {})[row["key"]] = row["total"]
    return out
