"""The workbench (工作台) at ``/``: each role lands on what needs doing now; every count equals the
list it opens, counts are scoped to the user, the query count does not grow with the rows."""

import datetime as dt

import pytest
from django.urls import reverse

from campaigns import services as cs
from organizations.models import Role
from tests.clock import today
from tests.factories import (
    bulk_villages,
    campaign_county,
    make_commitment,
    make_decision,
    make_inspection,
    make_meeting,
    make_pairing,
    make_rectification,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    county = campaign_county()
    county.admin = make_user("county", Role.COUNTY_ADMIN, county.county)
    county.township = make_user("township", Role.TOWNSHIP_STAFF, county.townships[0])
    county.township2 = make_user("township2", Role.TOWNSHIP_STAFF, county.townships[1])
    county.village = make_user("village", Role.VILLAGE_SECRETARY, county.villages[0])
    county.village2 = make_user("village2", Role.VILLAGE_SECRETARY, county.villages[2])
    county.bureau_user = make_user("bureau", Role.BUREAU_LIAISON, county.bureau)
    return county


def submit(c, unit, actor, title="主题党日活动", pairing=None):
    return cs.activity_submit(actor=actor, campaign=c.campaign, date=today() - dt.timedelta(days=3), unit=unit,
                              pairing=pairing, category="org_life", title=title, participants=12)[0]


def work(c):
    """Records in both townships: submitted, returned, overdue commitments and rectifications,
    open decisions."""
    a1 = submit(c, c.villages[0], c.village, "村里的党课")
    submit(c, c.villages[0], c.village, "村里的义诊")
    cs.activity_review(actor=c.township, activity=a1, approve=False, comment="请补充照片")
    submit(c, c.villages[2], c.village2, "别镇的活动")
    for v in (c.villages[0], c.villages[2]):
        make_commitment(c.campaign, v, content=f"{v.name}修路", due_date=today() - dt.timedelta(days=5))
        make_commitment(c.campaign, v, content=f"{v.name}办夜校", due_date=today() + dt.timedelta(days=30))
        meeting = make_meeting(c.campaign, v)
        make_decision(meeting, deadline=today() + dt.timedelta(days=5))
        insp = make_inspection(c.campaign, v)
        make_rectification(insp, responsible_unit=v, deadline=today() - dt.timedelta(days=2))


def todos(resp):
    return {t.key: t for t in resp.context["bench"].todos}


def listed(client, href):
    r = client.get(href)
    assert r.status_code == 200, href
    return r.context["page"].paginator.count


def test_anonymous_goes_to_login(client, c):
    r = client.get("/")
    assert r.status_code == 302 and "login" in r["Location"]


def test_village_secretary_lands_on_the_button_and_the_returned_record(client, c):
    work(c)
    client.force_login(c.village)
    r = client.get("/")
    assert r.status_code == 200
    assert "填报活动" in r.text and reverse("campaigns:activity_create") in r.text
    assert r.context["bench"].big_log and "workbench-log-big" in r.text
    t = todos(r)
    assert t["returned"].count == 1 and "退回待修改的活动" in r.text
    assert "review" not in t                       # a secretary does not review
    assert not r.context["bench"].cards            # no county figures on a village's phone
    for key in ("returned", "commitments", "rectifications", "decisions"):
        assert listed(client, t[key].href) == t[key].count, key
    # the other village's overdue commitment is not counted
    assert t["commitments"].count == 1


def test_township_sees_the_records_waiting_for_review_in_its_township_only(client, c):
    work(c)
    client.force_login(c.township)
    r = client.get("/")
    t = todos(r)
    assert t["review"].count == 1                  # 村里的义诊; the other township's record is not counted
    assert t["review"].href == reverse("campaigns:review_queue")
    assert listed(client, t["review"].href) == 1
    for key in ("commitments", "rectifications", "decisions"):
        assert listed(client, t[key].href) == t[key].count, key
    assert "returned" not in t and "填报活动" in r.text     # nothing returned; township staff may log too


def test_county_sees_headline_figures_and_warnings(client, c):
    work(c)
    client.force_login(c.admin)
    r = client.get("/")
    bench = r.context["bench"]
    assert bench.unit == c.county and bench.cards and bench.warn is not None
    assert "主要指标" in r.text and "预警" in r.text and "逾期承诺" in r.text
    assert bench.warn.overdue_commitments == 2
    assert not bench.big_log and "workbench-log-big" not in r.text   # a small button on a desktop
    assert "silent_pairs" not in todos(r) and bench.warn.pairs["silent"] == 2   # once, among the warnings
    t = todos(r)
    assert t["review"].count == 2 and t["commitments"].count == 2
    for key in ("review", "commitments", "rectifications", "decisions"):
        assert listed(client, t[key].href) == t[key].count, key
    assert listed(client, bench.warn_links["pairs"]) == bench.warn.pairs["silent"]
    # every warning and figure link answers
    for href in bench.warn_links.values():
        assert client.get(href).status_code == 200, href
    for card in bench.cards:
        if card.href:
            assert client.get(card.href).status_code == 200, card.href


def test_bureau_lands_on_its_button_and_pairs(client, c):
    client.force_login(c.bureau_user)
    r = client.get("/")
    assert r.status_code == 200 and "填报活动" in r.text
    t = todos(r)
    assert t["silent_pairs"].count == 1            # its one pair, never logged
    assert listed(client, t["silent_pairs"].href) == 1


def test_empty_state_says_what_to_do_next(client, c):
    client.force_login(c.village2)
    for p in c.pairs:
        cs.activity_submit(actor=None, campaign=c.campaign, date=today() - dt.timedelta(days=1), unit=p.village,
                           pairing=p, category="org_life", title="联合党日", participants=10, verified=True)
    r = client.get("/")
    assert r.context["bench"].pending == 0
    assert "眼下没有待办事项" in r.text and "填报活动" in r.text


def test_user_without_grants_sees_what_to_do(client, c):
    client.force_login(make_user("nobody"))
    r = client.get("/")
    assert r.status_code == 200 and "assign_role" in r.text


@pytest.mark.parametrize("who", ["admin", "township", "village"])
def test_query_count_does_not_grow_with_rows(client, c, who, django_assert_max_num_queries):
    work(c)
    user = getattr(c, who)
    client.force_login(user)
    client.get("/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/")
    # many more rows of every kind
    for v in bulk_villages(c.townships[0], 20):
        make_pairing(c.campaign, c.bureau2, v)
    for i in range(8):
        submit(c, c.villages[0], c.village, f"活动{i}")
        make_commitment(c.campaign, c.villages[0], content=f"承诺{i}", due_date=today() - dt.timedelta(days=3))
        insp = make_inspection(c.campaign, c.villages[1])
        make_rectification(insp, responsible_unit=c.villages[0], deadline=today() - dt.timedelta(days=1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get("/")
    assert r.status_code == 200
