"""Issue 14, item 3: annual plans per pairing (共建计划) — planned vs done per quarter and to date
on the ledger, its workbook and the matrix; the county's list of pairs behind plan; who may edit.

The plans are for last year, so every quarter of it has ended whatever day the tests run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from campaigns import plans
from campaigns.models import Activity, PairingPlan, PlanItem
from campaigns.services import activity_review, plan_save
from organizations.models import Role
from tests.clock import today
from tests.factories import make_activity, make_plan, plan_county
from tests.pairings.world import count_queries, many_pairs

pytestmark = pytest.mark.django_db


def last_year():
    return today().year - 1


BEHIND = reverse("campaigns:plan_behind")
BEHIND_XLSX = reverse("campaigns:plan_behind_xlsx")


def d(month, day=15):
    return dt.date(last_year(), month, day)


@pytest.fixture
def c():
    return plan_county(last_year())


def log(c, pair, on, category="org_life", outcomes=None, unit=None):
    return make_activity(c.campaign, unit or pair.village, pairing=pair, date=on, category=category,
                         outcomes=outcomes)


# --- the figures ------------------------------------------------------------------------------------

def test_plan_vs_done_per_quarter_agrees_with_the_records(c):
    pair, other = c.pairs
    make_plan(pair, last_year(), {
        ("activities", "", 1): 2, ("activities", "", 2): 2, ("activities", "", 3): 1, ("activities", "", 4): 1,
        ("activities", "org_life", 1): 1, ("project_funds", "", 2): 10000, ("projects_introduced", "", 3): 1,
    })
    log(c, pair, d(1))
    returned = log(c, pair, d(2), category="training")
    activity_review(actor=c.users["county"], activity=returned, approve=False, comment="照片不清楚,请补充")
    log(c, pair, d(3), category="training")
    log(c, pair, d(5), category="project_support", outcomes={"project_funds": Decimal("12000")})
    log(c, pair, d(11), outcomes={"projects_introduced": 1})
    log(c, other, d(4), outcomes={"project_funds": Decimal("99999")})  # another pair's
    make_activity(c.campaign, pair.village, date=d(4))                 # the village's, not the pair's

    p = plans.progress([pair.pk, other.pk], last_year(), today())
    assert set(p) == {pair.pk}  # the other pair has no plan
    lines = {(line.measure, line.category): line for line in p[pair.pk].lines}
    acts = lines[("activities", "")]
    assert [q[1:3] for q in acts.quarters] == [(2, 2), (2, 1), (1, 0), (1, 1)]
    # the records: the pair's counted (not returned) activities, by quarter of their date
    counted = Activity.objects.counted().filter(pairing=pair, date__year=last_year())
    assert acts.done_year == counted.count() == 4
    assert [q[3] for q in acts.quarters] == [False, True, True, True]  # cumulative done < cumulative plan
    assert lines[("activities", "org_life")].done == [1, 0, 0, 1]
    assert lines[("project_funds", "")].done_year == 12000
    assert lines[("projects_introduced", "")].done_to_date == 1
    assert p[pair.pk].due == 4
    assert acts.planned_to_date == 6 and acts.done_to_date == 4 and acts.shortfall == 2 and acts.behind
    assert not lines[("project_funds", "")].behind and not lines[("projects_introduced", "")].behind
    assert p[pair.pk].behind


def test_to_date_counts_only_ended_quarters():
    assert plans.quarters_ended(2025, dt.date(2025, 3, 30)) == 0
    assert plans.quarters_ended(2025, dt.date(2025, 3, 31)) == 1
    assert plans.quarters_ended(2025, dt.date(2025, 12, 6)) == 3
    assert plans.quarters_ended(2024, dt.date(2025, 1, 1)) == 4
    assert plans.quarters_ended(2026, dt.date(2025, 12, 31)) == 0


# --- who may edit -----------------------------------------------------------------------------------

GRID = {"activities_q1": "3", "activities_q2": "3", "project_funds_q3": "50000", "cat0": "org_life",
        "cat0_q1": "1", "cat0_q2": "1", "note": "双方商定"}


@pytest.mark.parametrize("role,status", [
    ("village", 302), ("bureau", 302), ("township", 302), ("county", 302),
    ("inspector", 403), ("viewer", 403), ("village2", 404),
])
def test_who_may_edit_a_pairs_plan(client, c, role, status):
    pair = c.pairs[0]
    client.force_login(c.users[role])
    url = reverse("campaigns:plan_edit", args=[pair.pk]) + f"?year={last_year()}"
    assert client.get(url).status_code == (200 if status == 302 else status)
    r = client.post(url, {**GRID, "year": last_year()})
    assert r.status_code == status
    saved = PairingPlan.objects.filter(pairing=pair, year=last_year()).first()
    if status == 302:
        items = {(i.measure, i.category, i.quarter): i.planned for i in saved.items.all()}
        assert items == {("activities", "", 1): 3, ("activities", "", 2): 3, ("project_funds", "", 3): 50000,
                         ("activities", "org_life", 1): 1, ("activities", "org_life", 2): 1}
        assert saved.history.first().history_change_reason == "编制共建计划"
        assert saved.updated_by == c.users[role]
    else:
        assert saved is None


def test_the_service_refuses_out_of_scope_and_bad_numbers(c):
    with pytest.raises(PermissionDenied):
        plan_save(actor=c.users["village2"], pairing=c.pairs[0], year=last_year(), items={("activities", "", 1): 1})
    with pytest.raises(ValidationError):
        plan_save(actor=None, pairing=c.pairs[0], year=last_year(), items={("activities", "", 1): Decimal("1.5")})
    with pytest.raises(ValidationError):
        plan_save(actor=None, pairing=c.pairs[0], year=last_year(), items={("project_funds", "org_life", 1): 1})
    assert not PairingPlan.objects.exists()


def test_editing_keeps_history_and_removes_cleared_lines(client, c):
    pair = c.pairs[0]
    make_plan(pair, last_year(), {("activities", "", 1): 2, ("activities", "", 2): 2})
    client.force_login(c.users["village"])
    url = reverse("campaigns:plan_edit", args=[pair.pk])
    page = client.get(url, {"year": last_year()}).content.decode()
    assert 'value="2"' in page
    plan = PairingPlan.objects.get(pairing=pair)
    r = client.post(url, {"year": last_year(), "activities_q1": "4", "version": plan.version})
    assert r.status_code == 302
    assert list(PlanItem.objects.filter(plan=plan).values_list("quarter", "planned")) == [(1, 4)]
    assert PlanItem.history.filter(history_type="-").count() == 1
    stale = client.post(url, {"year": last_year(), "activities_q1": "5", "version": plan.version})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()


def test_a_category_number_needs_its_category(client, c):
    client.force_login(c.users["village"])
    r = client.post(reverse("campaigns:plan_edit", args=[c.pairs[0].pk]), {"year": last_year(), "cat1_q2": "1"})
    assert r.status_code == 200 and "请选择活动类别" in r.content.decode()


# --- what users see: ledger, workbook, matrix -------------------------------------------------------

def _behind_pair(c):
    pair = c.pairs[0]
    make_plan(pair, last_year(), {("activities", "", q): 2 for q in (1, 2, 3, 4)} | {("project_funds", "", 2): 8000})
    log(c, pair, d(1))
    log(c, pair, d(2))
    log(c, pair, d(6), outcomes={"project_funds": Decimal("8000")})
    return pair  # activities 3 of 8 (behind), funds 8000 of 8000


def test_the_ledger_shows_planned_vs_done(client, c):
    pair = _behind_pair(c)
    client.force_login(c.users["bureau"])
    page = client.get(reverse("pairings:detail", args=[pair.pk]), {"year": last_year()}).content.decode()
    assert f"{last_year()}年共建计划" in page and "滞后于计划" in page
    assert 'data-line="activities">3/8' in page
    assert 'data-line="project_funds">8000/8000' in page
    assert "修改计划" in page
    client.force_login(c.users["viewer"])
    page = client.get(reverse("pairings:detail", args=[c.pairs[1].pk]), {"year": last_year()}).content.decode()
    assert "还没有" in page and "计划由结对双方编制" in page and "编制计划</a>" not in page


def test_the_ledger_workbook_has_the_plan_sheet(client, c):
    pair = _behind_pair(c)
    client.force_login(c.users["county"])
    r = client.get(reverse("pairings:ledger_xlsx", args=[pair.pk]),
                   {"from": f"{last_year()}-01-01", "to": f"{last_year()}-12-31"})
    wb = load_workbook(BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    ws = wb["共建计划"]
    rows = list(ws.iter_rows(values_only=True))
    acts = next(r for r in rows if r[0] == "共建活动(次)")
    assert acts[1:3] == (2, 2) and acts[-6:] == (8, 3, 8, 3, 5, "滞后")


def test_the_matrix_tile_shows_the_plan(client, c):
    _behind_pair(c)
    make_plan(c.pairs[1], last_year(), {("activities", "", 1): 1})
    log(c, c.pairs[1], d(2))
    client.force_login(c.users["county"])
    page = client.get(reverse("pairings:matrix"),
                      {"from": f"{last_year()}-01-01", "to": f"{last_year()}-12-31"}).content.decode()
    assert 'data-plan="behind" title="共建活动(次):截至已结束季度 完成/计划">计划活动 3/8 滞后' in page
    assert 'data-plan="ok" title="共建活动(次):截至已结束季度 完成/计划">计划活动 1/1' in page


# --- the county's list of pairs behind plan ---------------------------------------------------------

def test_pairs_behind_plan_list_filters_and_export(client, c):
    behind = _behind_pair(c)
    on_track = c.pairs[1]
    make_plan(on_track, last_year(), {("activities", "", 1): 1})
    log(c, on_track, d(3))
    client.force_login(c.users["county"])
    r = client.get(BEHIND, {"year": last_year()})
    page = r.content.decode()
    assert behind.village.name in page and on_track.village.name not in page
    assert 'data-stat="planned">2<' in page and 'data-stat="behind">1<' in page
    assert f'data-behind="{behind.code}:activities"' in page
    assert f'data-behind="{behind.code}:project_funds"' not in page
    # filters: the lagging measure, the township, the search box
    assert behind.village.name not in client.get(
        BEHIND, {"year": last_year(), "measure": "project_funds"}).content.decode()
    other_township = c.townships[1].pk
    assert behind.village.name not in client.get(
        BEHIND, {"year": last_year(), "township": other_township}).content.decode()
    assert behind.village.name in client.get(BEHIND, {"year": last_year(), "q": behind.bureau.name}).content.decode()
    # the village secretary of another village sees none of it
    client.force_login(c.users["village2"])
    assert behind.village.name not in client.get(BEHIND, {"year": last_year()}).content.decode()
    client.force_login(c.users["county"])
    wb = load_workbook(BytesIO(client.get(BEHIND_XLSX, {"year": last_year()}).content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[1][:8] == (behind.code, behind.village.parent.name, behind.village.name, behind.bureau.name,
                           "共建活动(次)", 8, 3, 5)
    assert len([r for r in rows if r and r[0] == behind.code]) == 1


def test_lists_matrix_and_ledger_keep_a_constant_number_of_queries(client, c):
    pair = _behind_pair(c)
    client.force_login(c.users["county"])
    year = {"year": last_year()}
    period = {"from": f"{last_year()}-01-01", "to": f"{last_year()}-12-31"}
    pages = [(BEHIND, year), (BEHIND_XLSX, year), (reverse("pairings:matrix"), period),
             (reverse("pairings:detail", args=[pair.pk]), year),
             (reverse("pairings:ledger_xlsx", args=[pair.pk]), period)]
    few = [count_queries(client, url, params) for url, params in pages]
    for i, p in enumerate(many_pairs(c, 12)):
        make_plan(p, last_year(), {("activities", "", q): 1 for q in (1, 2, 3, 4)}
                  | {("project_funds", "", 1): 100, ("activities", "training", 2): 1})
        if i % 2:
            log(c, p, d(2), outcomes={"project_funds": Decimal("100")})
    make_plan(pair, last_year(),
              {("activities", cat, q): 1 for cat in ("org_life", "training", "other") for q in (1, 2, 3)}
              | {("project_funds", "", 2): 500, ("projects_introduced", "", 4): 2})
    for m in (1, 4, 7):
        log(c, pair, d(m), category="training", outcomes={"projects_introduced": 1})
    assert [count_queries(client, url, params) for url, params in pages] == few


def test_plan_admin_saves_through_the_service_with_the_reason(client, c):
    from organizations.admin_tools import REASON_FIELD
    from tests.factories import make_staff

    plan = make_plan(c.pairs[0], last_year())
    staff = make_staff("staffer", Role.COUNTY_ADMIN, c.county)
    client.force_login(staff)
    assert client.get(reverse("admin:campaigns_pairingplan_changelist"), {"q": c.pairs[0].village.name}).status_code == 200
    item = plan.items.get(quarter=3)
    url = reverse("admin:campaigns_planitem_change", args=[item.pk])
    r = client.post(url, {"plan": plan.pk, "quarter": 3, "measure": "activities", "category": "", "planned": "5",
                          REASON_FIELD: "乡镇调整三季度计划"})
    assert r.status_code == 302, r.content.decode()[:2000]
    item.refresh_from_db()
    assert item.planned == 5 and item.history.first().history_change_reason == "乡镇调整三季度计划"
    # a staff account of another village: the plan is outside its scope
    other = make_staff("staff_v2", Role.VILLAGE_SECRETARY, c.villages[1])
    client.force_login(other)
    assert client.get(reverse("admin:campaigns_pairingplan_change", args=[plan.pk])).status_code in (302, 404)
    assert client.get(url).status_code in (302, 404)
