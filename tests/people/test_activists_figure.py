"""The register's new 入党积极分子 (推优/发展 records) beside the reported outcome activists_added on
the dashboard: shown, and flagged when they differ, only where the register holds such records."""

import datetime as dt

import pytest
from django.utils import timezone

from metrics import figures
from organizations.models import OrgKind
from people.selectors import mass_orgs_for
from tests.factories import PersonFactory, campaign_county, make_activity, make_step, make_user

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() - dt.timedelta(days=n)


def test_register_activists_beside_the_reported_figure(client):
    c = campaign_county(days_before=200)
    v, other = c.villages[0], c.villages[2]
    branch = v.organizations.get(kind=OrgKind.PARTY_BRANCH)
    make_activity(c.campaign, v, date=days(20), outcomes={"activists_added": 3}, verified=True)
    make_activity(c.campaign, other, date=days(20), outcomes={"activists_added": 1}, verified=True)
    league = mass_orgs_for(v).first()
    for name, ago in (("甲", 30), ("乙", 10), ("丙", 400)):
        person = PersonFactory(unit=v, name=name, status="league_member", branch=branch)
        make_step(person, "recommended", days(ago + 5), recommended_by=league)
        make_step(person, "activist", days(ago))

    summary = figures.summary(v, c.campaign, days(100), days(0))
    assert (summary.activists_added, summary.activists_registered, summary.activists_disagree) == (3, 2, True)
    county = figures.summary(c.county, c.campaign, days(100), days(0))
    assert (county.activists_added, county.activists_registered) == (4, 2)
    assert figures.summary(other, c.campaign, days(100), days(0)).activists_registered == 0

    client.force_login(make_user("cty", "county_admin", c.county))
    url = f"/metrics/dashboard/?unit={v.pk}&from={days(100)}&to={days(0)}"
    html = client.get(url).content.decode()
    assert "名册登记 <span data-code=\"activists_registered\">2</span> 名" in html
    assert "填报与名册不一致" in html
    # A village whose register holds no such record shows the reported figure alone.
    html = client.get(f"/metrics/dashboard/?unit={other.pk}&from={days(100)}&to={days(0)}").content.decode()
    assert "activists_registered" not in html and "填报与名册不一致" not in html
