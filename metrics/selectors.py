"""Figures for any unit and period, read from the summary table (one query)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from campaigns.models import Indicator, IndicatorKind

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


def sums(unit, campaign=None, date_from=None, date_to=None) -> dict[str, Decimal]:
    qs = Fact.objects.filter(unit=unit)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if date_from:
        qs = qs.filter(day__gte=date_from)
    if date_to:
        qs = qs.filter(day__lte=date_to)
    return {row["key"]: row["total"] for row in qs.values("key").annotate(total=Sum("value")).order_by()}


def figures(unit, campaign=None, date_from=None, date_to=None, indicators=None) -> list[Figure]:
    """The catalogue's figures for ``unit``'s scope, in catalogue order (two queries)."""
    indicators = list(indicators if indicators is not None else Indicator.objects.filter(active=True))
    totals = sums(unit, campaign, date_from, date_to)
    out = []
    for ind in indicators:
        if ind.kind == IndicatorKind.RATE and ind.code in RATES:
            num_key, den_key = RATES[ind.code]
            num, den = totals.get(num_key, Decimal(0)), totals.get(den_key, Decimal(0))
            out.append(Figure(ind, (num * 100 / den) if den else None, num, den))
        else:
            out.append(Figure(ind, totals.get(ind.code, Decimal(0))))
    return out
