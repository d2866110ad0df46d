"""Demo targets (目标任务) for the 百局联百村 campaign of the demo county (铁力市).

``load_demo_targets(campaign, today)`` is called by ``seed_demo`` after the campaign's records.
The campaign runs two years and the demo's "today" is one year in, so about half of each target
is due. The targets are what a county would set for the whole campaign — the county's headline
figures, per-village norms for each township, one value for every bureau, and 铁力镇's staff's
targets for its villages — and against the demo's year they give a realistic mix: most on
track, several lagging (amber), a few red (the commitment rate, tech visits, inspections, the
largest township's activities).

Everything goes through ``metrics.services`` with ``actor=None``; a second run changes nothing.
``today`` is accepted for symmetry with the other demo loaders (targets are due at the
campaign's end, so it is not needed to date them).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from campaigns.models import Campaign, Indicator
from metrics import services
from organizations.models import Unit, UnitKind

REASON = "演示数据"
# The county's own targets for the whole campaign.
COUNTY_TARGETS = {
    "pairings": 76, "activities": 700, "org_life_sessions": 150, "democratic_life_meetings": 152,
    "tech_visits": 90, "commitments_made": 400, "commitment_rate": 85, "leader_visits": 80,
    "inspections": 48, "problems_solved": 450, "help_pairs": 200, "project_funds": 3000000,
    "satisfaction_party_org": 95, "satisfaction_cobuild": 98,
}
# Township targets: a norm per village of the township (activities, org-life sessions) or a rate.
TOWNSHIP_PER_VILLAGE = {"activities": Decimal(8), "org_life_sessions": Decimal("1.5")}
TOWNSHIP_RATES = {"commitment_rate": 80}
BUREAU_TARGETS = {"activities": 8}
VILLAGE_TARGETS = {"activities": 6}       # set by 铁力镇's staff for its villages
DEMO_TOWNSHIP_CODE = "TL-01"


def load_demo_targets(campaign: Campaign, today: dt.date | None = None) -> dict[str, int]:
    """Set the demo targets; returns {"created": n, "updated": n, "unchanged": n}."""
    indicators = {i.code: i for i in Indicator.objects.filter(active=True)}
    county = campaign.owner_unit
    counts = {"created": 0, "updated": 0, "unchanged": 0}

    def one(unit, code, value):
        if code not in indicators:
            return
        before = services.Target.objects.filter(campaign=campaign, unit=unit, indicator=indicators[code]).first()
        target, created = services.target_save(actor=None, campaign=campaign, unit=unit, indicator=indicators[code],
                                               value=value, reason=REASON)
        if created:
            counts["created"] += 1
        elif before is not None and before.value == target.value:
            counts["unchanged"] += 1
        else:
            counts["updated"] += 1

    def many(parent, kind, code, value):
        if code not in indicators:
            return
        n = services.targets_apply(actor=None, campaign=campaign, parent=parent, kind=kind,
                                   indicator=indicators[code], value=value)
        for k, v in n.items():
            counts[k] += v

    for code, value in COUNTY_TARGETS.items():
        one(county, code, value)
    townships = (Unit.objects.filter(parent=county, kind=UnitKind.TOWNSHIP)
                 .annotate(n_villages=Count("children", filter=Q(
                     children__kind__in=(UnitKind.VILLAGE, UnitKind.COMMUNITY))))
                 .order_by("path"))
    for t in townships:
        for code, norm in TOWNSHIP_PER_VILLAGE.items():
            value = (norm * max(t.n_villages, 1)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            one(t, code, value)
        for code, value in TOWNSHIP_RATES.items():
            one(t, code, value)
    for code, value in BUREAU_TARGETS.items():
        many(county, "bureau", code, value)
    township = Unit.objects.filter(code=DEMO_TOWNSHIP_CODE).first()
    if township is not None:
        for code, value in VILLAGE_TARGETS.items():
            many(township, "village", code, value)
    return counts
