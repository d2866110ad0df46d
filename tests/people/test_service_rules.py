"""Part B rules: 双培双带 links, volunteer teams and hours, 流动党员 — who may write, what the
services refuse, and the figures agreeing with the records."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from people.models import Person
from people.models_service import RichLink
from people.selectors_service import migrants, overdue_migrants, rich_figures, volunteer_hours
from people.services_service import (
    activity_volunteers_set,
    migrant_contact_add,
    migrant_return,
    rich_link_save,
    service_record_save,
    team_save,
)
from tests.clock import today
from tests.factories import PersonFactory, make_contact, make_help_pair, make_migrant, make_service, make_team

pytestmark = pytest.mark.django_db



def ago(n):
    return today() - dt.timedelta(days=n)


# --- 双培双带 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,ok", [("county", True), ("township", True), ("village", True),
                                     ("village2", False), ("township2", False), ("inspector", False),
                                     ("viewer", False)])
def test_who_may_record_a_rich_link(w, role, ok):
    member = PersonFactory(unit=w.villages[0], status="member")
    call = dict(actor=w.users[role], person=member, kind="member_to_rich", started_on=ago(100), goal="发展养殖")
    if ok:
        assert rich_link_save(**call).person == member
    else:
        with pytest.raises(PermissionDenied):
            rich_link_save(**call)


def test_rich_link_rules(w):
    village = w.villages[0]
    masses = PersonFactory(unit=village, status="masses")
    rich = PersonFactory(unit=village, status="activist", tags=["rich_leader"])
    member = PersonFactory(unit=village, status="member")
    with pytest.raises(ValidationError, match="未标记为致富能手"):
        rich_link_save(actor=None, person=masses, kind="rich_to_member", started_on=ago(10), goal="发展入党")
    with pytest.raises(ValidationError, match="不是党员"):
        rich_link_save(actor=None, person=rich, kind="member_to_rich", started_on=ago(10), goal="致富")
    with pytest.raises(ValidationError, match="请填写培养结果"):
        rich_link_save(actor=None, person=member, kind="member_to_rich", started_on=ago(10), goal="致富",
                       achieved_on=ago(1))
    with pytest.raises(ValidationError, match="不能早于开始日期"):
        rich_link_save(actor=None, person=member, kind="member_to_rich", started_on=ago(10), goal="致富",
                       achieved_on=ago(20), result="年收入十万")
    other_pair = make_help_pair(w.villages[1])
    with pytest.raises(ValidationError, match="帮扶对子须是"):
        rich_link_save(actor=None, person=member, kind="lead_rich", started_on=ago(10), goal="带富",
                       help_pair=other_pair)
    link = rich_link_save(actor=w.users["village"], person=rich, kind="rich_to_member", started_on=ago(30),
                          goal="发展入党", responsible="张书记")
    link = rich_link_save(actor=w.users["village"], link=link, person=rich, kind="rich_to_member",
                          started_on=ago(30), goal="发展入党", result="列为发展对象", achieved_on=ago(2))
    assert [h.history_change_reason for h in link.history.order_by("history_id")] == ["登记双培双带", "修改双培双带"]


def test_rich_figures_agree_with_the_records(w):
    v0, v1 = w.villages[0], w.villages[1]
    m0 = PersonFactory(unit=v0, status="member")
    r0 = PersonFactory(unit=v0, status="probationary", tags=["rich_leader"])
    m1 = PersonFactory(unit=v1, status="member")
    pair_a, pair_b = make_help_pair(v0), make_help_pair(v0)
    rich_link_save(actor=None, person=m0, kind="member_to_rich", started_on=ago(400), goal="种植",
                   result="成为种植大户", achieved_on=ago(300))
    rich_link_save(actor=None, person=r0, kind="rich_to_member", started_on=ago(200), goal="入党",
                   result="接收为预备党员", achieved_on=ago(5))
    rich_link_save(actor=None, person=m0, kind="lead_rich", started_on=ago(100), goal="带富", help_pair=pair_a)
    rich_link_save(actor=None, person=m0, kind="lead_rich", started_on=ago(90), goal="带富", help_pair=pair_b,
                   result="户年增收两万", achieved_on=ago(3))
    rich_link_save(actor=None, person=m1, kind="member_to_rich", started_on=ago(50), goal="电商")
    rows, total = rich_figures(w.users["county"])
    by_unit = {r.unit_name: r for r in rows}
    assert (by_unit[v0.name].links, by_unit[v0.name].developed, by_unit[v0.name].trained,
            by_unit[v0.name].leading, by_unit[v0.name].households) == (4, 1, 1, 1, 2)
    assert (by_unit[v1.name].links, by_unit[v1.name].trained) == (1, 0)
    assert (total.links, total.developed, total.trained, total.households) == (
        RichLink.objects.count(), 1, 1, 2)
    # the village secretary sees their village only
    rows, _ = rich_figures(w.users["village"])
    assert [r.unit_name for r in rows] == [v0.name]
    # a year counts the links achieved that year
    year = ago(3).year
    _, this_year = rich_figures(w.users["county"], year=year)
    assert this_year.leading == 1 and this_year.developed == (1 if ago(5).year == year else 0)
    assert this_year.trained == (1 if ago(300).year == year else 0)


# --- volunteers ----------------------------------------------------------------------------------

def test_team_members_are_people_of_the_unit_and_become_volunteers(w):
    a = PersonFactory(unit=w.villages[0], status="member")
    outsider = PersonFactory(unit=w.villages[1])
    with pytest.raises(ValidationError, match="队员须是"):
        team_save(actor=None, unit=w.villages[0], name="服务队", members=[a, outsider])
    with pytest.raises(PermissionDenied):
        team_save(actor=w.users["village2"], unit=w.villages[0], name="服务队", members=[a])
    team = team_save(actor=w.users["village"], unit=w.villages[0], name="服务队", leader=a)
    assert list(team.members.all()) == [a]
    assert Person.objects.get(pk=a.pk).is_volunteer


def test_service_record_rules(w):
    a, b = PersonFactory(unit=w.villages[0]), PersonFactory(unit=w.villages[0])
    stranger = PersonFactory(unit=w.villages[0])
    team = make_team(w.villages[0], [a, b])
    with pytest.raises(ValidationError, match="不是"):
        service_record_save(actor=None, team=team, date=ago(1), place="无物业小区", content="清扫",
                            hours=[(stranger, 2)])
    with pytest.raises(ValidationError, match="0.1到24"):
        service_record_save(actor=None, team=team, date=ago(1), place="无物业小区", content="清扫", hours=[(a, 30)])
    with pytest.raises(ValidationError, match="至少"):
        service_record_save(actor=None, team=team, date=ago(1), place="无物业小区", content="清扫", hours=[])
    with pytest.raises(ValidationError, match="不能晚于今天"):
        service_record_save(actor=None, team=team, date=today() + dt.timedelta(days=1), place="x", content="y",
                            hours=[(a, 1)])
    for role in ("inspector", "viewer", "village2", "bureau"):
        with pytest.raises(PermissionDenied):
            service_record_save(actor=w.users[role], team=team, date=ago(1), place="x", content="y", hours=[(a, 1)])
    rec = service_record_save(actor=w.users["village"], team=team, date=ago(1), place="无物业小区", content="清扫",
                              hours=[(a, 2), (b, "1.5")])
    assert sorted(rec.hours.values_list("hours", flat=True)) == [Decimal("1.5"), Decimal("2.0")]
    assert rec.history.first().history_change_reason == "登记志愿服务"


def test_hours_totals_agree_with_the_records(w):
    a, b = PersonFactory(unit=w.villages[0], name="甲"), PersonFactory(unit=w.villages[0], name="乙")
    c = PersonFactory(unit=w.villages[2], name="丙")
    t1, t2 = make_team(w.villages[0], [a, b], name="一队"), make_team(w.villages[2], [c], name="三队")
    make_service(t1, [(a, 2), (b, 3)], date=ago(10))
    make_service(t1, [(a, "1.5")], date=ago(5))
    make_service(t2, [(c, 4)], date=ago(5))
    last_year = dt.date(today().year - 1, 6, 1)
    make_service(t1, [(a, 8)], date=last_year)
    county = w.users["county"]
    by_person = {r["name"]: r for r in volunteer_hours(county, year=today().year)}
    if ago(10).year == today().year:
        assert by_person["甲"]["total"] == Decimal("3.5") and by_person["甲"]["services"] == 2
        assert by_person["乙"]["total"] == Decimal("3.0")
    by_team = {r["name"]: r for r in volunteer_hours(county, year=last_year.year, by="team")}
    assert by_team["一队"]["total"] == Decimal("8.0") and by_team["一队"]["people"] == 1
    # per person and per team totals are the same hours
    for year in (today().year, last_year.year):
        assert (sum(r["total"] for r in volunteer_hours(county, year=year))
                == sum(r["total"] for r in volunteer_hours(county, year=year, by="team")))
    # the village secretary sees their village's hours only
    assert {r["name"] for r in volunteer_hours(w.users["village"], year=last_year.year)} == {"甲"}


def test_activity_volunteers(w):
    a = PersonFactory(unit=w.villages[0], tags=["volunteer"])
    activity = w.log()
    with pytest.raises(PermissionDenied):
        activity_volunteers_set(actor=w.users["village2"], activity=activity, people=[a])
    assert activity_volunteers_set(actor=w.users["village"], activity=activity, people=[a]) == 1
    assert list(a.activities.values_list("activity_id", flat=True)) == [activity.pk]
    activity_volunteers_set(actor=w.users["village"], activity=activity, people=[])
    assert not a.activities.exists()


# --- 流动党员 -------------------------------------------------------------------------------------

def test_migrant_rules_and_tag(w):
    masses = PersonFactory(unit=w.villages[0])
    member = PersonFactory(unit=w.villages[0], status="member")
    with pytest.raises(ValidationError, match="不是党员"):
        make_migrant(masses, since=ago(10))
    with pytest.raises(PermissionDenied):
        make_migrant(member, since=ago(10), actor=w.users["inspector"])
    m = make_migrant(member, since=ago(100), actor=w.users["village"])
    assert Person.objects.get(pk=member.pk).is_migrant_member
    with pytest.raises(ValidationError, match="已登记为外出"):
        make_migrant(member, since=ago(5))
    with pytest.raises(ValidationError, match="不能早于外出时间"):
        migrant_contact_add(actor=None, migrant=m, date=ago(200), way="phone", content="问候")
    c = make_contact(m, ago(3), remote_meeting=True, actor=w.users["village"])
    assert c.remote_meeting and c.recorded_by == w.users["village"]
    with pytest.raises(ValidationError, match="不能早于外出时间"):
        migrant_return(actor=None, migrant=m, date=ago(101))
    migrant_return(actor=w.users["village"], migrant=m, date=ago(1))
    assert not Person.objects.get(pk=member.pk).is_migrant_member
    with pytest.raises(ValidationError, match="已返乡"):
        migrant_contact_add(actor=None, migrant=m, date=today(), way="phone", content="问候")


def test_not_contacted_for_n_days(w):
    v = w.villages[0]
    recent = make_migrant(PersonFactory(unit=v, status="member", name="近联系"), since=ago(200))
    make_contact(recent, ago(10))
    stale = make_migrant(PersonFactory(unit=v, status="member", name="久未联系"), since=ago(200))
    make_contact(stale, ago(45))
    never = make_migrant(PersonFactory(unit=v, status="member", name="从未联系"), since=ago(40))
    fresh = make_migrant(PersonFactory(unit=v, status="member", name="刚外出"), since=ago(5))
    back = make_migrant(PersonFactory(unit=v, status="member", name="已返乡"), since=ago(300))
    migrant_return(actor=None, migrant=back, date=ago(100))
    qs = migrants(w.users["county"])
    names = lambda q: {m.person.name for m in q}  # noqa: E731
    assert names(qs) == {"近联系", "久未联系", "从未联系", "刚外出"}
    assert names(overdue_migrants(qs, days=30, today=today())) == {"久未联系", "从未联系"}
    assert names(overdue_migrants(qs, days=7, today=today())) == {"近联系", "久未联系", "从未联系"}
    assert names(overdue_migrants(qs, days=60, today=today())) == set()
    assert {never.pk, fresh.pk} <= {m.pk for m in qs}
    # scope: another village's secretary sees none of them
    assert names(migrants(w.users["village2"])) == set()
