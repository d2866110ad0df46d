"""The matrix: record counts in a period, green/amber/red silence marks, the silent list and its
export, scope, constant query counts."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from organizations.models import Role
from pairings import selectors, services
from pairings.models import Pairing
from pairings.workbooks import SILENT_HEADERS
from tests.clock import today
from tests.factories import log_activity, make_campaign, make_pairing, make_unit, make_user
from tests.pairings.world import (
    build_world,
    count_queries,
    days_ago,
    log_everything,
    many_pairs,
    visit,
)

pytestmark = pytest.mark.django_db

MATRIX = reverse("pairings:matrix")
SILENT = reverse("pairings:silent_xlsx")


@pytest.fixture
def w():
    return build_world()


@pytest.fixture
def admin(client, w):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    return client


def rows(r):
    return {p.code: p for p in r.context["page"]}


def workbook(r):
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(r.content))


def marked_pairs(w):
    """A pair for each boundary of the marks: last activity 0, 30, 31, 60, 61 days ago, and never
    (that one had a leader visit today: a visit is no co-building activity)."""
    from organizations.models import UnitKind

    out = {}
    for i, ago in enumerate((0, 30, 31, 60, 61, None)):
        village = make_unit(UnitKind.VILLAGE, w.townships[1], name=f"边界村{i}")
        bureau = make_unit(UnitKind.BUREAU, w.county, name=f"边界局{i}")
        p = make_pairing(w.campaign, bureau, village, code=f"M{i}")
        if ago is not None:
            log_activity(w, p, ago)
        else:
            visit(w, p, 0)
        out[ago] = p
    return out


def test_silence_marks_follow_the_last_activity(admin, w):
    pairs = marked_pairs(w)
    r = admin.get(MATRIX)
    got = rows(r)
    expected = {0: "green", 30: "green", 31: "amber", 60: "amber", 61: "red", None: "red"}
    for ago, mark in expected.items():
        p = pairs[ago]
        assert got[p.code].mark == mark, ago
        p.refresh_from_db()
        assert p.silence() == mark  # the SQL mark agrees with the model's rule
    # P-A and P-B have never logged anything; M5's leader visit of today leaves it red.
    assert got["P-A"].mark == got["P-B"].mark == "red"
    assert r.context["summary"] == {"total": 8, "green": 2, "amber": 2, "red": 4, "silent": 6}
    assert 'data-summary="green">2<' in r.text and 'data-summary="red">4<' in r.text
    assert "mx-tile mx-amber" in r.text


def test_marks_are_computed_for_a_given_day(w):
    log_activity(w, w.pa, 10)
    base = selectors.matrix_base(make_user("c", Role.COUNTY_ADMIN, w.county))
    assert selectors.silence_summary(base, today())["green"] == 1
    assert selectors.silence_summary(base, today() + dt.timedelta(days=30))["amber"] == 1
    assert selectors.silence_summary(base, today() + dt.timedelta(days=60))["red"] == 2
    marks = {p.code: p.mark for p in selectors.matrix_rows(base, today=today() + dt.timedelta(days=25))}
    assert marks == {"P-A": "amber", "P-B": "red"}


def test_counts_in_the_period(admin, w):
    log_everything(w, w.pa, ago=3)  # one record of each of the 7 built-in sources
    visit(w, w.pa, 50)
    visit(w, w.pb, 50)
    r = admin.get(MATRIX, {"from": days_ago(10).isoformat(), "to": today().isoformat()})
    got = rows(r)
    assert got["P-A"].n_records == 7 and got["P-B"].n_records == 0
    assert got["P-A"].n_activities == 1 and got["P-A"].n_leader_visits == 1
    r = admin.get(MATRIX, {"from": days_ago(60).isoformat(), "to": days_ago(40).isoformat()})
    got = rows(r)
    assert got["P-A"].n_records == 1 and got["P-B"].n_records == 1
    r = admin.get(MATRIX, {"from": "", "to": ""})
    assert rows(r)["P-A"].n_records == 8


def test_default_period_is_the_current_year(admin, w):
    last_year = dt.date(today().year - 1, 12, 31)
    services.inspection_save(actor=None, campaign=w.campaign, unit=w.villages[0], pairing=w.pa,
                             kind="leader_visit", held_on=last_year)
    visit(w, w.pa, 0)
    r = admin.get(MATRIX)
    assert r.context["date_from"] == dt.date(today().year, 1, 1) and r.context["date_to"] == today()
    assert rows(r)["P-A"].n_records == 1


def test_sorting_and_mark_filter(admin, w):
    log_activity(w, w.pa, 40)
    log_activity(w, w.pb, 1)
    log_activity(w, w.pb, 2, verified=False)  # submitted, awaiting review: counts too
    codes = lambda r: [p.code for p in r.context["page"]]  # noqa: E731
    assert codes(admin.get(MATRIX)) == ["P-B", "P-A"]  # most records first
    assert codes(admin.get(MATRIX, {"sort": "count"})) == ["P-A", "P-B"]
    assert codes(admin.get(MATRIX, {"sort": "last"})) == ["P-A", "P-B"]  # longest silent first
    assert codes(admin.get(MATRIX, {"sort": "-last"})) == ["P-B", "P-A"]
    by_village = sorted([w.pa, w.pb], key=lambda p: p.village.name)
    assert codes(admin.get(MATRIX, {"sort": "village"})) == [p.code for p in by_village]
    assert codes(admin.get(MATRIX, {"mark": "amber"})) == ["P-A"]
    assert codes(admin.get(MATRIX, {"mark": "green"})) == ["P-B"]
    assert codes(admin.get(MATRIX, {"mark": "red"})) == []
    r = admin.get(MATRIX, {"mark": "amber"})
    assert r.context["summary"]["total"] == 2  # the summary counts every mark


def test_a_large_matrix_is_ordered_by_latest_activity_and_reads_counts_for_its_page(admin, w, monkeypatch):
    """Above COUNT_SORT_MAX pairs the default order is the latest activity (no count of every
    pair needed); the page's counts and marks are those of the count order, which stays one
    click away; the silent tab lists the same pairs in the same order either way."""
    log_activity(w, w.pa, 40)
    log_activity(w, w.pb, 1)
    log_activity(w, w.pb, 2, verified=False)
    codes = lambda r: [p.code for p in r.context["page"]]  # noqa: E731
    small = admin.get(MATRIX)
    assert codes(small) == ["P-B", "P-A"] and "matrix-sort-note" not in small.text
    assert codes(admin.get(MATRIX, {"tab": "silent"})) == ["P-A"]   # 40 days: amber
    monkeypatch.setattr(selectors, "COUNT_SORT_MAX", 1)
    assert codes(admin.get(MATRIX, {"tab": "silent"})) == ["P-A"]
    log_activity(w, w.pa, 0)   # P-A is now the latest, P-B still has more records
    log_activity(w, w.pb, 5)
    r = admin.get(MATRIX)
    assert codes(r) == ["P-A", "P-B"] and r.context["sort"] == "-last"
    assert "结对较多(共 2 对),默认按最近活动排序" in r.text
    by_count = admin.get(MATRIX, {"sort": "-count"})
    assert codes(by_count) == ["P-B", "P-A"] and "matrix-sort-note" not in by_count.text
    assert {p.code: (p.n_records, p.n_activities, p.mark) for p in r.context["page"]} == {
        p.code: (p.n_records, p.n_activities, p.mark) for p in by_count.context["page"]} == {
        "P-A": (2, 2, "green"), "P-B": (3, 3, "green")}
    # filtering by township keeps no stale sort: the form carries the sort only when it was chosen
    assert 'name="sort"' not in r.text.split('id="matrix-sort-note"')[0].split("<form")[1]
    assert 'name="sort" value="-count"' in by_count.text
    assert codes(admin.get(MATRIX, {"tab": "silent"})) == []


def test_the_township_filter_searches_when_a_province_has_many(admin, w, monkeypatch):
    """The township filter offers the townships of the user's pairs: a plain select while they are
    few, above PLAIN_SELECT_MAX a search box over the unit picker's endpoint, which answers only
    those townships; the chosen one stays selected and filters; another county's is ignored."""
    from cobuild import pickers
    from organizations.models import UnitKind

    t0, t1 = w.townships[0], w.townships[1]
    plain = admin.get(MATRIX).text
    assert f'<option value="{t0.pk}">{t0.name}</option>' in plain and "data-picker-url" not in plain
    monkeypatch.setattr(pickers, "PLAIN_SELECT_MAX", 1)
    r = admin.get(MATRIX, {"township": t1.pk})
    assert {p.code for p in r.context["page"]} == {"P-B"}
    select = r.text.split('name="township"')[1].split("</select>")[0]
    assert "source=pair_townships" in select and f'value="{t1.pk}" selected' in select and f'value="{t0.pk}"' not in select
    found = admin.get(reverse("organizations:unit_lookup"), {"source": "pair_townships", "q": ""}).json()
    assert {row["id"] for row in found["results"]} == {t0.pk, t1.pk}   # the townships of the county's pairs
    elsewhere = make_unit(UnitKind.TOWNSHIP, make_unit(UnitKind.COUNTY, name="邻县"), name="邻县镇")
    assert admin.get(reverse("organizations:unit_lookup"), {"source": "pair_townships", "id": elsewhere.pk}).status_code == 404
    assert {p.code for p in admin.get(MATRIX, {"township": elsewhere.pk}).context["page"]} == {"P-A", "P-B"}
    assert {p.code for p in admin.get(reverse("pairings:register"), {"township": t0.pk}).context["page"]} == {"P-A"}


def test_filters_campaign_township_status(admin, w):
    other = make_campaign(w.county, slug="other", name="城乡手拉手")
    pc = make_pairing(other, w.bureau, w.villages[1], code="P-C")
    codes = lambda r: {p.code for p in r.context["page"]}  # noqa: E731
    assert codes(admin.get(MATRIX)) == {"P-A", "P-B", "P-C"}
    assert codes(admin.get(MATRIX, {"campaign": other.pk})) == {"P-C"}
    assert codes(admin.get(MATRIX, {"township": w.townships[1].pk})) == {"P-B"}
    services.pairing_end(actor=None, pairing=pc, end_date=days_ago(1))
    assert codes(admin.get(MATRIX)) == {"P-A", "P-B"}  # active pairs by default
    assert codes(admin.get(MATRIX, {"status": "all"})) == {"P-A", "P-B", "P-C"}
    assert codes(admin.get(MATRIX, {"status": "ended"})) == {"P-C"}


def test_scope_of_the_matrix_and_silent_export(client, w):
    outsider_county = make_unit("county", w.city, name="邻县")
    outsider_campaign = make_campaign(outsider_county, slug="nb")
    from organizations.models import UnitKind

    t = make_unit(UnitKind.TOWNSHIP, outsider_county, name="邻县镇")
    make_pairing(outsider_campaign, make_unit(UnitKind.BUREAU, outsider_county, name="邻县局"),
                 make_unit(UnitKind.VILLAGE, t, name="邻县村"), code="P-X")
    client.force_login(make_user("b", Role.BUREAU_LIAISON, w.bureau))
    r = client.get(MATRIX)
    assert set(rows(r)) == {"P-A"} and r.context["summary"]["total"] == 1
    r = client.get(MATRIX, {"campaign": outsider_campaign.pk, "township": w.townships[1].pk})
    assert set(rows(r)) == {"P-A"}  # ids outside the scope are ignored
    ws = workbook(client.get(SILENT)).active
    assert [row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[1]] == ["P-A"]
    client.force_login(make_user("i", Role.INSPECTOR, w.county))
    assert set(rows(client.get(MATRIX))) == {"P-A", "P-B"}
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, w.villages[2]))
    assert set(rows(client.get(MATRIX))) == {"P-B"}


def test_silent_list_shows_both_sides_contacts(admin, w):
    log_activity(w, w.pa, 45)
    visit(w, w.pb, 1)  # a leader visit does not take P-B off the list
    pc = make_pairing(w.campaign, w.bureau_b, w.villages[1], code="P-C")
    log_activity(w, pc, 5)
    r = admin.get(MATRIX, {"tab": "silent"})
    assert [p.code for p in r.context["page"]] == ["P-B", "P-A"]  # no activity ever, then the oldest
    assert r.context["summary"]["silent"] == 2
    assert 'href="tel:13800001111"' in r.text and 'href="tel:13900002222"' in r.text
    assert "45 天无共建活动" in r.text and "从无共建活动" in r.text and "P-C" not in r.text


def test_silent_export(admin, w):
    log_activity(w, w.pa, 45)
    visit(w, w.pb, 1)  # a leader visit does not take P-B off the list
    pc = make_pairing(w.campaign, w.bureau_b, w.villages[1], code="P-C")
    log_activity(w, pc, 5)
    r = admin.get(SILENT)
    assert "attachment" in r["Content-Disposition"]
    ws = workbook(r).active
    assert ws.title == "沉默对子"
    assert [c.value for c in ws[1]] == SILENT_HEADERS
    data = [row for row in ws.iter_rows(min_row=2, values_only=True) if row[1]]
    assert [row[1] for row in data] == ["P-B", "P-A"]
    pa = dict(zip(SILENT_HEADERS, data[1], strict=True))
    assert pa["预警"] == "黄色预警" and pa["无活动天数"] == 45 and pa["村联系人"] == "李书记"
    assert pa["村联系电话"] == "13900002222" and pa["单位联系人"] == "王联络" and pa["单位联系电话"] == "13800001111"
    assert dict(zip(SILENT_HEADERS, data[0], strict=True))["无活动天数"] == "从无活动"
    # The export follows the page's filters.
    ws = workbook(admin.get(SILENT, {"township": w.townships[1].pk})).active
    assert [row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[1]] == ["P-B"]


def test_empty_matrix(client, w):
    Pairing.objects.all().delete()
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    r = client.get(MATRIX)
    assert r.status_code == 200 and "还没有结对共建对子" in r.text
    assert workbook(client.get(SILENT)).active.max_row >= 1


@pytest.mark.parametrize("params", [{}, {"tab": "silent"}, {"sort": "last", "mark": "red"}])
def test_matrix_query_count_is_constant(admin, w, params):
    log_everything(w, w.pa, ago=3)
    log_activity(w, w.pb, 45)
    make_pairing(w.campaign, w.bureau_b, w.villages[1], code="P-C")  # never logged: red
    few = count_queries(admin, MATRIX, params)
    few_xlsx = count_queries(admin, SILENT, params)
    for i, p in enumerate(many_pairs(w, 60)):
        if i % 3 == 0:
            log_activity(w, p, 2)
        elif i % 3 == 1:
            log_activity(w, p, 45)
    log_everything(w, w.pb, ago=70, n=3)
    assert count_queries(admin, MATRIX, params) == few
    assert count_queries(admin, SILENT, params) == few_xlsx
