"""The pairing register and the pair's ledger (共建工作台帐): scope per role, search and filters, the
ledger's sources and totals, the workbook, constant query counts."""

import io

import pytest
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from organizations.models import Role
from pairings import ledger, services
from pairings.models import Inspection
from tests.factories import log_activity, make_campaign, make_pairing, make_user
from tests.pairings.world import (
    build_world,
    count_queries,
    days_ago,
    log_everything,
    many_pairs,
    visit,
)

pytestmark = pytest.mark.django_db

REGISTER = reverse("pairings:register")


@pytest.fixture
def w():
    return build_world()


def detail(p):
    return reverse("pairings:detail", args=[p.pk])


def xlsx(p):
    return reverse("pairings:ledger_xlsx", args=[p.pk])


def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


# --- access per role ---------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, w):
    for path in (REGISTER, detail(w.pa), xlsx(w.pa), reverse("pairings:matrix"), reverse("pairings:silent_xlsx")):
        r = client.get(path)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/"), path


def test_county_admin_sees_every_pair_of_the_county(client, w):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    r = client.get(REGISTER)
    assert "P-A" in r.text and "P-B" in r.text
    for p in (w.pa, w.pb):
        assert client.get(detail(p)).status_code == 200
        assert client.get(xlsx(p)).status_code == 200


def test_inspector_of_the_county_sees_every_pair(client, w):
    client.force_login(make_user("i", Role.INSPECTOR, w.county))
    r = client.get(REGISTER)
    assert "P-A" in r.text and "P-B" in r.text
    assert client.get(detail(w.pb)).status_code == 200


def test_bureau_liaison_sees_only_its_own_pairs(client, w):
    client.force_login(make_user("b", Role.BUREAU_LIAISON, w.bureau))
    r = client.get(REGISTER)
    assert "P-A" in r.text and "P-B" not in r.text and w.bureau_b.name not in r.text
    assert client.get(detail(w.pa)).status_code == 200
    assert client.get(xlsx(w.pa)).status_code == 200
    # Another bureau's pair, its ledger and its workbook do not exist for this user.
    assert client.get(detail(w.pb)).status_code == 404
    assert client.get(xlsx(w.pb)).status_code == 404
    assert client.get(xlsx(w.pb), {"from": "", "to": ""}).status_code == 404


def test_village_secretary_sees_only_their_villages_pair(client, w):
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, w.villages[2]))
    r = client.get(REGISTER)
    assert "P-B" in r.text and "P-A" not in r.text
    assert client.get(detail(w.pb)).status_code == 200
    assert client.get(detail(w.pa)).status_code == 404
    assert client.get(xlsx(w.pa)).status_code == 404


def test_township_staff_sees_the_pairs_of_their_villages(client, w):
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, w.townships[0]))
    r = client.get(REGISTER)
    assert "P-A" in r.text and "P-B" not in r.text
    assert client.get(detail(w.pb)).status_code == 404


def test_a_missing_pair_is_404(client, w):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    assert client.get(reverse("pairings:detail", args=[999999])).status_code == 404


# --- the register ------------------------------------------------------------------------------------

def test_search_by_code_unit_village_and_contact(client, w):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    for q, hit, miss in (("P-A", "P-A", "P-B"), ("水务", "P-B", "P-A"), (w.villages[0].name, "P-A", "P-B"),
                         ("王联络", "P-A", "P-B"), ("赵书记", "P-B", "P-A"), ("1390000222", "P-A", "P-B")):
        r = client.get(REGISTER, {"q": q})
        assert hit in r.text and miss not in r.text, q


def test_filters_township_status_campaign(client, w):
    other = make_campaign(w.county, slug="other", name="城乡手拉手")
    pc = make_pairing(other, w.bureau, w.villages[1], code="P-C")
    services.pairing_end(actor=None, pairing=pc, end_date=days_ago(1))
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    r = client.get(REGISTER, {"township": w.townships[1].pk})
    assert "P-B" in r.text and "P-A" not in r.text and "P-C" not in r.text
    r = client.get(REGISTER, {"status": "ended"})
    assert "P-C" in r.text and "P-A" not in r.text
    r = client.get(REGISTER, {"campaign": other.pk})
    assert "P-C" in r.text and "P-A" not in r.text and "P-B" not in r.text
    # The choices are the user's own: both townships and both campaigns.
    assert [u.pk for u in r.context["choices"].townships] == [t.pk for t in w.townships]
    assert {c.pk for c in r.context["choices"].campaigns} == {w.campaign.pk, other.pk}


def test_filter_ids_outside_the_scope_are_refused(client, w):
    client.force_login(make_user("b", Role.BUREAU_LIAISON, w.bureau))
    r = client.get(REGISTER, {"township": w.townships[1].pk})  # P-B's township, not the liaison's
    assert r.status_code == 200
    assert [u.pk for u in r.context["choices"].townships] == [w.townships[0].pk]
    assert "P-B" not in r.text and "P-A" in r.text  # the bad value is ignored, scope still applies
    assert "township" in r.context["form"].errors
    r = client.get(REGISTER, {"township": "abc", "campaign": "999999", "status": "nope", "sort": "pk"})
    assert r.status_code == 200 and "P-A" in r.text


def test_sorting(client, w):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    log_activity(w, w.pb, 3)
    codes = lambda r: [p.code for p in r.context["page"]]  # noqa: E731
    assert codes(client.get(REGISTER)) == ["P-A", "P-B"]
    assert codes(client.get(REGISTER, {"sort": "-code"})) == ["P-B", "P-A"]
    assert codes(client.get(REGISTER, {"sort": "bureau"})) == sorted(
        ["P-A", "P-B"], key=lambda c: {"P-A": w.bureau.name, "P-B": w.bureau_b.name}[c])
    assert codes(client.get(REGISTER, {"sort": "-last"})) == ["P-B", "P-A"]  # never logged last
    assert codes(client.get(REGISTER, {"sort": "last"})) == ["P-A", "P-B"]  # never logged first


def test_rows_show_marks_and_pagination(client, w):
    log_activity(w, w.pa, 3)
    visit(w, w.pb, 3)  # a leader visit is no co-building activity: P-B stays red
    many_pairs(w, 55)
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    r = client.get(REGISTER)
    assert r.context["page"].paginator.count == 57 and len(r.context["page"].object_list) == 50
    marks = {p.code: p.mark for p in r.context["page"]}
    assert marks["P-A"] == "green" and marks["P-B"] == "red"
    assert "pr-mark-green" in r.text and "从无活动" in r.text
    assert client.get(REGISTER, {"page": 2}).context["page"].number == 2


def test_empty_register_says_to_import_pairings(client, w):
    from pairings.models import Pairing

    Pairing.objects.all().delete()
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    r = client.get(REGISTER)
    assert "还没有结对共建对子" in r.text
    assert reverse("organizations:import_upload", args=["pairings"]) in r.text
    client.force_login(make_user("b", Role.BUREAU_LIAISON, w.bureau))
    r = client.get(REGISTER)
    assert "联系县委组织部" in r.text


# --- the ledger --------------------------------------------------------------------------------------

def test_ledger_shows_both_sides_and_records_of_every_source(client, w):
    log_everything(w, w.pa)
    client.force_login(make_user("b", Role.BUREAU_LIAISON, w.bureau))
    r = client.get(detail(w.pa))
    assert r.status_code == 200
    text = r.text
    for s in ("王联络", 'href="tel:13800001111"', "李书记", 'href="tel:13900002222"', "建成村集体合作社",
              "每季度开展一次联合主题党日", w.bureau.name, w.villages[0].name, w.townships[0].name):
        assert s in text, s
    for title in ("联合主题党日0", "修建文化广场0", "党工青妇联席会议0", "王常委走访", "台帐不全0", "补齐台帐0",
                  "李党员0帮扶赵大户0"):
        assert title in text, title
    totals = {t["source"].key: t for t in r.context["ledger"].totals}
    assert set(totals) == {s.key for s in ledger.sources()}
    assert all(t["count"] == 1 for t in totals.values())
    assert ("参加人次", 30) in totals["activities"]["totals"]
    assert totals["leader_visits"]["totals"] == [("人次", 3)]
    assert r.context["ledger"].count == len(ledger.sources())


def test_ledger_groups_by_month_in_time_order_and_filters_the_period(client, w):
    old = visit(w, w.pa, 200)
    new = visit(w, w.pa, 2)
    outside = services.inspection_save(actor=None, campaign=w.campaign, unit=w.villages[0], pairing=w.pa,
                                       kind="leader_visit", held_on=w.campaign.start_date.replace(year=2000))[0]
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    # Default: the campaign period, oldest first, grouped by month.
    r = client.get(detail(w.pa))
    objs = [e.obj for m in r.context["ledger"].months for e in m.entries]
    assert objs == [old, new]
    assert [m.month.day for m in r.context["ledger"].months] == [1, 1]
    assert r.context["ledger"].date_from == w.campaign.start_date
    r = client.get(detail(w.pa), {"order": "desc"})
    assert [e.obj for m in r.context["ledger"].months for e in m.entries] == [new, old]
    r = client.get(detail(w.pa), {"from": days_ago(30).isoformat(), "to": ""})
    assert [e.obj for m in r.context["ledger"].months for e in m.entries] == [new]
    r = client.get(detail(w.pa), {"from": "", "to": ""})  # all records
    assert [e.obj for m in r.context["ledger"].months for e in m.entries] == [outside, old, new]
    r = client.get(detail(w.pa), {"from": "2024-13-01"})  # bad date: an error, the default period
    assert r.status_code == 200 and r.context["ledger"].date_from == w.campaign.start_date
    r = client.get(detail(w.pa), {"from": days_ago(1).isoformat(), "to": days_ago(10).isoformat()})
    assert "开始日期不能晚于结束日期" in r.text


def test_workbook_has_a_summary_and_a_sheet_per_source_with_chinese_headers(client, w):
    log_everything(w, w.pa, n=2)
    client.force_login(make_user("b", Role.BUREAU_LIAISON, w.bureau))
    r = client.get(xlsx(w.pa))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    wb = workbook(r)
    sources = ledger.sources()
    assert wb.sheetnames[0] == "汇总"
    assert wb.sheetnames[1:] == [s.label for s in sources]
    summary = [[c for c in row] for row in wb["汇总"].iter_rows(values_only=True)]
    flat = [str(v) for row in summary for v in row if v is not None]
    for s in ("结对编码", "P-A", w.bureau.name, w.villages[0].name, "王联络", "13800001111", "类别", "记录数"):
        assert s in flat, s
    counts = {row[0]: row[1] for row in summary if row and row[0] in {s.label for s in sources}}
    assert counts == {s.label: 2 for s in sources}
    for s in sources:
        ws = wb[s.label]
        header = [c.value for c in ws[1]]
        assert header == [h for h, _ in s.columns]
        assert ws.max_row == 3  # header + two records
    assert [c.value for c in wb["共建活动"][1]][:2] == ["编码", "日期"]


def test_a_source_registered_later_joins_page_and_workbook_without_code_changes(client, w):
    visit(w, w.pa, 4, visitors=5)
    ledger.register(ledger.LedgerSource(
        key="test_every_visit", label="测试来源全部走访", model=Inspection, date_field="held_on",
        title=lambda i: f"测试条目{i.code}", totals={"测试人次": Sum("visitors")},
        columns=[("测试编码", lambda i: i.code), ("测试人次", lambda i: i.visitors)], order=5))
    try:
        client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
        r = client.get(detail(w.pa))
        assert "测试来源全部走访" in r.text and "测试条目" in r.text and "测试人次:<strong>5</strong>" in r.text
        wb = workbook(client.get(xlsx(w.pa)))
        assert "测试来源全部走访" in wb.sheetnames
        ws = wb["测试来源全部走访"]
        assert [c.value for c in ws[1]] == ["测试编码", "测试人次"] and ws["B2"].value == 5
    finally:
        ledger.unregister("test_every_visit")


def test_workbook_keeps_formula_like_text_as_text(client, w):
    services.inspection_save(actor=None, campaign=w.campaign, unit=w.villages[0], pairing=w.pa, kind="inspection",
                             held_on=days_ago(1), findings="=HYPERLINK(\"http://x\")")
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    ws = workbook(client.get(xlsx(w.pa)))["督查指导"]
    cell = [c for c in ws[2] if c.value and str(c.value).startswith("=")][0]
    assert cell.data_type == "s"


# --- constant query counts ---------------------------------------------------------------------------

def test_register_query_count_is_constant(client, w):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    log_activity(w, w.pa, 3)
    few = count_queries(client, REGISTER)
    few_q = count_queries(client, REGISTER, {"q": "村", "sort": "-last", "township": w.townships[0].pk})
    for p in many_pairs(w, 70)[:10]:
        log_activity(w, p, 3)
    assert count_queries(client, REGISTER) == few
    assert count_queries(client, REGISTER, {"q": "村", "sort": "-last", "township": w.townships[0].pk}) == few_q


def test_ledger_page_and_workbook_query_counts_are_constant(client, w):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, w.county))
    log_everything(w, w.pa)
    few_page = count_queries(client, detail(w.pa), {"from": "", "to": ""})
    few_xlsx = count_queries(client, xlsx(w.pa), {"from": "", "to": ""})
    log_everything(w, w.pa, ago=40, n=6)
    log_everything(w, w.pa, ago=100, n=4)
    assert count_queries(client, detail(w.pa), {"from": "", "to": ""}) == few_page
    assert count_queries(client, xlsx(w.pa), {"from": "", "to": ""}) == few_xlsx
