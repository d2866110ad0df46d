"""The dashboard: scope per role, live figures, drill-down subtotals, rankings, warnings, query counts."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import services as cs
from campaigns.models import Indicator
from metrics import services
from organizations.models import Role, UnitKind
from tests.clock import today
from tests.factories import (
    bulk_villages,
    campaign_county,
    make_inspection,
    make_rectification,
    make_unit,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    county = campaign_county()
    return county


def act(c, unit, days_ago=10, category="org_life", pairing=None, actor=None, outcomes=None):
    verified = actor is None
    return cs.activity_submit(actor=actor, campaign=c.campaign, date=today() - dt.timedelta(days=days_ago), unit=unit,
                              pairing=pairing, category=category, title="共建活动", outcomes=outcomes or {},
                              verified=verified)[0]


def url(**params):
    return reverse("metrics:dashboard") + ("?" + urlencode(params) if params else "")


def card(resp, code):
    return next(k for k in resp.context["cards"] if k.figure.indicator.code == code)


def figure(resp, code):
    return next(f for f in resp.context["figures"] if f.indicator.code == code).value


# --- access ------------------------------------------------------------------------------------

def test_anonymous_goes_to_login(client, c):
    r = client.get(url())
    assert r.status_code == 302 and "login" in r["Location"]


@pytest.mark.parametrize("role,where,default", [
    (Role.COUNTY_ADMIN, "county", "county"),
    (Role.TOWNSHIP_STAFF, "township", "township"),
    (Role.VILLAGE_SECRETARY, "village", "village"),
    (Role.BUREAU_LIAISON, "bureau", "bureau"),
    (Role.VIEWER, "county", "county"),
])
def test_each_role_sees_its_scope_root_by_default(client, c, role, where, default):
    units = {"county": c.county, "township": c.townships[0], "village": c.villages[0], "bureau": c.bureau}
    client.force_login(make_user("u", role, units[where]))
    r = client.get(url())
    assert r.status_code == 200
    assert r.context["unit"] == units[default]
    assert r.context["campaign"] == c.campaign          # the county's campaign is everyone's there
    assert f"{units[default].name} 工作看板" in r.content.decode()


@pytest.mark.parametrize("role,where,outside", [
    (Role.TOWNSHIP_STAFF, "township", "county"),
    (Role.TOWNSHIP_STAFF, "township", "other_township"),
    (Role.VILLAGE_SECRETARY, "village", "township"),
    (Role.VILLAGE_SECRETARY, "village", "other_village"),
    (Role.BUREAU_LIAISON, "bureau", "county"),
    (Role.BUREAU_LIAISON, "bureau", "village"),
])
def test_out_of_scope_is_404(client, c, role, where, outside):
    units = {"county": c.county, "township": c.townships[0], "other_township": c.townships[1],
             "village": c.villages[0], "other_village": c.villages[1], "bureau": c.bureau}
    client.force_login(make_user("u", role, units[where]))
    assert client.get(url(unit=units[outside].pk)).status_code == 404


def test_township_may_open_its_villages_and_county_any_unit(client, c):
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    assert client.get(url(unit=c.villages[1].pk)).status_code == 200
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    for u in (c.townships[1], c.villages[3], c.bureau2):
        assert client.get(url(unit=u.pk)).status_code == 200


def test_unknown_campaign_or_bad_dates_are_404(client, c):
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    assert client.get(url(campaign="nope")).status_code == 404
    assert client.get(url(**{"from": "2025-13-01"})).status_code == 404


# --- live figures ------------------------------------------------------------------------------

def test_a_new_activity_logged_as_village_changes_township_and_county_on_next_load(client, c):
    secretary = make_user("sec", Role.VILLAGE_SECRETARY, c.villages[0])
    admin = make_user("k", Role.COUNTY_ADMIN, c.county)
    client.force_login(admin)
    before_county = client.get(url(unit=c.county.pk))
    before_town = client.get(url(unit=c.townships[0].pk))
    assert figure(before_county, "activities") == 0 and figure(before_town, "activities") == 0
    act(c, c.villages[0], category="tech_to_countryside", actor=secretary, outcomes={"people_trained": 30})
    after_county = client.get(url(unit=c.county.pk))
    after_town = client.get(url(unit=c.townships[0].pk))
    for r in (after_county, after_town):
        assert figure(r, "activities") == 1
        assert figure(r, "tech_visits") == 1
        assert figure(r, "people_trained") == 30
    assert figure(client.get(url(unit=c.townships[1].pk)), "activities") == 0
    # the card links to the records behind it
    assert card(after_town, "activities").href.startswith(reverse("campaigns:activity_list") + f"?unit={c.townships[0].pk}")


def test_period_filters_the_figures(client, c):
    act(c, c.villages[0], days_ago=100)
    act(c, c.villages[0], days_ago=5)
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    r = client.get(url(**{"from": (today() - dt.timedelta(days=30)).isoformat(), "to": today().isoformat()}))
    assert figure(r, "activities") == 1
    assert figure(client.get(url()), "activities") == 2


# --- targets on the dashboard ------------------------------------------------------------------

def test_cards_show_progress_against_targets(client, c):
    services.target_save(actor=None, campaign=c.campaign, unit=c.county,
                         indicator=Indicator.objects.get(code="activities"), value=10)
    for _ in range(3):
        act(c, c.villages[0])
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    r = client.get(url())
    p = card(r, "activities").progress
    # 300 of 365 days gone (82 %): 3 of 10 is far behind
    assert p.percent == 30 and p.rag == "red" and round(p.expected) == 82
    assert "严重滞后" in r.content.decode()


# --- drill-down --------------------------------------------------------------------------------

def test_drill_down_subtotal_equals_the_parent_where_children_partition_it(client, c):
    t = c.townships[0]
    act(c, c.villages[0], category="org_life")
    act(c, c.villages[0], category="tech_to_countryside", outcomes={"problems_solved": 3})
    act(c, c.villages[1], category="org_life", outcomes={"problems_solved": 2})
    cs.commitment_save(actor=None, code="C1", campaign=c.campaign, unit=c.villages[1], content="修路",
                       made_on=today() - dt.timedelta(days=20), status="done",
                       completed_on=today() - dt.timedelta(days=2))
    cs.commitment_save(actor=None, code="C2", campaign=c.campaign, unit=c.villages[0], content="建广场",
                       made_on=today() - dt.timedelta(days=20))
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, t))
    r = client.get(url(unit=t.pk))
    rows = r.context["drill"]
    sub = next(x for x in rows if x.kind == "subtotal")
    total = next(x for x in rows if x.kind == "total")
    assert [f.text for f in sub.figures] == [f.text for f in total.figures]
    by_code = {f.indicator.code: f.text for f in total.figures}
    assert by_code["activities"] == "3" and by_code["problems_solved"] == "5"
    assert by_code["commitment_rate"] == "50.00"       # a rate from summed parts, not averaged
    assert {f.indicator.code: f.text for f in sub.figures}["pairings"] == "1"
    # the parent's own card says the same
    assert figure(r, "activities") == 3


def test_drill_down_at_county_counts_a_pairing_once_in_the_total(client, c):
    act(c, c.villages[0], pairing=c.pairs[0])   # under 第1镇 and under 县农业局
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    rows = client.get(url()).context["drill"]
    act_of = {r.label: next(f.text for f in r.figures if f.indicator.code == "activities") for r in rows}
    assert act_of["第1镇"] == "1" and act_of["县农业局"] == "1" and act_of["测试县合计"] == "1"


# --- rankings ----------------------------------------------------------------------------------

def test_rankings_show_the_change_from_the_previous_period(client, c):
    # The period: the last 30 days; the previous: the 30 days before.
    t1, t2 = c.townships
    for _ in range(3):
        act(c, c.villages[0], days_ago=40)            # 第1镇 led last period
    act(c, c.villages[2], days_ago=45)
    act(c, c.villages[0], days_ago=10)
    for _ in range(2):
        act(c, c.villages[3], days_ago=5)             # 第2镇 leads now
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    r = client.get(url(**{"from": (today() - dt.timedelta(days=29)).isoformat(), "to": today().isoformat(),
                          "window": "period", "rank": "activities"}))
    ranks = {rk.key: rk for rk, _ in r.context["rank_charts"]}
    towns = ranks["township"].rows
    assert [(x.unit, x.value, x.previous, x.position, x.previous_position) for x in towns] == [
        (t2, 2, 1, 1, 2), (t1, 1, 3, 2, 1)]
    assert towns[0].moved == 1 and towns[0].change == 1
    assert towns[1].moved == -1 and towns[1].change == -2
    assert r.context["prev_to"] == today() - dt.timedelta(days=30)
    villages = ranks["village"].rows
    assert villages[0].unit == c.villages[3] and villages[0].value == 2
    assert "↑1" in r.content.decode()


def test_rankings_of_bureaus(client, c):
    act(c, c.villages[0], pairing=c.pairs[0], days_ago=3)
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    r = client.get(url(window="30"))
    ranks = {rk.key: rk for rk, _ in r.context["rank_charts"]}
    assert ranks["bureau"].rows[0].unit == c.bureau and ranks["bureau"].rows[0].value == 1


# --- warnings ----------------------------------------------------------------------------------

def test_warnings_count_silent_pairs_villages_overdue_and_gaps(client, c):
    act(c, c.villages[0], pairing=c.pairs[0], days_ago=3)
    cs.commitment_save(actor=None, code="C1", campaign=c.campaign, unit=c.villages[1], content="修路",
                       made_on=today() - dt.timedelta(days=90), due_date=today() - dt.timedelta(days=1))
    insp = make_inspection(c.campaign, c.villages[2], held_on=today() - dt.timedelta(days=60))
    make_rectification(insp, deadline=today() - dt.timedelta(days=5))
    make_unit(UnitKind.VILLAGE, c.townships[1], name="空白村")          # no organisations: a gap
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    r = client.get(url())
    w = r.context["warn"]
    assert w.pairs["total"] == 2 and w.pairs["silent"] == 1           # the second pair never logged
    assert w.villages_total == 5 and w.silent_villages == 4
    assert w.overdue_commitments == 1 and w.overdue_rectifications == 1
    assert w.blank_spots >= 1
    assert r.context["warn_links"]["coverage"] == reverse("organizations:coverage", args=[c.county.pk])
    # a township sees only its own
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    w = client.get(url()).context["warn"]
    assert w.overdue_commitments == 1 and w.overdue_rectifications == 0 and w.pairs["total"] == 1


def test_silent_pairs_today_and_on_a_past_day(c):
    """Today's list reads the pairs' last activity as kept on the pair; a past day's list asks
    their activities: both give the pairs never logged first, then the longest silent."""
    from metrics import figures

    act(c, c.villages[0], pairing=c.pairs[0], days_ago=45)
    p0, p1 = c.pairs[0], c.pairs[1]
    listed = lambda day: [(p.code, p.last_activity) for p in figures.silent_pairs(c.county, c.campaign, day)]  # noqa: E731
    assert listed(today()) == [(p1.code, None), (p0.code, today() - dt.timedelta(days=45))]
    act(c, c.villages[0], pairing=p0, days_ago=0)
    assert listed(today()) == [(p1.code, None)]
    # yesterday the pair logged today was still silent, its last activity 45 days before
    assert listed(today() - dt.timedelta(days=1)) == [(p1.code, None), (p0.code, today() - dt.timedelta(days=45))]


# --- charts ------------------------------------------------------------------------------------

def test_charts_are_inline_svg_without_scripts(client, c):
    act(c, c.villages[0], days_ago=40)
    act(c, c.villages[2], days_ago=5)
    client.force_login(make_user("k", Role.COUNTY_ADMIN, c.county))
    html = client.get(url()).content.decode()
    assert html.count("<svg") >= 4 and "<script src=\"http" not in html
    assert "metrics.css" in html


# --- query counts ------------------------------------------------------------------------------

def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url(**params))
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_is_constant(client, c):
    admin = make_user("k", Role.COUNTY_ADMIN, c.county)
    activities = Indicator.objects.get(code="activities")
    services.target_save(actor=None, campaign=c.campaign, unit=c.county, indicator=activities, value=10)
    for kind, value in (("township", 20), ("village", 2)):
        services.targets_apply(actor=None, campaign=c.campaign, parent=c.county, kind=kind, indicator=activities,
                               value=value)
    act(c, c.villages[0])
    client.force_login(admin)
    pages = [{}, {"unit": c.townships[0].pk}, {"unit": c.villages[0].pk}, {"unit": c.bureau.pk, "window": "period"}]
    few = [_queries(client, p) for p in pages]
    new = bulk_villages(c.townships[0], 120) + bulk_villages(c.townships[1], 80)
    for i in range(6):
        make_unit(UnitKind.BUREAU, c.county, name=f"局{i}")
    services.targets_apply(actor=None, campaign=c.campaign, parent=c.county, kind="village",  # 200 more
                           indicator=activities, value=2)
    for i, v in enumerate(new[:25]):
        act(c, v, days_ago=1 + i * 7, outcomes={"problems_solved": 1})
    act(c, c.villages[0], pairing=c.pairs[0])
    cs.commitment_save(actor=None, code="C1", campaign=c.campaign, unit=c.villages[1], content="修路",
                       made_on=today() - dt.timedelta(days=90), due_date=today() - dt.timedelta(days=1))
    many = [_queries(client, p) for p in pages]
    assert few == many
    assert max(many) <= 43   # a period in up to three index ranges (selectors.period_parts), keys named (rollup.summary_keys)
    assert figure(client.get(url()), "problems_solved") == Decimal(25)
