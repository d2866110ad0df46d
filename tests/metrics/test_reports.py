"""Report pages: completeness, bulletin, dashboard workbook, appraisal tallies, assessment."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from campaigns import services as cs
from campaigns.models import Survey
from metrics import figures, reports
from organizations.models import Role, UnitKind
from tests.clock import today
from tests.factories import County, bulk_villages, make_leader, make_pairing, make_unit, make_user

pytestmark = pytest.mark.django_db


# A period of three whole months ending last month, so every date in it is in the past.
def last_day():
    return today().replace(day=1) - dt.timedelta(days=1)


def first_day():
    return (last_day().replace(day=1) - dt.timedelta(days=40)).replace(day=1)


def mid_day():
    return first_day() + dt.timedelta(days=40)     # in the second month


def period():
    return {"from": first_day().isoformat(), "to": last_day().isoformat()}


def in_month(i: int, day=10) -> dt.date:
    return figures.month_starts(first_day(), last_day())[i].replace(day=day)


@pytest.fixture
def c():
    county = County(villages_per_township=2)
    county.campaign = cs.campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                                       start_date=first_day() - dt.timedelta(days=200))[0]
    county.bureau2 = make_unit(UnitKind.BUREAU, county.county, name="县水务局")
    county.pairs = [make_pairing(county.campaign, county.bureau, county.villages[0], start_date=first_day()),
                    make_pairing(county.campaign, county.bureau2, county.villages[2], start_date=first_day())]
    return county


def act(c, unit, day, pairing=None, category="org_life", outcomes=None):
    return cs.activity_submit(actor=None, campaign=c.campaign, date=day, unit=unit, pairing=pairing,
                              category=category, title="活动", outcomes=outcomes or {}, verified=True)[0]


def users(c):
    return {
        "county": make_user("county", Role.COUNTY_ADMIN, c.county),
        "township": make_user("township", Role.TOWNSHIP_STAFF, c.townships[0]),
        "village": make_user("village", Role.VILLAGE_SECRETARY, c.villages[0]),
        "bureau": make_user("bureau", Role.BUREAU_LIAISON, c.bureau),
    }


def get(client, name, **params):
    return client.get(reverse(f"metrics:{name}"), params)


PAGES = ["completeness", "bulletin", "dashboard_xlsx", "survey_list", "assessment"]


# --- access per role ---------------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_anonymous_goes_to_login(client, c, page):
    r = get(client, page)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("page", PAGES)
def test_each_role_sees_its_own_unit_and_gets_404_outside(client, c, page):
    u = users(c)
    own = {"county": c.county, "township": c.townships[0], "village": c.villages[0], "bureau": c.bureau}
    outside = {"county": make_unit(UnitKind.COUNTY, c.city, name="邻县"), "township": c.townships[1],
               "village": c.villages[1], "bureau": c.bureau2}
    for role, user in u.items():
        client.force_login(user)
        assert get(client, page).status_code == 200, role                       # default: the grant unit
        assert get(client, page, unit=own[role].code, **period()).status_code == 200, role
        assert get(client, page, unit=outside[role].code).status_code == 404, role
        assert get(client, page, unit="NO-SUCH-UNIT").status_code == 404, role
    client.force_login(u["county"])
    assert get(client, page, campaign="no-such-campaign").status_code == 404


def test_a_user_without_any_grant_gets_404(client, c):
    client.force_login(make_user("nobody"))
    assert get(client, "completeness").status_code == 404


# --- reporting completeness ----------------------------------------------------------------------------

def test_completeness_marks_the_village_that_logged_and_rates_each_township(client, c):
    v0, v1, v2, v3 = c.villages
    act(c, v0, in_month(0))
    act(c, v0, in_month(0, 20), category="training")
    act(c, c.bureau2, in_month(1), pairing=c.pairs[1])      # a pair's record counts for its village
    act(c, v0, first_day() - dt.timedelta(days=5))                  # before the period: not counted
    rows, total = figures.completeness_rates(c.county, make_user("x", Role.COUNTY_ADMIN, c.county),
                                             None, first_day(), last_day())
    by_name = {r.name: r for r in rows}
    t1, t2 = by_name[c.townships[0].name], by_name[c.townships[1].name]
    assert (t1.villages, t1.logged, t1.by_month) == (2, 1, [1, 0, 0])
    assert (t2.villages, t2.logged, t2.by_month) == (2, 1, [0, 1, 0])
    assert str(t1.rate) == "50.00" and [str(r) for _, r in t1.month_rates] == ["50.00", "0.00", "0.00"]
    assert (total.villages, total.logged, str(total.rate)) == (4, 2, "50.00")

    v1.leaders.all().delete()
    make_leader(v1, name="王书记", phone="13912345678")
    client.force_login(make_user("county", Role.COUNTY_ADMIN, c.county))
    r = get(client, "completeness", unit=c.county.code, **period())
    assert r.status_code == 200
    # silent on the period's last day: nothing in its last 30 days (the one rule of metrics.figures)
    assert [s.name for s in r.context["silent"]] == [v0.name, v1.name, v2.name, v3.name]
    html = r.content.decode()
    assert "王书记" in html and "tel:13912345678" in html and "tel:13800000000" in html and "50.00%" in html
    grid = {v.name: cells for v, cells in r.context["grid_rows"]}
    assert [bool(x) for x in grid[v0.name]] == [True, False, False] and grid[v0.name][0] == 2
    assert [bool(x) for x in grid[v2.name]] == [False, True, False]
    assert not any(grid[v1.name])


def test_completeness_for_a_township_user_lists_only_its_villages(client, c):
    act(c, c.villages[0], last_day() - dt.timedelta(days=3))
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    r = get(client, "completeness", **period())
    assert r.context["unit"] == c.townships[0]
    assert [s.name for s in r.context["silent"]] == [c.villages[1].name]
    assert r.context["total"].villages == 2


# --- bulletin ------------------------------------------------------------------------------------------

def test_bulletin_text_has_the_figures(client, c):
    act(c, c.villages[0], in_month(0), pairing=c.pairs[0], outcomes={"problems_solved": 5})
    act(c, c.villages[1], in_month(1), category="tech_to_countryside")
    act(c, c.villages[2], in_month(2), category="democratic_life_meeting")
    for i in range(3):
        cs.commitment_save(actor=None, campaign=c.campaign, unit=c.villages[0], content="修路", made_on=mid_day(),
                           status="done" if i < 2 else "pending", completed_on=mid_day() if i < 2 else None)
    cs.survey_save(actor=None, campaign=c.campaign, unit=c.county, subject="party_org", held_on=mid_day(),
                   satisfied=80, basically_satisfied=10, dissatisfied=10)
    client.force_login(make_user("county", Role.COUNTY_ADMIN, c.county))
    r = get(client, "bulletin", unit=c.county.code, campaign="bjlbc", **period())
    html = r.content.decode()
    assert "测试县百局联百村活动简报" in html
    text = "".join(r.context["paragraphs"])
    assert "全县2个结对单位共开展共建活动3次" in text
    assert "开展党组织活动1场次" in text and "送技术下乡1次" in text and "联合召开民主生活会1次" in text
    assert "承诺事项3项，已完成2项，完成率66.67%" in text
    assert "解决群众关心的问题5件" in text
    assert "群众对基层党组织满意率90.00%(有效票100张)" in text
    assert "4个村(社区)中有3个在本期填报了活动，填报率75.00%" in text
    drill = {row.label: row.by_code for row in r.context["drill"]}
    assert drill[c.townships[0].name]["activities"].text == "2"
    assert drill[c.townships[1].name]["activities"].text == "1"
    assert drill["测试县合计"]["commitment_rate"].text == "66.67"
    assert r.context["silence"].pairs["total"] == 2
    assert html.count("<svg") == 2 and "@page { size: A4" in html and "data-print" in html


# --- dashboard workbook --------------------------------------------------------------------------------

def test_workbook_sheets_headers_and_rankings(client, c):
    for _ in range(3):
        act(c, c.villages[2], in_month(1))
    act(c, c.villages[0], in_month(2), pairing=c.pairs[0])
    prev_day = first_day() - dt.timedelta(days=10)   # the previous period of the same length
    act(c, c.villages[0], prev_day)
    act(c, c.villages[0], prev_day - dt.timedelta(days=1))
    client.force_login(make_user("county", Role.COUNTY_ADMIN, c.county))
    r = get(client, "dashboard_xlsx", unit=c.county.code, **period())
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["汇总", "下级单位", "排名"]
    ws = wb["汇总"]
    assert [x.value for x in ws[1]] == ["指标代码", "指标名称", "计量单位", "测试县"]
    summary = {row[0]: row[3] for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}
    assert summary["activities"] == 4 and summary["pairings"] == 2 and summary["commitment_rate"] is None
    ws = wb["下级单位"]
    header = [x.value for x in ws[1]]
    assert header[:3] == ["单位", "类型", "结对共建对子(个)"] and "共建活动(次)" in header
    col = header.index("共建活动(次)")
    body = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert body[c.townships[0].name][col] == 1 and body[c.townships[1].name][col] == 3
    assert body[c.bureau.name][col] == 1
    # a subtotal per group; the pair's activity counts on both sides, once in the total
    assert body["乡镇(街道)小计(2)"][col] == 4 and body["帮建单位小计(3)"][col] == 1 and body["测试县合计"][col] == 4
    ws = wb["排名"]
    assert [x.value for x in ws[1]][:5] == ["层级", "排名", "单位", "上级单位", "本期共建活动(次)"]
    rank = [row for row in ws.iter_rows(min_row=2, values_only=True)]
    towns = [row for row in rank if row[0] == "乡镇(街道)"]
    assert [(t[1], t[2], t[4], t[5], t[6]) for t in towns] == [
        (1, c.townships[1].name, 3, 0, 3), (2, c.townships[0].name, 1, 2, -1)]
    villages = [row for row in rank if row[0] == "村(社区)"]
    assert villages[0][2] == c.villages[2].name and len(villages) == 4
    assert {row[2] for row in rank if row[0] == "帮建单位"} == {c.bureau.name, c.bureau2.name, c.enterprise.name}


# --- appraisal tallies ---------------------------------------------------------------------------------

def survey_post(c, unit, **extra):
    return {"campaign": c.campaign.slug, "unit": unit.pk, "subject": "party_org", "held_on": mid_day().isoformat(),
            "satisfied": 90, "basically_satisfied": 6, "dissatisfied": 4, **extra}


def test_township_staff_enter_a_tally_through_the_service(client, c):
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    assert get(client, "survey_create").status_code == 200
    r = client.post(reverse("metrics:survey_create"), survey_post(c, c.villages[0]))
    assert r.status_code == 302
    s = Survey.objects.get()
    assert (s.unit, s.satisfied, s.basically_satisfied, s.dissatisfied) == (c.villages[0], 90, 6, 4)
    assert s.history.first().history_change_reason == "登记测评"          # written by survey_save
    r = get(client, "survey_list")
    html = r.content.decode()
    assert "96.00%" in html and "有效票 100 张" in html
    r = client.post(reverse("metrics:survey_edit", args=[s.pk]), survey_post(c, c.villages[0], dissatisfied=54))
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.dissatisfied == 54


def test_tally_form_refuses_units_outside_the_scope_and_zero_ballots(client, c):
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    r = client.post(reverse("metrics:survey_create"), survey_post(c, c.villages[2]))
    assert r.status_code == 200 and "unit" in r.context["form"].errors
    r = client.post(reverse("metrics:survey_create"), survey_post(c, c.villages[0], satisfied=0,
                                                                  basically_satisfied=0, dissatisfied=0))
    assert r.status_code == 200 and r.context["form"].non_field_errors()
    future = (today() + dt.timedelta(days=3)).isoformat()
    r = client.post(reverse("metrics:survey_create"), survey_post(c, c.villages[0], held_on=future))
    assert r.status_code == 200 and "held_on" in r.context["form"].errors   # the service's rule
    assert not Survey.objects.exists()


def test_wrong_roles_get_403_and_others_tallies_404(client, c):
    other = cs.survey_save(actor=None, campaign=c.campaign, unit=c.villages[2], subject="cobuild", held_on=mid_day(),
                           satisfied=5, basically_satisfied=0, dissatisfied=0)[0]
    own = cs.survey_save(actor=None, campaign=c.campaign, unit=c.villages[0], subject="cobuild", held_on=mid_day(),
                         satisfied=5, basically_satisfied=0, dissatisfied=0)[0]
    for user in (make_user("v", Role.VILLAGE_SECRETARY, c.villages[0]),
                 make_user("b", Role.BUREAU_LIAISON, c.bureau)):
        client.force_login(user)
        assert get(client, "survey_create").status_code == 403
        assert client.post(reverse("metrics:survey_create"), survey_post(c, c.villages[0])).status_code == 403
    client.force_login(make_user("v2", Role.VILLAGE_SECRETARY, c.villages[0]))
    assert client.get(reverse("metrics:survey_edit", args=[own.pk])).status_code == 403
    assert get(client, "survey_list").status_code == 200
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    assert client.get(reverse("metrics:survey_edit", args=[other.pk])).status_code == 404
    assert client.get(reverse("metrics:survey_edit", args=[own.pk])).status_code == 200


# --- assessment ----------------------------------------------------------------------------------------

def test_assessment_orders_by_weighted_score_and_shows_the_gaps(client, c):
    v0, v1, v2, v3 = c.villages
    for _ in range(4):
        act(c, v0, in_month(1))
    act(c, v1, in_month(1))
    act(c, v1, in_month(1), outcomes={"problems_solved": 10})
    act(c, v2, in_month(1), outcomes={"problems_solved": 5})
    client.force_login(make_user("county", Role.COUNTY_ADMIN, c.county))
    r = get(client, "assessment", unit=c.county.code, level="village", w_activities=60, w_problems_solved=40,
            **period())
    scored = list(r.context["page"])
    assert [s.unit for s in scored] == [v1, v0, v2, v3]
    # v1: activities 2/4*100*0.6 = 30 + problems 10/10*100*0.4 = 40 -> 70; v0: 60 + 0 -> 60
    assert [str(s.score) for s in scored] == ["70.00", "60.00", "35.00", "0.00"]
    assert [s.rank for s in scored] == [1, 2, 3, 4]
    second = scored[1]
    assert str(second.behind) == "10.00"
    assert [p.figure.indicator.code for p in second.drags] == ["problems_solved"]
    assert [p.figure.indicator.code for p in second.leads] == ["activities"]
    assert "落后 10.00 分" in r.content.decode()


def test_assessment_defaults_and_levels(client, c):
    act(c, c.bureau, in_month(0), pairing=c.pairs[0])
    client.force_login(make_user("county", Role.COUNTY_ADMIN, c.county))
    r = get(client, "assessment")
    assert r.context["level"] == "township"
    assert r.context["weights"] == reports.DEFAULT_WEIGHTS
    assert 'name="w_activities" id="id_w_activities" value="25"' in r.content.decode()   # defaults shown
    assert len(r.context["page"].object_list) == 2
    r = get(client, "assessment", level="bureau", w_activities=1)
    assert [s.unit for s in r.context["page"]][0] == c.bureau
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    r = get(client, "assessment")
    assert r.context["level"] == "village"
    assert {s.unit for s in r.context["page"]} == {c.villages[0], c.villages[1]}


# --- constant query counts -----------------------------------------------------------------------------

def _count(client, name, **params):
    with CaptureQueriesContext(connection) as ctx:
        r = get(client, name, **params)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", PAGES)
def test_report_pages_keep_the_same_query_count(client, c, page):
    admin = make_user("county", Role.COUNTY_ADMIN, c.county)
    client.force_login(admin)
    act(c, c.villages[0], in_month(0))
    cs.survey_save(actor=None, campaign=c.campaign, unit=c.villages[0], subject="cobuild", held_on=mid_day(),
                   satisfied=5, basically_satisfied=1, dissatisfied=0)
    params = {"unit": c.county.code, "campaign": "bjlbc", **period()}
    few = _count(client, page, **params)
    few_t = _count(client, page, **{**params, "unit": c.townships[0].code})
    many_villages = bulk_villages(c.townships[0], 120) + bulk_villages(c.townships[1], 80)
    for i, v in enumerate(many_villages[:12]):
        act(c, v, in_month(i % 3), category="training" if i % 2 else "org_life",
            outcomes={"problems_solved": i})
        make_pairing(c.campaign, c.bureau2 if i % 2 else c.bureau, v)
    for v in many_villages[12:15]:
        cs.survey_save(actor=None, campaign=c.campaign, unit=v, subject="party_org", held_on=mid_day(),
                       satisfied=9, basically_satisfied=1, dissatisfied=1)
    make_unit(UnitKind.TOWNSHIP, c.county, name="第3镇")
    assert _count(client, page, **params) == few
    assert _count(client, page, **{**params, "unit": c.townships[0].code}) == few_t


def test_assessment_without_any_weight_asks_for_one(client, c):
    client.force_login(make_user("county", Role.COUNTY_ADMIN, c.county))
    r = get(client, "assessment", w_activities=0)
    assert r.status_code == 200 and not r.context["page"].object_list
    assert "请至少为一个指标设置大于0的权重" in r.content.decode()


def test_survey_list_shows_each_rate_and_the_period(client, c):
    cs.survey_save(actor=None, campaign=c.campaign, unit=c.villages[0], subject="cobuild", held_on=mid_day(),
                   satisfied=7, basically_satisfied=1, dissatisfied=2)
    cs.survey_save(actor=None, campaign=c.campaign, unit=c.villages[1], subject="cobuild",
                   held_on=first_day() - dt.timedelta(days=30), satisfied=1, basically_satisfied=0, dissatisfied=0)
    client.force_login(make_user("county", Role.COUNTY_ADMIN, c.county))
    r = get(client, "survey_list", **period())
    assert [s.unit for s in r.context["page"]] == [c.villages[0]]
    assert "80.00%" in r.content.decode()
    cobuild = {f.indicator.code: f for f in r.context["satisfaction"]}["satisfaction_cobuild"]
    assert (cobuild.text, cobuild.denominator) == ("80.00", 10)


def test_a_double_submitted_tally_form_makes_one_tally(client, c):
    from organizations.submissions import DUPLICATE_MESSAGE

    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    token = get(client, "survey_create").context["form"].submit_token
    for _ in range(2):
        r = client.post(reverse("metrics:survey_create"), {**survey_post(c, c.villages[0]), "submit_token": token},
                        follow=True)
    assert DUPLICATE_MESSAGE in r.text and Survey.objects.count() == 1
