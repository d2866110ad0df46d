"""Silence and reporting completeness read each village's ``VillageYear`` (the months it reported
and its last counted activity), kept by the summary upkeep. Here they are compared with the same
figures counted the slow way from the activities themselves, after edits, reviews, returns,
deletes, a village moving to another township and for periods with partial months."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import Activity, ReviewStatus
from campaigns.services import activity_correct, activity_review
from metrics import figures, rollup
from metrics.models import VillageYear
from organizations.models import UnitKind
from organizations.services import unit_save
from tests.factories import County, make_activity, make_campaign, make_user

pytestmark = pytest.mark.django_db

COUNTED = (ReviewStatus.SUBMITTED, ReviewStatus.VERIFIED)


def days(n):
    return timezone.localdate() - dt.timedelta(days=n)


def slow_reported(villages, campaign, date_from, date_to, verified_only=False):
    """{village id: set of months with a counted (verified) activity in the period}, from the records.
    An activity counts for its own village and for its pairing's village."""
    statuses = (ReviewStatus.VERIFIED,) if verified_only else COUNTED
    qs = Activity.objects.filter(status__in=statuses, date__gte=date_from, date__lte=date_to)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    ids = {v.pk for v in villages}
    out = {}
    for a in qs.select_related("pairing"):
        for vid in {a.unit_id, a.pairing.village_id if a.pairing else None} & ids:
            out.setdefault(vid, set()).add(a.date.replace(day=1))
    return out


def check(c, user, campaign, date_from, date_to, verified_only=False):
    villages = list(figures.villages_under(c.county, user).select_related("parent"))
    slow = slow_reported(villages, campaign, date_from, date_to, verified_only)
    rows, total = figures.completeness_rates(c.county, user, campaign, date_from, date_to, verified_only)
    months = figures.display_months(date_from, date_to)
    by_parent = {}
    for v in villages:
        by_parent.setdefault(v.parent_id, []).append(v.pk)
    got = {r.unit.pk: (r.villages, r.logged, r.by_month) for r in rows}
    want = {pid: (len(ids), sum(1 for i in ids if i in slow),
                  [sum(1 for i in ids if m in slow.get(i, ())) for m in months]) for pid, ids in by_parent.items()}
    assert got == want
    assert total.logged == sum(1 for v in villages if v.pk in slow)
    bulletin = figures.reporting_total(c.county, user, campaign, date_from, date_to, verified_only)
    assert (bulletin.villages, bulletin.logged, bulletin.rate) == (total.villages, total.logged, total.rate)

    as_of = date_to
    window = slow_reported(villages, campaign, figures.silent_since(as_of), as_of)
    silence = figures.silence(c.county, user, campaign, as_of)
    assert (silence.villages_total, silence.villages_silent) == (len(villages), len(villages) - len(window))
    listed = list(figures.silent_villages(c.county, user, campaign, as_of).order_by("path"))
    assert {v.pk for v in listed} == {v.pk for v in villages if v.pk not in window}


@pytest.fixture
def county():
    c = County(villages_per_township=3)
    c.campaign = make_campaign(c.county, slug="bjlbc", start_date=days(500))
    c.other = make_campaign(c.county, slug="other", name="党建带群建", start_date=days(500))
    c.admin = make_user("cty", "county_admin", c.county)
    c.reviewer = make_user("rev", "township_staff", c.county)
    return c


def test_reporting_and_silence_follow_every_kind_of_change(county):
    c = county
    v = c.villages
    a1 = make_activity(c.campaign, v[0], date=days(3), verified=True)
    a2 = make_activity(c.campaign, v[1], date=days(40))
    make_activity(c.campaign, v[1], date=days(400), verified=True)
    make_activity(c.other, v[2], date=days(10))
    a5 = make_activity(c.campaign, v[3], date=days(20))
    make_activity(c.campaign, v[4], date=days(70), verified=True)
    periods = [(days(450), days(0)), (days(45), days(5)), (days(35), days(35)), (days(400), days(380))]
    for campaign in (c.campaign, None):
        for date_from, date_to in periods:
            check(c, c.admin, campaign, date_from, date_to)
            check(c, c.admin, campaign, date_from, date_to, verified_only=True)

    # A review, a return, a correction moving a date and a village, a delete, a unit move.
    activity_review(actor=c.reviewer, activity=a2, approve=True)
    activity_review(actor=c.reviewer, activity=a5, approve=False, comment="请补充照片")
    activity_correct(actor=c.admin, activity=Activity.objects.get(pk=a1.pk), reason="日期填错", date=days(33),
                     unit=v[5])
    Activity.objects.filter(title="主题党日活动", unit=v[4]).delete()
    township = c.townships[1]
    unit_save(actor=None, code=v[0].code, name=v[0].name, kind=UnitKind.VILLAGE, parent=township, reason="区划调整")
    for campaign in (c.campaign, None):
        for date_from, date_to in periods:
            check(c, c.admin, campaign, date_from, date_to)
            check(c, c.admin, campaign, date_from, date_to, verified_only=True)

    maintained = rollup.snapshot()
    VillageYear.objects.all().delete()
    assert rollup.repair_village_years() > 0
    assert rollup.snapshot() == maintained
    assert rollup.repair_village_years() == 0


def test_a_past_as_of_reads_the_summary_for_villages_active_since(county):
    """The last activity of a village is after the page's as-of day: whether it was silent then
    comes from its summary rows, not from its last activity."""
    c = county
    make_activity(c.campaign, c.villages[0], date=days(50))
    make_activity(c.campaign, c.villages[0], date=days(2))
    make_activity(c.campaign, c.villages[1], date=days(2))
    silence = figures.silence(c.county, c.admin, c.campaign, days(40))
    assert (silence.villages_total, silence.villages_silent) == (6, 5)
    silent = figures.silent_villages(c.county, c.admin, c.campaign, days(40))
    assert c.villages[0] not in silent and c.villages[1] in silent
    assert figures.silence(c.county, c.admin, c.campaign, days(0)).villages_silent == 4   # the last one counts


def test_days_inside_a_month_between_a_village_first_and_last_activity(county):
    """A period within one month: a village with activities before and after it reported in it
    only if one falls on its days (the summary's day rows decide), verified-only too."""
    c = county
    m = (timezone.localdate().replace(day=1) - dt.timedelta(days=70)).replace(day=1)
    for day, verified in ((1, True), (15, False), (28, True)):
        make_activity(c.campaign, c.villages[0], date=m.replace(day=day), verified=verified)
    make_activity(c.campaign, c.villages[1], date=m.replace(day=12), verified=True)
    for a, b in ((10, 20), (16, 20), (2, 27), (1, 1), (28, 28)):
        for verified_only in (False, True):
            check(c, c.admin, c.campaign, m.replace(day=a), m.replace(day=b), verified_only)
            check(c, c.admin, None, m.replace(day=a), m.replace(day=b), verified_only)
