"""Issue 13 part A: the 评选 cycle — every transition allowed and refused per role, the order
rules (deadline, eligibility, once per cycle, objections before closing, award after 公示),
suggested scores equal to the figures, history of who did what, scope (404), the public 公示 page
without personal data, awards on the unit's and person's pages, constant query counts on lists.

The world (tests.campaigns.activity_world.World): a county of 2 townships × 2 villages, 县农业局
paired with the first village; users county, township (first township), township2, village
(first village), village2, bureau, inspector, viewer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evaluations import selectors, services
from evaluations.models import Award, CycleStatus, Nomination, NominationStatus, Objection
from metrics import figures as metric_figures
from tests.campaigns.activity_world import World, days, media  # noqa: F401
from tests.clock import today
from tests.factories import (
    County,
    PersonFactory,
    advance_nomination,
    make_cycle,
    make_nomination,
    make_scheme,
    make_user,
    notice_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = World()
    world.scheme = make_scheme(name="五个好")
    world.cycle = make_cycle(world.scheme, world.county, actor=world.users["county"])
    return world


def _to_publicity(w, n, start=None, end=None):
    advance_nomination(n, "county_passed", county_actor=w.users["county"], township_actor=w.users["township"])
    return services.publicity_open(actor=w.users["county"], cycle=w.cycle, start=start or days(-10),
                                   end=end or days(-3))


# --- nominate ----------------------------------------------------------------------------------

def test_who_may_nominate_which_unit(w):
    n = make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    assert n.status == NominationStatus.NOMINATED and n.nominating_unit == w.villages[0]
    assert n.history.first().history_user == w.users["village"]
    for who in ("village2", "inspector", "viewer", "bureau"):
        with pytest.raises(PermissionDenied):
            make_nomination(w.cycle, unit=w.villages[1] if who != "village2" else w.villages[0],
                            actor=w.users[who])
    # the township nominates a village of its township, in its name
    n2 = make_nomination(w.cycle, unit=w.villages[1], actor=w.users["township"])
    assert n2.nominating_unit == w.townships[0]
    with pytest.raises(PermissionDenied):
        make_nomination(w.cycle, unit=w.villages[2], actor=w.users["township"])   # another township


def test_nomination_rules(w):
    make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    with pytest.raises(ValidationError, match="已被推荐过"):
        make_nomination(w.cycle, unit=w.villages[0], actor=w.users["county"])
    with pytest.raises(ValidationError, match="不推荐"):
        make_nomination(w.cycle, unit=w.enterprise, actor=w.users["county"])   # not an eligible kind
    with pytest.raises(ValidationError, match="主要事迹"):
        make_nomination(w.cycle, unit=w.villages[1], actor=w.users["county"], statement="好")
    with pytest.raises(ValidationError, match="截止"):
        make_nomination(w.cycle, unit=w.villages[1], actor=w.users["county"], today=days(11))
    person = PersonFactory(unit=w.villages[0])
    with pytest.raises(ValidationError, match="先进集体"):
        make_nomination(w.cycle, person=person, actor=w.users["county"])
    other = County(villages_per_township=1, townships=1)
    with pytest.raises(PermissionDenied):
        make_nomination(w.cycle, unit=other.villages[0], actor=w.users["county"])


def test_person_scheme_checks_the_status(w):
    scheme = make_scheme(kind="person", name="五标兵", statuses="member,probationary",
                         criteria=(("自觉学习的标兵", 100, "", None),))
    cycle = make_cycle(scheme, w.county)
    member = PersonFactory(unit=w.villages[0], status="member", name="王党员")
    masses = PersonFactory(unit=w.villages[0], status="masses", name="李群众")
    n = make_nomination(cycle, person=member, actor=w.users["village"])
    assert n.unit == w.villages[0] and n.nominee_name == "王党员"
    with pytest.raises(ValidationError, match="政治面貌"):
        make_nomination(cycle, person=masses, actor=w.users["village"])


# --- review rounds -----------------------------------------------------------------------------

def test_township_round_is_the_townships_and_county_round_the_countys(w):
    n = make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    for who in ("village", "county", "township2", "inspector"):
        with pytest.raises(PermissionDenied):
            services.nomination_review(actor=w.users[who], nomination=n, round="township", result="pass")
    with pytest.raises(ValidationError, match="不在县级评审环节"):
        services.nomination_review(actor=w.users["county"], nomination=n, round="county", result="pass")
    services.nomination_review(actor=w.users["township"], nomination=n, round="township", result="pass")
    n.refresh_from_db()
    assert n.status == NominationStatus.TOWNSHIP_PASSED
    with pytest.raises(ValidationError, match="不在乡镇审核环节"):
        services.nomination_review(actor=w.users["township"], nomination=n, round="township", result="pass")
    with pytest.raises(PermissionDenied):
        services.nomination_review(actor=w.users["township"], nomination=n, round="county", result="pass")
    services.nomination_review(actor=w.users["county"], nomination=n, round="county", result="pass")
    n.refresh_from_db()
    assert n.status == NominationStatus.COUNTY_PASSED
    assert [(d.round, d.result, d.decided_by) for d in n.decisions.all()] == [
        ("township", "pass", w.users["township"]), ("county", "pass", w.users["county"])]


def test_a_bureau_outside_townships_is_reviewed_by_the_county_in_the_first_round(w):
    n = make_nomination(w.cycle, unit=w.bureau, actor=w.users["bureau"])
    with pytest.raises(PermissionDenied):
        services.nomination_review(actor=w.users["township"], nomination=n, round="township", result="pass")
    services.nomination_review(actor=w.users["county"], nomination=n, round="township", result="pass")
    n.refresh_from_db()
    assert n.status == NominationStatus.TOWNSHIP_PASSED


def test_returned_is_changed_and_resubmitted_rejected_is_final(w):
    n = make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    with pytest.raises(ValidationError, match="理由"):
        services.nomination_review(actor=w.users["township"], nomination=n, round="township", result="return")
    services.nomination_review(actor=w.users["township"], nomination=n, round="township", result="return",
                               reason="请补充三会一课情况")
    n.refresh_from_db()
    assert n.status == NominationStatus.RETURNED
    with pytest.raises(PermissionDenied):
        services.nomination_submit(actor=w.users["village2"], cycle=w.cycle, nomination=n, statement="补充材料后的主要事迹内容")
    services.nomination_submit(actor=w.users["village"], cycle=w.cycle, nomination=n,
                               statement="补充:全年召开党员大会四次、党课四次。", files=[notice_file("事迹.pdf")])
    n.refresh_from_db()
    assert n.status == NominationStatus.NOMINATED and n.files.count() == 1
    assert n.history.first().history_change_reason == "修改后重新报送"
    services.nomination_review(actor=w.users["township"], nomination=n, round="township", result="reject",
                               reason="不符合条件")
    n.refresh_from_db()
    assert n.status == NominationStatus.REJECTED
    with pytest.raises(ValidationError):
        services.nomination_submit(actor=w.users["village"], cycle=w.cycle, nomination=n, statement="再次修改的主要事迹内容")


# --- scores and suggestions --------------------------------------------------------------------

def test_only_assigned_reviewers_score_only_what_awaits_county_review(w):
    n = make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    crit = list(w.scheme.criteria.all())
    with pytest.raises(PermissionDenied):
        services.reviewer_assign(actor=w.users["township"], cycle=w.cycle, reviewer=w.users["inspector"])
    with pytest.raises(ValidationError, match="工作范围"):
        services.reviewer_assign(actor=w.users["county"], cycle=w.cycle, reviewer=w.users["village"])
    services.reviewer_assign(actor=w.users["county"], cycle=w.cycle, reviewer=w.users["inspector"])
    with pytest.raises(ValidationError, match="待县级评审"):
        services.scores_save(actor=w.users["inspector"], nomination=n, scores={crit[0]: (90, "")})
    advance_nomination(n, "township_passed", township_actor=w.users["township"])
    with pytest.raises(PermissionDenied):
        services.scores_save(actor=w.users["viewer"], nomination=n, scores={crit[0]: (90, "")})
    with pytest.raises(ValidationError, match="0 到 100"):
        services.scores_save(actor=w.users["inspector"], nomination=n, scores={crit[0]: (101, "")})
    assert services.scores_save(actor=w.users["inspector"], nomination=n,
                                scores={crit[0]: (90, "班子团结"), crit[1]: (70, "")}) == 2
    assert services.scores_save(actor=w.users["inspector"], nomination=n, scores={crit[0]: (90, "班子团结")}) == 0
    # weighted: 90/100×50 + 70/100×50 = 80
    assert selectors.weighted_totals([n.pk], crit)[n.pk] == Decimal("80.0")


def test_the_suggested_score_is_the_figure_scaled(w):
    for i in range(4):
        w.log(title=f"主题党日{i}", date=days(-5 - i) if days(-5 - i).year == today().year else today())
    n = make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    crit = list(w.scheme.criteria.all())
    figure = metric_figures.figure_map(metric_figures.figures(
        w.villages[0], None, dt.date(today().year, 1, 1), dt.date(today().year, 12, 31),
        inds=metric_figures.indicators(["activities"])))["activities"]
    s = selectors.suggestions(n, crit)[crit[1].pk]
    assert s.total == figure.value == 4
    assert s.score == Decimal("40.0")   # 4 of the 10 that give full marks, of 100
    assert crit[0].pk not in selectors.suggestions(n, crit)   # no indicators: no suggestion


# --- 公示, objections, awards ------------------------------------------------------------------

def test_publicity_objections_close_and_award(w, client):
    a = make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    b = make_nomination(w.cycle, unit=w.villages[1], actor=w.users["township"])
    advance_nomination(b, "county_passed", county_actor=w.users["county"], township_actor=w.users["township"])
    with pytest.raises(ValidationError, match="只有公示中"):
        services.objection_record(actor=w.users["county"], nomination=b, received_on=today(), content="有意见")
    with pytest.raises(PermissionDenied):
        services.publicity_open(actor=w.users["township"], cycle=w.cycle, start=days(-10), end=days(-3))
    with pytest.raises(ValidationError, match="不能早于"):
        services.publicity_open(actor=w.users["county"], cycle=w.cycle, start=days(-3), end=days(-10))
    w.cycle = _to_publicity(w, a)
    a.refresh_from_db(), b.refresh_from_db()
    assert a.status == b.status == NominationStatus.PUBLICITY and w.cycle.status == CycleStatus.PUBLICITY
    with pytest.raises(ValidationError, match="已发布过"):
        services.publicity_open(actor=w.users["county"], cycle=w.cycle, start=days(-10), end=days(-3))
    with pytest.raises(PermissionDenied):
        services.objection_record(actor=w.users["township"], nomination=a, received_on=days(-5), content="意见")
    o1 = services.objection_record(actor=w.users["county"], nomination=a, received_on=days(-5), content="台帐不全")
    o2 = services.objection_record(actor=w.users["county"], nomination=b, received_on=days(-4),
                                   from_name="", content="书记两次缺席组织生活")
    with pytest.raises(ValidationError, match="未答复"):
        services.publicity_close(actor=w.users["county"], cycle=w.cycle)
    with pytest.raises(ValidationError, match="答复"):
        services.objection_answer(actor=w.users["county"], objection=o1, outcome="dismissed", answer="")
    services.objection_answer(actor=w.users["county"], objection=o1, outcome="dismissed", answer="经核实台帐完整")
    services.objection_answer(actor=w.users["county"], objection=o2, outcome="upheld", answer="经核实情况属实")
    with pytest.raises(ValidationError, match="已答复"):
        services.objection_answer(actor=w.users["county"], objection=o2, outcome="dismissed", answer="改判")
    b.refresh_from_db()
    assert b.status == NominationStatus.NOT_AWARDED
    assert b.decisions.last().reason == "公示异议经核实成立:经核实情况属实"
    with pytest.raises(ValidationError, match="公示结束后"):
        services.cycle_award(actor=w.users["county"], cycle=w.cycle, awarded_on=today())
    with pytest.raises(PermissionDenied):
        services.publicity_close(actor=w.users["township"], cycle=w.cycle)
    board = w.cycle.board
    assert client.get(reverse("board_public", args=[board.token])).status_code == 200
    services.publicity_close(actor=w.users["county"], cycle=w.cycle)
    assert client.get(reverse("board_public", args=[board.token])).status_code == 404   # withdrawn
    with pytest.raises(ValidationError, match="之后"):
        services.cycle_award(actor=w.users["county"], cycle=w.cycle, awarded_on=days(-3))
    with pytest.raises(PermissionDenied):
        services.cycle_award(actor=w.users["township"], cycle=w.cycle, awarded_on=today())
    awards = services.cycle_award(actor=w.users["county"], cycle=w.cycle, awarded_on=today())
    assert [x.unit for x in awards] == [w.villages[0]]
    assert Award.objects.get().history.first().history_user == w.users["county"]
    with pytest.raises(ValidationError, match="已授予"):
        services.cycle_award(actor=w.users["county"], cycle=w.cycle, awarded_on=today())
    # the award shows on the unit's page
    client.force_login(w.users["village"])
    page = client.get(reverse("organizations:unit_detail", args=[w.villages[0].pk])).content.decode()
    assert "荣誉表彰" in page and f"{w.cycle.year}年度{w.scheme.award_title}" in page


def test_publicity_cannot_close_before_its_end(w):
    n = make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    _to_publicity(w, n, start=days(-2), end=days(3))
    with pytest.raises(ValidationError, match="期满后"):
        services.publicity_close(actor=w.users["county"], cycle=w.cycle)
    services.publicity_close(actor=w.users["county"], cycle=w.cycle, today=days(4))


def test_the_public_page_shows_no_personal_data(w, client):
    scheme = make_scheme(kind="person", name="五标兵", criteria=(("自觉学习的标兵", 100, "", None),))
    w.cycle = make_cycle(scheme, w.county)
    person = PersonFactory(unit=w.villages[0], name="赵标兵", phone="13912345678", status="member")
    n = make_nomination(w.cycle, person=person, actor=w.users["village"],
                        statement="热心服务群众,联系电话13912345678,身份证230123199001011234。")
    w.cycle = _to_publicity(w, n)
    page = client.get(reverse("board_public", args=[w.cycle.board.token])).content.decode()
    assert "赵标兵" in page and w.villages[0].name in page and "0458-1234567" in page
    assert "13912345678" not in page and "230123199001011234" not in page and "[已隐去]" in page


def test_awards_show_on_the_persons_page(w, client):
    scheme = make_scheme(kind="person", name="五标兵", criteria=(("自觉学习的标兵", 100, "", None),))
    w.cycle = make_cycle(scheme, w.county)
    person = PersonFactory(unit=w.villages[0], name="钱标兵", status="member")
    n = make_nomination(w.cycle, person=person, actor=w.users["village"])
    _to_publicity(w, n)
    services.publicity_close(actor=w.users["county"], cycle=w.cycle)
    services.cycle_award(actor=w.users["county"], cycle=w.cycle, awarded_on=today())
    client.force_login(w.users["village"])
    page = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert "个人荣誉" in page and "年度五标兵" in page


# --- scope and pages ---------------------------------------------------------------------------

def test_out_of_scope_nomination_is_404_and_lists_are_scoped(w, client):
    mine = make_nomination(w.cycle, unit=w.villages[0], actor=w.users["village"])
    theirs = make_nomination(w.cycle, unit=w.villages[2], actor=w.users["county"])
    client.force_login(w.users["village"])
    assert client.get(reverse("evaluations:nomination_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("evaluations:nomination_detail", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("evaluations:cycle_detail", args=[w.cycle.pk])).content.decode()
    assert w.villages[0].name in page and w.villages[2].name not in page
    other = County(villages_per_township=1, townships=1)
    outsider = make_user("outsider", "county_admin", other.county)
    client.force_login(outsider)
    assert client.get(reverse("evaluations:cycle_detail", args=[w.cycle.pk])).status_code == 404
    assert client.get(reverse("evaluations:nomination_detail", args=[mine.pk])).status_code == 404


def test_nominate_and_review_through_the_pages(w, client, media):  # noqa: F811
    client.force_login(w.users["village"])
    pick = client.get(reverse("evaluations:nominate", args=[w.cycle.pk])).content.decode()
    assert w.villages[0].name in pick and w.villages[1].name not in pick
    url = reverse("evaluations:nominate", args=[w.cycle.pk]) + f"?unit={w.villages[0].pk}"
    bad = client.post(url, {"statement": "短"})
    assert "至少 10 个字" in bad.content.decode()
    r = client.post(url, {"statement": "全年开展主题党日十二次,帮助群众解决实际困难二十件。",
                          "files": [notice_file("事迹材料.pdf")]})
    n = Nomination.objects.get()
    assert r.status_code == 302 and n.files.get().name == "事迹材料.pdf"
    assert client.get(reverse("evaluations:evidence_file", args=[n.files.get().pk])).status_code == 200
    client.force_login(w.users["township"])
    detail = client.get(reverse("evaluations:nomination_detail", args=[n.pk])).content.decode()
    assert "乡镇审核" in detail
    r = client.post(reverse("evaluations:nomination_review", args=[n.pk]), {"result": "return", "reason": ""})
    assert "退回或不通过时请填写理由" in r.content.decode()
    client.post(reverse("evaluations:nomination_review", args=[n.pk]), {"result": "pass", "reason": ""})
    n.refresh_from_db()
    assert n.status == NominationStatus.TOWNSHIP_PASSED
    client.force_login(w.users["village"])
    assert client.get(reverse("evaluations:nomination_review", args=[n.pk])).status_code == 403
    assert client.get(reverse("evaluations:nomination_score", args=[n.pk])).status_code == 403
    history = client.get(reverse("evaluations:nomination_detail", args=[n.pk])).content.decode()
    assert "乡镇审核通过" in history and "township" in history


def test_lists_take_constant_queries(w, client, django_assert_num_queries):
    client.force_login(w.users["county"])
    crit = list(w.scheme.criteria.all())
    services.reviewer_assign(actor=w.users["county"], cycle=w.cycle, reviewer=w.users["inspector"])

    def add(units):
        for u in units:
            n = make_nomination(w.cycle, unit=u, actor=w.users["county"])
            advance_nomination(n, "township_passed", township_actor=w.users["county"] if u.kind == "bureau" else None)
            services.scores_save(actor=w.users["inspector"], nomination=n, scores={crit[0]: (80, "")})

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(w.villages[:1])
    urls = [reverse("evaluations:cycle_detail", args=[w.cycle.pk]), reverse("evaluations:cycle_list")]
    few = [count(u) for u in urls]
    add(w.villages[1:] + [w.bureau])
    make_cycle(make_scheme(name="示范点"), w.county)
    many = [count(u) for u in urls]
    assert few == many
    assert Objection.objects.count() == 0
