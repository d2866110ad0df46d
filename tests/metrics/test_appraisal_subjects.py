"""民主测评 subjects as data (issue 13): a county adds a 测评对象 beyond seed 004's two; its tallies
are entered, imported and compared year on year like the others, and leave the contract's two
satisfaction figures (and so seed 004's table) untouched."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import AppraisalSubject, Survey
from campaigns.services import appraisal_subject_save, campaign_save
from metrics import reports, selectors
from organizations.models import Role
from tests.clock import today
from tests.factories import County, make_survey, make_user

pytestmark = pytest.mark.django_db


def this_year():
    """A day of this year, never after today."""
    return dt.date(today().year, 1, 1)


def last_year():
    """A day of last year."""
    return dt.date(today().year - 1, 6, 15)

HEADER = "code,campaign,unit_code,subject,held_on,satisfied,basically_satisfied,dissatisfied\n"


@pytest.fixture
def c():
    county = County(villages_per_township=2)
    county.campaign, _ = campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                                       start_date=today() - dt.timedelta(days=800))
    county.admin = make_user("cadmin", Role.COUNTY_ADMIN, county.county)
    county.tstaff = make_user("town", Role.TOWNSHIP_STAFF, county.townships[0])
    county.subject, _ = appraisal_subject_save(actor=county.admin, code="village_committee", name="对村民委员会",
                                               order=3)
    return county


def test_the_contract_subjects_are_shipped_and_only_a_county_admin_adds_more(c):
    assert set(AppraisalSubject.objects.values_list("code", flat=True)) >= {"party_org", "cobuild", "village_committee"}
    with pytest.raises(PermissionDenied):
        appraisal_subject_save(actor=c.tstaff, code="work_team", name="对驻村工作队")
    with pytest.raises(ValidationError, match="不能停用"):
        appraisal_subject_save(actor=c.admin, code="party_org", name="对基层党组织", active=False)
    with pytest.raises(ValidationError):
        appraisal_subject_save(actor=c.admin, code="has space", name="空格编码")
    assert not AppraisalSubject.objects.filter(name__in=["对驻村工作队", "空格编码"]).exists()


def test_a_new_subject_is_imported_by_code_or_name_and_leaves_the_contract_figures(c, tmp_path):
    d = (today() - dt.timedelta(days=30)).isoformat()
    v0, v1 = c.villages[0], c.villages[1]
    path = tmp_path / "surveys.csv"
    path.write_text(HEADER + f"S1,bjlbc,{v0.code},party_org,{d},600,60,16\n"
                    f"S2,bjlbc,{v0.code},village_committee,{d},80,10,10\n"
                    f"S3,bjlbc,{v1.code},对村民委员会,{d},40,10,50\n", encoding="utf-8")
    call_command("import_data", "surveys", str(path))
    assert dict(Survey.objects.values_list("code", "subject")) == {
        "S1": "party_org", "S2": "village_committee", "S3": "village_committee"}
    figs = {f.indicator.code: f for f in selectors.figures(c.county)}
    assert figs["satisfaction_party_org"].text == "97.63" and figs["satisfaction_party_org"].denominator == 676
    # an unknown or retired subject: a clear error, nothing written
    appraisal_subject_save(actor=c.admin, subject=c.subject, code="village_committee", name="对村民委员会",
                           active=False)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"S4,bjlbc,{v0.code},village_committee,{d},1,0,0\n"
                   f"S5,bjlbc,{v0.code},everyone,{d},1,0,0\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_data", "surveys", str(bad))
    assert not Survey.objects.filter(code__in=["S4", "S5"]).exists()


def test_year_on_year_for_the_new_subject_by_hand(c):
    v0, v1 = c.villages[0], c.villages[1]
    tally = lambda unit, on, s, b, d: make_survey(   # noqa: E731
        c.campaign, unit, subject="village_committee", held_on=on, satisfied=s, basically_satisfied=b,
        dissatisfied=d)
    tally(v0, this_year(), 80, 10, 10)      # 90.00 % (last year 80.00 %: +10.00)
    tally(v0, last_year(), 70, 10, 20)
    tally(v1, this_year(), 45, 5, 50)       # 50.00 % (last year 90.00 %: −40.00)
    tally(v1, last_year(), 90, 0, 10)
    subjects = reports.survey_subjects("village_committee")
    assert subjects == [("village_committee", "对村民委员会", "satisfaction_village_committee")]
    r0, r1 = reports.survey_years([v0, v1], today().year, subjects)
    (s0,), (s1,) = r0.subjects, r1.subjects
    assert (s0.now.text, s0.now.denominator, s0.last.text, s0.change) == ("90.00", Decimal(100), "80.00", Decimal("10.00"))
    assert (s1.now.text, s1.last.text, s1.change) == ("50.00", "90.00", Decimal("-40.00"))
    (town,) = reports.survey_years([c.townships[0]], today().year, subjects)
    assert [(s.now.text, s.last.text, s.change) for s in town.subjects] == [("70.00", "85.00", Decimal("-15.00"))]
    # the contract's figures know nothing of it
    figs = {f.indicator.code: f for f in selectors.figures(c.county)}
    assert figs["satisfaction_party_org"].denominator == 0


def test_the_pages_show_the_new_subject_with_constant_queries(c, client):
    make_survey(c.campaign, c.villages[0], subject="village_committee", held_on=this_year(), satisfied=80,
                basically_satisfied=10, dissatisfied=10)
    client.force_login(c.tstaff)
    html = client.get(reverse("metrics:survey_compare"), {"subject": "village_committee"}).content.decode()
    assert "对村民委员会" in html and "90.00%" in html
    assert "对村民委员会" in client.get(reverse("metrics:survey_list")).content.decode()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("metrics:survey_compare")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for v in c.villages[1:]:
        make_survey(c.campaign, v, subject="village_committee", held_on=last_year(), satisfied=5, basically_satisfied=1,
                    dissatisfied=1)
    assert count() == few
