"""Province-sized scopes: the unit and pairing pickers (cobuild.pickers) and their JSON endpoints,
and the capped paginator (cobuild.pagination) of the lists.

- The endpoints answer only what the user may pick (another scope's unit or pairing never
  appears; its id is 404), at most RESULTS_MAX rows, by name or code, with a constant number of
  queries however many units there are.
- Forms keep refusing a posted id outside the user's scope; above the threshold the page holds
  only the selected option (server-rendered, also after a validation error), so the activity
  form of a user with hundreds of units stays small.
- Lists count at most COUNT_CAP + 1 rows: "1,000+" with previous/next beyond, and the same
  number of queries with few and with many rows.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Activity
from cobuild import pickers
from cobuild.pagination import CappedPaginator
from organizations.models import Role, Unit
from tests.campaigns.activity_world import World, days, media  # noqa: F401
from tests.factories import bulk_villages, make_user

pytestmark = pytest.mark.django_db

UNITS = reverse("organizations:unit_lookup")
PAIRINGS = reverse("pairings:pairing_lookup")


@pytest.fixture
def w(media):  # noqa: F811
    return World()


@pytest.fixture
def small_threshold(monkeypatch):
    """Every picker with more than 2 choices searches (the World county is small)."""
    monkeypatch.setattr(pickers, "PLAIN_SELECT_MAX", 2)


def lookup(client, path, **params):
    r = client.get(path, params)
    assert r.status_code == 200, r.status_code
    return r.json()


def texts(data):
    return [row["text"] for row in data["results"]]


def queries(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200
    return len(ctx.captured_queries)


# --- the endpoints -----------------------------------------------------------------------------------

def test_unit_lookup_finds_by_name_and_code_inside_the_scope_only(client, w):
    client.force_login(w.users["township"])  # 第1镇
    own = w.villages[0]
    assert texts(lookup(client, UNITS, q="1村")) == [f"{own.name}({w.townships[0].name})"]
    assert [r["id"] for r in lookup(client, UNITS, q=own.code)["results"]] == [own.pk]
    # 第2镇 and its villages are another township's: never offered, not even by exact code
    assert lookup(client, UNITS, q="第2镇")["results"] == []
    assert lookup(client, UNITS, q=w.villages[2].code)["results"] == []
    assert lookup(client, UNITS, q=w.bureau.name)["results"] == []


def test_unit_lookup_by_id_is_404_outside_the_scope(client, w):
    client.force_login(w.users["township"])
    assert lookup(client, UNITS, id=w.villages[1].pk)["results"][0]["id"] == w.villages[1].pk
    assert client.get(UNITS, {"id": w.villages[2].pk}).status_code == 404
    assert client.get(UNITS, {"id": "x"}).status_code == 404


def test_lookup_sources_are_the_forms_querysets(client, w):
    """The activity form's source offers what the user may log for: a bureau liaison logs at
    its bureau and at its paired village, not at the county."""
    client.force_login(w.users["bureau"])
    ids = {r["id"] for r in lookup(client, UNITS, source="loggable")["results"]}
    assert ids == {w.bureau.pk, w.villages[0].pk}
    assert client.get(UNITS, {"source": "no-such-source"}).status_code == 404


def test_lookup_needs_a_login(client, w):
    r = client.get(UNITS, {"q": "村"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_unit_lookup_is_bounded(client, w):
    bulk_villages(w.townships[0], 60, with_orgs=False)
    client.force_login(w.users["county"])
    data = lookup(client, UNITS, q="批量村")
    assert len(data["results"]) == pickers.RESULTS_MAX and data["more"] is True
    data = lookup(client, UNITS, q="第1镇1")
    assert texts(data) == [f"第1镇1村({w.townships[0].name})"] and data["more"] is False


def test_pairing_lookup_is_scoped_and_matches_code_and_sides(client, w):
    client.force_login(w.users["county"])
    assert [r["id"] for r in lookup(client, PAIRINGS, q="P1")["results"]] == [w.pairing.pk]
    assert {r["id"] for r in lookup(client, PAIRINGS, q="水务")["results"]} == {w.pairing2.pk}
    assert {r["id"] for r in lookup(client, PAIRINGS, q="第1镇")["results"]} == {w.pairing.pk}
    client.force_login(w.users["village2"])  # a village without a pairing sees none
    assert lookup(client, PAIRINGS, q="P")["results"] == []
    assert client.get(PAIRINGS, {"id": w.pairing.pk}).status_code == 404
    client.force_login(w.users["township2"])  # 第2镇: the second pairing's village is theirs
    assert {r["id"] for r in lookup(client, PAIRINGS)["results"]} == {w.pairing2.pk}


def test_unit_lookup_query_count_is_constant(client, w):
    client.force_login(w.users["county"])
    few = queries(client, UNITS, {"q": "村"})
    bulk_villages(w.townships[0], 300, with_orgs=False)
    many = queries(client, UNITS, {"q": "村"})
    assert few == many


def test_pairing_lookup_query_count_is_constant(client, w):
    client.force_login(w.users["county"])
    few = queries(client, PAIRINGS, {"q": "局"})
    from pairings.services import pairing_save

    for i, v in enumerate(bulk_villages(w.townships[0], 25, with_orgs=False)):
        pairing_save(actor=None, code=f"PX{i}", campaign=w.campaign, bureau=w.bureau, village=v,
                     start_date=days(-30))
    many = queries(client, PAIRINGS, {"q": "局"})
    assert few == many


# --- the forms ------------------------------------------------------------------------------------

def activity_form(client):
    r = client.get(reverse("campaigns:activity_create"))
    assert r.status_code == 200
    return r.content.decode()


def unit_select(html):
    return re.search(r'<select name="unit".*?</select>', html, re.S).group(0)


def test_small_scope_keeps_the_plain_select(client, w):
    client.force_login(w.users["county"])
    select = unit_select(activity_form(client))
    assert "data-picker-url" not in select
    assert select.count("<option") == Unit.objects.count() - 2  # all but the province and the city


def test_activity_form_stays_small_for_a_big_scope(client, w):
    bulk_villages(w.townships[0], pickers.PLAIN_SELECT_MAX + 50, with_orgs=False)
    client.force_login(w.users["county"])
    html = activity_form(client)
    select = unit_select(html)
    assert "data-picker-url" in select and "source=loggable" in select
    assert select.count("<option") == 1 and "selected" in select  # only the unit the form starts with
    assert "批量村" not in html
    assert len(html.encode()) < 100_000


def test_selected_unit_survives_a_validation_error(client, w, small_threshold):
    client.force_login(w.users["county"])
    village = w.villages[2]
    r = client.post(reverse("campaigns:activity_create"), {
        "unit": village.pk, "campaign": w.campaign.pk, "date": days(-1).isoformat(), "category": "org_life",
        "title": "", "org-TOTAL_FORMS": "0", "org-INITIAL_FORMS": "0"})
    assert r.status_code == 200 and not Activity.objects.exists()
    select = unit_select(r.content.decode())
    assert "data-picker-url" in select
    assert re.search(rf'<option value="{village.pk}" selected>{village.name}', select)


@pytest.mark.parametrize("threshold", [None, 2])
def test_posting_a_unit_outside_the_scope_is_refused(client, w, monkeypatch, threshold):
    if threshold:
        monkeypatch.setattr(pickers, "PLAIN_SELECT_MAX", threshold)
    client.force_login(w.users["township"])  # 第1镇
    foreign = w.villages[2]  # 第2镇1村
    r = client.post(reverse("campaigns:activity_create"), {
        "unit": foreign.pk, "campaign": w.campaign.pk, "date": days(-1).isoformat(), "category": "org_life",
        "title": "越界填报", "org-TOTAL_FORMS": "0", "org-INITIAL_FORMS": "0"})
    assert r.status_code == 200
    assert not Activity.objects.filter(title="越界填报").exists()
    assert foreign.name not in unit_select(r.content.decode())


def test_list_filters_search_beyond_the_threshold(client, w, monkeypatch):
    monkeypatch.setattr(pickers, "PLAIN_SELECT_MAX", 1)
    w.log()
    client.force_login(w.users["county"])
    r = client.get(reverse("campaigns:activity_list"), {"pairing": w.pairing.pk})
    html = r.content.decode()
    select = re.search(r'<select name="pairing".*?</select>', html, re.S).group(0)
    assert "data-picker-url" in select
    assert select.count("<option") == 2  # 全部结对 and the chosen pairing
    assert "县水务局" not in select
    # a foreign pairing id is an invalid filter, not a leak
    client.force_login(w.users["township"])
    r = client.get(reverse("campaigns:activity_list"), {"pairing": w.pairing2.pk})
    assert r.status_code == 200 and "县水务局" not in r.content.decode()


def test_inspection_form_unit_picker_is_scoped(client, w, small_threshold):
    inspector = make_user("insp1", Role.INSPECTOR, w.townships[0])
    client.force_login(inspector)
    r = client.get(reverse("pairings:inspection_create"))
    assert r.status_code == 200
    assert "source=supervised" in r.content.decode()
    ids = {row["id"] for row in lookup(client, UNITS, source="supervised")["results"]}
    assert w.villages[2].pk not in ids and w.villages[0].pk in ids


# --- the capped paginator ---------------------------------------------------------------------------

@pytest.fixture
def cap_3(monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)


def test_paginator_is_exact_below_the_cap(w):
    p = CappedPaginator(Unit.objects.order_by("path"), 2)
    assert not p.capped and p.count == Unit.objects.count() and p.count_display == str(p.count)
    assert p.num_pages == -(-p.count // 2)


def test_paginator_beyond_the_cap_pages_by_next_and_previous(w, cap_3):
    total = Unit.objects.count()
    p = CappedPaginator(Unit.objects.order_by("path"), 2)
    assert p.capped and p.count == 4 and p.count_display == "3+"
    last = -(-total // 2)
    page = p.get_page(last)  # deeper than the capped count knows: still served
    assert page.number == last and not page.has_next() and page.has_previous()
    assert list(page) == list(Unit.objects.order_by("path"))[(last - 1) * 2:]
    assert p.get_page(2).has_next()
    assert p.get_page(last + 5).number == p.num_pages  # past the end: the last page the count knows
    assert p.get_page("x").number == 1


def test_activity_list_shows_a_capped_count(client, w, cap_3):
    for i in range(5):
        w.log(title=f"活动{i}")
    client.force_login(w.users["county"])
    html = client.get(reverse("campaigns:activity_list")).content.decode()
    assert "共 3+ 条" in html
    with pytest.MonkeyPatch.context() as m:
        m.setattr("campaigns.views_activities.PAGE_SIZE", 2)
        html = client.get(reverse("campaigns:activity_list"), {"page": 3}).content.decode()
        assert "第 3 页,共 3+ 条" in html and "上一页" in html and "下一页" not in html


def test_activity_list_query_count_is_constant(client, w, cap_3):
    """Few rows (exact count) and more rows than the cap (capped count): the same queries."""
    w.log(title="活动一")
    client.force_login(w.users["county"])
    few = queries(client, reverse("campaigns:activity_list"))
    few_unit = queries(client, reverse("campaigns:activity_list"), {"unit": w.townships[0].pk, "q": "活动"})
    for i in range(6):
        w.log(title=f"活动{i}")
    many = queries(client, reverse("campaigns:activity_list"))
    many_unit = queries(client, reverse("campaigns:activity_list"), {"unit": w.townships[0].pk, "q": "活动"})
    assert few == many and few_unit == many_unit
