"""Demo assessments (考核) of the demo county (铁力市) for the 百局联百村 campaign.

``load_demo_assessments(campaign, today, count)`` is called by ``seed_demo`` after the records,
targets and rectification items:

- 村级党群共建工作考核: the villages, on five relative items and two deductions; reviewed,
  frozen and published by the system, then one later record — a rectification item found at a
  village after the freeze, already overdue — so the frozen page shows "冻结后记录有变动" beside
  the live figures (seed 004's figures are untouched: rectification items are not counted there);
- 乡镇党群共建工作考核: the townships against their targets (目标完成), still a draft computed
  live, with one review adjustment.

Everything goes through ``metrics.services_assessment`` and ``pairings.services``; a scheme that
exists is left alone, so a second run writes nothing.
"""

from __future__ import annotations

import datetime as dt

from campaigns.models import Campaign, Indicator
from metrics import services_assessment as sa
from metrics.models import AssessmentScheme
from organizations.models import Unit, UnitKind
from pairings import services as pairing_services
from pairings.models import Inspection, InspectionKind, RectificationItem

VILLAGE_TITLE = "村级党群共建工作考核"
TOWNSHIP_TITLE = "乡镇党群共建工作考核"
VILLAGE_ITEMS = (("activities", "best", 30), ("org_life_sessions", "best", 20), ("problems_solved", "best", 20),
                 ("democratic_life_meetings", "minmax", 10), ("commitment_rate", "best", 20))
TOWNSHIP_ITEMS = (("activities", "target", 40), ("org_life_sessions", "target", 30),
                  ("commitment_rate", "target", 30))
RULES = (("overdue_rectification", 2, 6), ("overdue_commitment", 1, 5))
LATE_FINDING = "冻结后督查发现:党员活动室制度未上墙"


def _scheme(campaign, county, title, level, items, today, count) -> AssessmentScheme | None:
    if AssessmentScheme.objects.filter(campaign=campaign, unit=county, title=title).exists():
        count("assessments", "unchanged")
        return None
    scheme, _ = sa.scheme_save(actor=None, title=title, campaign=campaign, unit=county, year=today.year,
                               level=level, date_from=campaign.start_date, date_to=today, reason="演示数据")
    inds = {i.code: i for i in Indicator.objects.filter(code__in=[c for c, *_ in items])}
    for code, method, points in items:
        sa.item_save(actor=None, scheme=scheme, indicator=inds[code], method=method, max_points=points)
    for kind, each, cap in RULES:
        sa.rule_save(actor=None, scheme=scheme, kind=kind, points_each=each, cap=cap)
    count("assessments", "created")
    return scheme


def load_demo_assessments(campaign: Campaign, today: dt.date, count) -> None:
    county = campaign.owner_unit
    village_scheme = _scheme(campaign, county, VILLAGE_TITLE, "village", VILLAGE_ITEMS, today, count)
    if village_scheme is not None:
        sa.scheme_step(actor=None, scheme=village_scheme, step="review",
                       note="已核对各村活动台账和承诺事项,整改逾期按规则扣分。", today=today)
        sa.scheme_step(actor=None, scheme=village_scheme, step="freeze", today=today)
        sa.scheme_step(actor=None, scheme=village_scheme, step="publish", today=today)
        _late_finding(campaign, today, count)
    township_scheme = _scheme(campaign, county, TOWNSHIP_TITLE, "township", TOWNSHIP_ITEMS, today, count)
    if township_scheme is not None:
        township = Unit.objects.filter(parent=county, kind=UnitKind.TOWNSHIP).order_by("path").first()
        if township is not None:
            sa.adjustment_add(actor=None, scheme=township_scheme, unit=township, points=2,
                              reason="承办全市现场推进会,按方案加分")


def _late_finding(campaign, today, count) -> None:
    """After the freeze: an inspection's new finding at a village, its deadline already passed."""
    inspection = (Inspection.objects.filter(campaign=campaign, kind=InspectionKind.INSPECTION,
                                            pairing__isnull=False, held_on__lt=today - dt.timedelta(days=20))
                  .select_related("pairing__village").order_by("held_on", "code").first())
    if inspection is None or RectificationItem.objects.filter(inspection=inspection,
                                                              description=LATE_FINDING).exists():
        return
    pairing_services.rectification_create(actor=None, inspection=inspection, description=LATE_FINDING,
                                          responsible_unit=inspection.pairing.village,
                                          deadline=inspection.held_on + dt.timedelta(days=10))
    count("rectifications", "created")
