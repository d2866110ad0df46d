"""Issue 13 B: 民主测评 year on year — each unit's satisfaction rate and ballots in a year beside
the year before, the change in points, scoped like every report page, constant query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.services import campaign_save
from metrics import reports
from organizations.models import Role, UnitKind
from tests.clock import today
from tests.factories import County, make_survey, make_unit, make_user

pytestmark = pytest.mark.django_db


def this_year():
    """A day of this year, never after today."""
    return dt.date(today().year, 1, 1)


def last_year():
    """A day of last year."""
    return dt.date(today().year - 1, 6, 15)


@pytest.fixture
def c():
    county = County(villages_per_township=2)
    county.campaign, _ = campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                                       start_date=today() - dt.timedelta(days=800))
    v0, v1 = county.villages[0], county.villages[1]
    tally = lambda unit, on, s, b, d, subject="party_org": make_survey(   # noqa: E731
        county.campaign, unit, subject=subject, held_on=on, satisfied=s, basically_satisfied=b, dissatisfied=d)
    tally(v0, this_year(), 80, 10, 10)      # 90.00 % of 100   (last year 80.00 %: +10.00)
    tally(v0, last_year(), 70, 10, 20)
    tally(v1, this_year(), 45, 5, 50)       # 50.00 % of 100   (last year 90.00 %: −40.00)
    tally(v1, last_year(), 90, 0, 10)
    tally(v1, last_year(), 30, 10, 0, subject="cobuild")   # last year only: no change shown
    tally(county.villages[2], last_year() - dt.timedelta(days=400), 1, 0, 0)   # two years ago: not counted
    county.tstaff = make_user("town", Role.TOWNSHIP_STAFF, county.townships[0])
    county.secretary = make_user("sec", Role.VILLAGE_SECRETARY, v0)
    return county


def test_year_on_year_figures_by_hand(c):
    subjects = reports.survey_subjects()
    v0, v1 = reports.survey_years(c.villages[:2], today().year, subjects)
    party, cobuild = v0.subjects
    assert (party.now.text, party.now.denominator, party.last.text, party.change) == (
        "90.00", Decimal(100), "80.00", Decimal("10.00"))
    assert cobuild.now.value is None and cobuild.change is None
    party, cobuild = v1.subjects
    assert (party.now.text, party.last.text, party.change) == ("50.00", "90.00", Decimal("-40.00"))
    assert (cobuild.now.text, cobuild.last.text, cobuild.last.denominator, cobuild.change) == (
        "", "100.00", Decimal(40), None)
    (town,) = reports.survey_years([c.townships[0]], today().year, reports.survey_subjects("party_org"))
    # township: (90 + 50) / 200 = 70.00 % against (80 + 90) / 200 = 85.00 %: −15.00 points
    assert [(s.code, s.now.text, s.last.text, s.change) for s in town.subjects] == [
        ("party_org", "70.00", "85.00", Decimal("-15.00"))]


def test_the_page_shows_each_village_with_its_change_coloured(c, client):
    client.force_login(c.tstaff)
    r = client.get(reverse("metrics:survey_compare"))
    html = r.content.decode()
    assert r.status_code == 200 and r.context["level"] == "village" and r.context["unit"] == c.townships[0]
    assert c.villages[0].name in html and c.villages[1].name in html and c.villages[2].name not in html
    assert '<span class="text-success">▲ +10.00</span>' in html
    assert '<span class="text-danger">▼ -40.00</span>' in html
    assert "70.00%" in html and "▼ -15.00 个百分点" in html    # the township's own card
    r = client.get(reverse("metrics:survey_compare"), {"year": today().year - 1, "subject": "cobuild"})
    html = r.content.decode()
    assert "100.00%" in html and "对基层党组织" not in html.split('id="survey-compare"')[1]


def test_a_village_secretary_sees_its_own_village_and_nothing_else(c, client):
    client.force_login(c.secretary)
    r = client.get(reverse("metrics:survey_compare"), {"unit": c.villages[0].code})
    assert r.status_code == 200 and "90.00%" in r.content.decode() and "▲ +10.00 个百分点" in r.content.decode()
    assert client.get(reverse("metrics:survey_compare"), {"unit": c.villages[1].code}).status_code == 404
    assert client.get(reverse("metrics:survey_compare"), {"campaign": "nope"}).status_code == 404


def test_bad_filters_are_messages_not_errors(c, client):
    client.force_login(c.tstaff)
    r = client.get(reverse("metrics:survey_compare"), {"year": "abc", "level": "x"})
    assert r.status_code == 200 and "年度" in r.content.decode()


def test_the_page_query_count_is_constant(c, client):
    admin = make_user("county", Role.COUNTY_ADMIN, c.county)
    client.force_login(admin)
    url = reverse("metrics:survey_compare") + f"?unit={c.townships[0].code}"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(5):
        v = make_unit(UnitKind.VILLAGE, c.townships[0], name=f"新村{i}")
        make_survey(c.campaign, v, held_on=this_year())
        make_survey(c.campaign, v, held_on=last_year(), subject="cobuild")
    assert count() == small
