"""Issue 13 B: assessment schemes (考核) — target and relative scoring, deductions, review
adjustments, the steps (allowed and refused per role), freezing (a frozen result stays identical
after later record edits while the live figure moves), publishing (who sees what), the export,
the admin's read-only frozen rows, and constant query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import Indicator
from metrics import assessment
from metrics import services_assessment as sa
from metrics.models import AssessmentResult, AssessmentScheme, AssessmentStatus
from metrics.services import target_save
from organizations.models import Role, UnitKind
from tests.clock import today
from tests.factories import (
    County,
    campaign_county,
    frozen_scheme,
    make_activity,
    make_assessment_scheme,
    make_campaign,
    make_commitment,
    make_inspection,
    make_rectification,
    make_unit,
    make_user,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def c():
    county = campaign_county(days_before=100, days_after=100)
    county.admin = make_user("county", Role.COUNTY_ADMIN, county.county)
    county.viewer = make_user("viewer", Role.VIEWER, county.county)
    county.tstaff = make_user("town", Role.TOWNSHIP_STAFF, county.townships[0])
    county.secretary = make_user("sec", Role.VILLAGE_SECRETARY, county.villages[0])
    county.liaison = make_user("liaison", Role.BUREAU_LIAISON, county.bureau)
    v = county.villages
    for unit, n in ((v[0], 4), (v[1], 2), (v[2], 1)):   # v[3]: none
        for i in range(n):
            make_activity(county.campaign, unit, date=today() - dt.timedelta(days=10 + i))
    ind = Indicator.objects.get(code="org_life_sessions")
    for unit, value in ((v[0], 8), (v[1], 2), (v[3], 5)):  # v[2]: no target
        target_save(actor=None, campaign=county.campaign, unit=unit, indicator=ind, value=value)
    return county


ITEMS = (("activities", "best", 40), ("org_life_sessions", "target", 60))


def part(s, code):
    return next(p for p in s.parts if p.code == code)


def scores(scheme):
    return {s.unit.name: s for s in assessment.score(scheme)}


# --- scoring -----------------------------------------------------------------------------------

def test_relative_and_target_scoring_by_hand(c):
    """activities best 40: 4→40, 2→20, 1→10, 0→0; org life sessions against each village's
    target, 60 points capped at 100 %: 4/8→30, 2/2→60, no target→0, 0/5→0."""
    s = scores(make_assessment_scheme(c.campaign, c.county, items=ITEMS))
    v = [u.name for u in c.villages]
    assert [(s[n].score, s[n].rank) for n in v] == [(D(70), 2), (D(80), 1), (D(10), 3), (D(0), 4)]
    target_part = {n: part(s[n], "org_life_sessions") for n in v}
    assert target_part[v[0]].percent == D(50) and target_part[v[0]].gap_to_target == D(4)
    assert target_part[v[1]].gap_to_target == D(0)
    assert target_part[v[2]].target is None and target_part[v[2]].points == 0
    assert target_part[v[3]].gap_to_target == D(5)


def test_target_over_cap_and_min_max(c):
    """A target overshot counts up to the cap (120 %); min–max spreads lowest 0 to highest 100."""
    ind = Indicator.objects.get(code="org_life_sessions")
    target_save(actor=None, campaign=c.campaign, unit=c.villages[0], indicator=ind, value=2)  # 4/2 = 200 %
    s = scores(make_assessment_scheme(c.campaign, c.county, items=(("org_life_sessions", "target", 50, 120),
                                                         ("activities", "minmax", 10))))
    v0, v1, v2, v3 = (s[u.name] for u in c.villages)
    assert part(v0, "org_life_sessions").percent == D(120) and part(v0, "org_life_sessions").points == D(60)
    assert [part(p, "activities").points for p in (v0, v1, v2, v3)] == [D(10), D(5), D("2.50"), D(0)]


def test_deductions_for_overdue_rectifications_and_commitments_with_a_cap(c):
    v = c.villages
    insp = make_inspection(c.campaign, v[3], held_on=today() - dt.timedelta(days=60))
    for _ in range(2):  # overdue, open
        make_rectification(insp, responsible_unit=v[3], deadline=today() - dt.timedelta(days=20))
    make_rectification(insp, responsible_unit=v[3], deadline=today() + dt.timedelta(days=20))  # not due yet
    make_commitment(c.campaign, v[2], made_on=today() - dt.timedelta(days=50), due_date=today() - dt.timedelta(days=5))
    make_commitment(c.campaign, v[1], made_on=today() - dt.timedelta(days=50), due_date=today() + dt.timedelta(days=5))
    scheme = make_assessment_scheme(c.campaign, c.county, items=ITEMS, rules=(("overdue_rectification", 2, 3),
                                                                    ("overdue_commitment", "1.5", 10)))
    s = scores(scheme)
    assert s[v[3].name].deducted == D(3)           # 2 × 2, capped at 3
    assert s[v[3].name].deductions[0]["count"] == 2 and s[v[3].name].score == D(-3)
    assert s[v[2].name].deducted == D("1.5") and s[v[2].name].score == D("8.5")
    assert s[v[1].name].deducted == 0 and s[v[0].name].deducted == 0


def test_adjustment_with_reason_changes_the_score_and_is_recorded(c):
    scheme = make_assessment_scheme(c.campaign, c.county, items=ITEMS)
    with pytest.raises(ValidationError) as e:
        sa.adjustment_add(actor=c.admin, scheme=scheme, unit=c.villages[2], points=5, reason=" ")
    assert "请填写调整理由" in str(e.value)
    with pytest.raises(ValidationError):
        sa.adjustment_add(actor=c.admin, scheme=scheme, unit=c.bureau, points=5, reason="不是考核对象")
    adj = sa.adjustment_add(actor=c.admin, scheme=scheme, unit=c.villages[2], points=5, reason="受灾补报")
    assert adj.history.first().history_change_reason == "审核调整:受灾补报"
    s = scores(scheme)[c.villages[2].name]
    assert s.score == D(15) and s.adjustments[0]["reason"] == "受灾补报"
    with pytest.raises(PermissionDenied):
        sa.adjustment_add(actor=c.tstaff, scheme=scheme, unit=c.villages[0], points=1, reason="x")


# --- the steps -----------------------------------------------------------------------------------

def test_every_step_allowed_and_refused(c):
    scheme = make_assessment_scheme(c.campaign, c.county, items=ITEMS)
    for step in ("reopen", "freeze", "publish"):      # not from a draft
        with pytest.raises(ValidationError):
            sa.scheme_step(actor=c.admin, scheme=scheme, step=step)
    for user in (c.tstaff, c.viewer, c.secretary, c.liaison):
        with pytest.raises(PermissionDenied):
            sa.scheme_step(actor=user, scheme=scheme, step="review", note="x")
    with pytest.raises(ValidationError) as e:
        sa.scheme_step(actor=c.admin, scheme=scheme, step="review", note="")
    assert "审核意见" in str(e.value)
    empty = make_assessment_scheme(c.campaign, c.county, items=(), title="空方案")
    with pytest.raises(ValidationError) as e:
        sa.scheme_step(actor=c.admin, scheme=empty, step="review", note="ok")
    assert "至少一个考核指标" in str(e.value)

    scheme = sa.scheme_step(actor=c.admin, scheme=scheme, step="review", note="核对无误")
    assert scheme.status == AssessmentStatus.REVIEWED and scheme.reviewed_by == c.admin
    with pytest.raises(ValidationError):   # items change only in a draft
        sa.item_save(actor=c.admin, scheme=scheme, indicator=Indicator.objects.get(code="activities"),
                     method="best", max_points=10)
    scheme = sa.scheme_step(actor=c.admin, scheme=scheme, step="reopen")
    assert scheme.status == AssessmentStatus.DRAFT and scheme.reviewed_by is None
    sa.scheme_step(actor=c.admin, scheme=scheme, step="review", note="再次核对")
    for user in (c.tstaff, c.viewer):
        with pytest.raises(PermissionDenied):
            sa.scheme_step(actor=user, scheme=scheme, step="freeze")
    scheme = sa.scheme_step(actor=c.admin, scheme=scheme, step="freeze")
    assert scheme.status == AssessmentStatus.FROZEN and scheme.frozen_by == c.admin
    assert scheme.frozen_as_of == today() and AssessmentResult.objects.filter(scheme=scheme).count() == 4
    for step in ("review", "reopen", "freeze"):
        with pytest.raises(ValidationError):
            sa.scheme_step(actor=c.admin, scheme=scheme, step=step, note="x")
    with pytest.raises(PermissionDenied):
        sa.scheme_step(actor=c.tstaff, scheme=scheme, step="publish")
    scheme = sa.scheme_step(actor=c.admin, scheme=scheme, step="publish")
    assert scheme.status == AssessmentStatus.PUBLISHED and scheme.published_by == c.admin
    with pytest.raises(ValidationError):
        sa.scheme_step(actor=c.admin, scheme=scheme, step="publish")
    assert [h.status for h in scheme.history.order_by("history_date")][-5:] == [
        "reviewed", "draft", "reviewed", "frozen", "published"]


def test_nothing_changes_a_frozen_scheme(c):
    scheme = frozen_scheme(c.campaign, c.county, items=ITEMS, rules=(("overdue_commitment", 1, 5),))
    act = Indicator.objects.get(code="activities")
    for call in (lambda: sa.item_save(actor=c.admin, scheme=scheme, indicator=act, method="best", max_points=1),
                 lambda: sa.item_delete(actor=c.admin, item=scheme.items.first()),
                 lambda: sa.rule_save(actor=c.admin, scheme=scheme, kind="overdue_commitment", points_each=2, cap=3),
                 lambda: sa.rule_delete(actor=c.admin, rule=scheme.rules.first()),
                 lambda: sa.adjustment_add(actor=c.admin, scheme=scheme, unit=c.villages[0], points=1, reason="x"),
                 lambda: sa.scheme_delete(actor=c.admin, scheme=scheme),
                 lambda: sa.scheme_save(actor=c.admin, scheme=scheme, title="改名", campaign=c.campaign,
                                        unit=c.county, year=today().year, level="village",
                                        date_from=scheme.date_from, date_to=scheme.date_to)):
        with pytest.raises(ValidationError) as e:
            call()
        assert sa.FROZEN_MESSAGE in str(e.value)


def test_a_frozen_result_stays_identical_after_record_edits_and_the_live_view_shows_the_difference(c, client):
    make_commitment(c.campaign, c.villages[2], made_on=today() - dt.timedelta(days=50),
                    due_date=today() - dt.timedelta(days=5))
    scheme = frozen_scheme(c.campaign, c.county, actor=c.admin, items=ITEMS, rules=(("overdue_commitment", 1, 5),))
    v2 = AssessmentResult.objects.get(scheme=scheme, unit=c.villages[2])
    assert (v2.score, v2.deductions) == (D(9), [{"kind": "overdue_commitment", "label": "承诺事项逾期未完成",
                                                 "count": 1, "points": "1.00"}])
    fields = ("unit_id", "unit_name", "rank", "score", "base_points", "deducted", "adjusted", "parts", "deductions")
    before = list(AssessmentResult.objects.filter(scheme=scheme).order_by("unit_id").values(*fields))
    # later: the last village logs five activities and gets a target; a commitment goes overdue
    for i in range(5):
        make_activity(c.campaign, c.villages[3], date=today() - dt.timedelta(days=2 + i))
    target_save(actor=None, campaign=c.campaign, unit=c.villages[3], indicator=Indicator.objects.get(
        code="org_life_sessions"), value=1)
    Indicator.objects.filter(code="activities").update(name="共建活动(改名)")
    after = list(AssessmentResult.objects.filter(scheme=scheme).order_by("unit_id").values(*fields))
    assert after == before
    frozen = AssessmentResult.objects.get(scheme=scheme, unit=c.villages[3])
    assert frozen.score == 0 and frozen.rank == 4
    live = scores(AssessmentScheme.objects.get(pk=scheme.pk))[c.villages[3].name]
    assert live.score == D(100) and live.rank == 1     # 5/5 × 40 + capped 60
    client.force_login(c.admin)
    page = client.get(reverse("metrics:scheme_detail", args=[scheme.pk])).content.decode()
    assert "冻结后记录有变动" in page
    assert "现值 100.00 分" in page and "(+100.00)" in page and "现排第1名" in page
    assert "0.00 分" in page  # the frozen score still shown


def test_a_frozen_result_shows_no_change_note_while_records_stand(c, client):
    scheme = frozen_scheme(c.campaign, c.county, actor=c.admin, items=ITEMS)
    client.force_login(c.admin)
    page = client.get(reverse("metrics:scheme_detail", args=[scheme.pk])).content.decode()
    assert "冻结后记录有变动" not in page and "(与冻结时相同)" in page


# --- who sees what --------------------------------------------------------------------------------

def test_unpublished_schemes_are_the_countys_own_and_published_ones_show_each_unit_its_rows(c, client):
    scheme = frozen_scheme(c.campaign, c.county, actor=c.admin, items=ITEMS)
    url = reverse("metrics:scheme_detail", args=[scheme.pk])
    names = [u.name for u in c.villages]
    for user in (c.tstaff, c.secretary, c.liaison):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert scheme.title not in client.get(reverse("metrics:scheme_list")).content.decode()
    client.force_login(c.viewer)
    page = client.get(url).content.decode()
    assert all(n in page for n in names) and "冻结结果" not in page   # sees all, no steps
    sa.scheme_step(actor=c.admin, scheme=scheme, step="publish")
    client.force_login(c.tstaff)   # township 1: its two villages
    page = client.get(url).content.decode()
    assert names[0] in page and names[1] in page and names[2] not in page and names[3] not in page
    assert "审核调整" not in page and "考核指标" not in page
    client.force_login(c.secretary)  # its own village only
    page = client.get(url).content.decode()
    assert names[0] in page and "第2名" in page and names[1] not in page
    assert scheme.title in client.get(reverse("metrics:scheme_list")).content.decode()
    client.force_login(c.liaison)  # a bureau is not assessed by a village scheme
    assert "范围内没有可查看的考核结果" in client.get(url).content.decode()
    other = County(villages_per_township=1, townships=1)
    client.force_login(make_user("other", Role.COUNTY_ADMIN, other.county))
    assert client.get(url).status_code == 404
    assert client.get(reverse("metrics:scheme_xlsx", args=[scheme.pk])).status_code == 404
    assert client.post(reverse("metrics:scheme_step", args=[scheme.pk]), {"step": "publish"}).status_code == 404


def test_pages_drive_the_steps_and_refuse_other_roles(c, client):
    client.force_login(c.admin)
    r = client.post(reverse("metrics:scheme_create"), {
        "title": "2026年度村级考核", "campaign": c.campaign.slug, "unit": c.county.pk, "year": today().year,
        "level": "village", "date_from": c.campaign.start_date.isoformat(), "date_to": today().isoformat(),
        "default_items": "on"})
    scheme = AssessmentScheme.objects.get(title="2026年度村级考核")
    assert r.status_code == 302 and scheme.items.count() == 6 and scheme.created_by == c.admin
    base = reverse("metrics:scheme_detail", args=[scheme.pk])
    page = client.get(base).content.decode()
    assert "即时计算" in page and c.villages[0].name in page
    client.post(reverse("metrics:scheme_rule", args=[scheme.pk]),
                {"kind": "overdue_commitment", "points_each": "1", "cap": "5"})
    assert scheme.rules.count() == 1
    item = scheme.items.get(indicator__code="problems_solved")
    client.post(reverse("metrics:scheme_item", args=[scheme.pk]), {"delete": item.pk})
    assert scheme.items.count() == 5
    r = client.post(reverse("metrics:scheme_adjust", args=[scheme.pk]),
                    {"unit": c.villages[1].code, "points": "-2", "reason": "台账不规范"}, follow=True)
    assert "已调整" in r.content.decode() and scheme.adjustments.count() == 1
    r = client.post(reverse("metrics:scheme_step", args=[scheme.pk]), {"step": "freeze"}, follow=True)
    assert "不能冻结" in r.content.decode()
    client.post(reverse("metrics:scheme_step", args=[scheme.pk]), {"step": "review", "note": "已核对"})
    for user in (c.viewer, c.tstaff):
        client.force_login(user)
        code = client.post(reverse("metrics:scheme_step", args=[scheme.pk]), {"step": "freeze"}).status_code
        assert code == (403 if user == c.viewer else 404)
    client.force_login(c.admin)
    client.post(reverse("metrics:scheme_step", args=[scheme.pk]), {"step": "freeze"})
    client.post(reverse("metrics:scheme_step", args=[scheme.pk]), {"step": "publish"})
    scheme.refresh_from_db()
    assert scheme.status == "published" and scheme.results.count() == 4
    r = client.post(reverse("metrics:scheme_item", args=[scheme.pk]),
                    {"indicator": "activities", "method": "best", "max_points": "5", "cap_percent": "100"}, follow=True)
    assert sa.FROZEN_MESSAGE in r.content.decode()


def test_export_of_a_frozen_result(c, client):
    scheme = make_assessment_scheme(c.campaign, c.county, items=ITEMS)
    client.force_login(c.admin)
    r = client.get(reverse("metrics:scheme_xlsx", args=[scheme.pk]), follow=True)
    assert "冻结后才能导出" in r.content.decode()
    sa.adjustment_add(actor=c.admin, scheme=scheme, unit=c.villages[2], points=5, reason="受灾补报")
    sa.scheme_step(actor=c.admin, scheme=scheme, step="review", note="ok")
    sa.scheme_step(actor=c.admin, scheme=scheme, step="freeze")
    r = client.get(reverse("metrics:scheme_xlsx", args=[scheme.pk]))
    assert r.status_code == 200
    ws = load_workbook(BytesIO(r.content))["考核结果"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:7] == ("名次", "单位", "所属", "总分", "指标得分", "扣分", "审核调整")
    assert "组织生活(目标)" in rows[0] or any("(目标)" in h for h in rows[0])
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        (1, c.villages[1].name, 80), (2, c.villages[0].name, 70), (3, c.villages[2].name, 15),
        (4, c.villages[3].name, 0)]
    assert rows[3][-1] == "5.00:受灾补报"
    client.force_login(c.viewer)   # the viewer reads it too; a township only once published
    assert client.get(reverse("metrics:scheme_xlsx", args=[scheme.pk])).status_code == 200
    client.force_login(c.tstaff)
    assert client.get(reverse("metrics:scheme_xlsx", args=[scheme.pk])).status_code == 404
    sa.scheme_step(actor=c.admin, scheme=scheme, step="publish")
    rows = list(load_workbook(BytesIO(client.get(reverse("metrics:scheme_xlsx", args=[scheme.pk])).content))
                ["考核结果"].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [c.villages[1].name, c.villages[0].name]


def test_the_admin_keeps_frozen_rows_read_only(c, client):
    from tests.factories import make_staff

    scheme = frozen_scheme(c.campaign, c.county, items=ITEMS)
    staff = make_staff("county_staff", Role.COUNTY_ADMIN, c.county)
    superuser = make_user("root", is_superuser=True, is_staff=True)
    result = scheme.results.first()
    for user in (staff, superuser):
        client.force_login(user)
        r = client.post(reverse("admin:metrics_assessmentresult_change", args=[result.pk]), {"score": "99"})
        assert r.status_code == 403
        assert client.post(reverse("admin:metrics_assessmentresult_delete", args=[result.pk]), {"post": "yes"}
                           ).status_code == 403
    client.force_login(superuser)
    r = client.get(reverse("admin:metrics_assessmentscheme_change", args=[scheme.pk]))
    assert r.status_code == 200 and 'name="title"' not in r.content.decode()   # frozen: nothing to edit
    result.refresh_from_db()
    assert result.score != D(99)


# --- query counts ---------------------------------------------------------------------------------

def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_scheme_pages_query_count_is_constant(c, client):
    live = make_assessment_scheme(c.campaign, c.county, items=ITEMS, rules=(("overdue_commitment", 1, 5),
                                                                   ("overdue_rectification", 1, 5)))
    frozen = frozen_scheme(c.campaign, c.county, items=ITEMS, title="冻结方案")
    client.force_login(c.admin)
    urls = [reverse("metrics:scheme_detail", args=[live.pk]), reverse("metrics:scheme_detail", args=[frozen.pk]),
            reverse("metrics:scheme_list")]
    small = [_queries(client, u) for u in urls]
    for i in range(6):   # three times the villages, with records
        v = make_unit(UnitKind.VILLAGE, c.townships[i % 2], name=f"新增村{i}")
        make_activity(c.campaign, v, date=today() - dt.timedelta(days=3))
    sa.scheme_delete(actor=None, scheme=AssessmentScheme.objects.get(pk=make_assessment_scheme(
        c.campaign, c.county, title="另一方案").pk))
    frozen2 = frozen_scheme(c.campaign, c.county, items=ITEMS, title="冻结方案二")
    urls[1] = reverse("metrics:scheme_detail", args=[frozen2.pk])
    assert frozen2.results.count() == 10
    big = [_queries(client, u) for u in urls]
    assert big == small


def test_a_campaign_of_another_county_is_refused(c):
    other = County(villages_per_township=1, townships=1)
    camp = make_campaign(other.county, slug="other")
    with pytest.raises(PermissionDenied):
        make_assessment_scheme(camp, other.county, actor=c.admin)
    with pytest.raises(ValidationError) as e:
        make_assessment_scheme(camp, c.county)
    assert "不在" in str(e.value)


def test_the_admin_writes_through_the_services(c, client):
    """A county admin with admin rights adds a scheme and an item in the admin (the services'
    rules and history apply); an item of a frozen scheme cannot be changed there."""
    from tests.factories import make_staff

    staff = make_staff("county_staff", Role.COUNTY_ADMIN, c.county)
    client.force_login(staff)
    r = client.post(reverse("admin:metrics_assessmentscheme_add"), {
        "title": "后台方案", "campaign": c.campaign.pk, "unit": c.county.pk, "year": today().year, "level": "village",
        "date_from": c.campaign.start_date.isoformat(), "date_to": today().isoformat(), "change_reason": "后台新建"})
    assert r.status_code == 302, r.content.decode()[:2000]
    scheme = AssessmentScheme.objects.get(title="后台方案")
    assert scheme.history.first().history_change_reason == "后台新建"
    r = client.post(reverse("admin:metrics_assessmentitem_add"), {
        "scheme": scheme.pk, "indicator": Indicator.objects.get(code="activities").pk, "method": "best",
        "max_points": "0", "cap_percent": 100, "change_reason": "加指标"})
    assert r.status_code == 200 and "errornote" in r.content.decode() and scheme.items.count() == 0
    frozen = frozen_scheme(c.campaign, c.county, items=ITEMS, title="冻结方案")
    item = frozen.items.first()
    r = client.post(reverse("admin:metrics_assessmentitem_change", args=[item.pk]), {
        "scheme": frozen.pk, "indicator": item.indicator.pk, "method": "best", "max_points": "1",
        "cap_percent": 100, "change_reason": "改分值"})
    assert r.status_code == 403
    item.refresh_from_db()
    assert item.max_points == D(40)
