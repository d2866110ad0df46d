"""推优 and 发展: every transition, who may record it, the order rules, and the status that follows."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from organizations.models import OrgKind
from people.models import PersonStatus, PipelineStep, Stage
from people.policy import STEP_ROLES, next_stage
from people.services import person_save
from tests.factories import PersonFactory, make_step

pytestmark = pytest.mark.django_db

D = dt.date


def org(unit, kind):
    return unit.organizations.get(kind=kind)


@pytest.fixture
def person(w):
    v = w.villages[0]
    return PersonFactory(unit=v, name="王小梅", status="league_member", status_since=D(2018, 5, 4),
                         branch=org(v, OrgKind.PARTY_BRANCH), gender="female")


def test_the_whole_way_from_recommendation_to_full_member(w, person):
    v = w.villages[0]
    league = org(v, OrgKind.YOUTH_LEAGUE)
    make_step(person, Stage.RECOMMENDED, D(2022, 3, 1), actor=w.users["village"], recommended_by=league,
              contacts="张三、李四")
    make_step(person, Stage.ACTIVIST, D(2022, 4, 1), actor=w.users["village"])
    make_step(person, Stage.DEVELOPMENT_TARGET, D(2023, 4, 1), actor=w.users["township"])
    make_step(person, Stage.PROBATIONARY, D(2023, 7, 1), actor=w.users["township"])
    make_step(person, Stage.MEMBER, D(2024, 7, 1), actor=w.users["county"])
    person.refresh_from_db()
    assert person.status == PersonStatus.MEMBER and person.status_since == D(2024, 7, 1)
    assert person.recommended_by == league
    assert [s.stage for s in person.steps.order_by("date")] == [
        "recommended", "activist", "development_target", "probationary", "member"]
    first = person.steps.get(stage="recommended")
    assert first.recorded_by == w.users["village"] and first.contacts == "张三、李四"
    assert first.history.first().history_change_reason == "登记:推荐(推优)"
    assert person.history.first().history_change_reason == "推优发展:转为正式党员(2024-07-01)"
    assert next_stage(person, list(person.steps.all())) is None
    with pytest.raises(ValidationError, match="已是正式党员"):
        make_step(person, Stage.MEMBER, D(2025, 7, 1), actor=w.users["county"])


@pytest.mark.parametrize("role,stage,allowed", [
    (role, stage, role in ("county", "township", "village") if stage in ("recommended", "activist")
     else role in ("county", "township"))
    for role in ("county", "township", "village", "village2", "township2", "bureau", "inspector", "viewer")
    for stage in ("recommended", "activist", "development_target", "probationary", "member")
])
def test_who_may_record_each_step(w, role, stage, allowed):
    """The table of ``STEP_ROLES``: the village secretary recommends and names activists, the
    township or county develops; nobody outside the person's township, no inspector, no viewer."""
    v = w.villages[0]
    before = {"recommended": "league_member", "activist": "applicant", "development_target": "activist",
              "probationary": "development_target", "member": "probationary"}[stage]
    p = PersonFactory(unit=v, status=before, status_since=D(2020, 1, 1), branch=org(v, OrgKind.PARTY_BRANCH))
    extra = {"recommended_by": org(v, OrgKind.YOUTH_LEAGUE)} if stage == "recommended" else {}
    if stage == "activist":   # an applicant recommended (推优) first: the step before 积极分子
        make_step(p, Stage.RECOMMENDED, D(2024, 5, 1), recommended_by=org(v, OrgKind.UNION))
    if allowed:
        make_step(p, stage, D(2024, 6, 1), actor=w.users[role], **extra)
        assert p.steps.filter(stage=stage).exists()
    else:
        with pytest.raises(PermissionDenied) as exc:
            make_step(p, stage, D(2024, 6, 1), actor=w.users[role], **extra)
        assert "只能由" in str(exc.value)
        assert not PipelineStep.objects.filter(stage=stage).exists()


def test_step_roles_table_is_the_documented_one():
    assert set(STEP_ROLES[Stage.RECOMMENDED]) == {"village_secretary", "bureau_liaison", "township_staff",
                                                  "county_admin"}
    assert set(STEP_ROLES[Stage.PROBATIONARY]) == {"township_staff", "county_admin"}


def test_no_skipping_and_no_repeating(w, person):
    with pytest.raises(ValidationError, match="不能跳过环节.*下一步应是“推荐"):
        make_step(person, Stage.ACTIVIST, D(2022, 4, 1), actor=w.users["county"])
    make_step(person, Stage.RECOMMENDED, D(2022, 3, 1), actor=w.users["county"],
              recommended_by=org(w.villages[0], OrgKind.YOUTH_LEAGUE))
    with pytest.raises(ValidationError, match="已经过“推荐"):
        make_step(person, Stage.RECOMMENDED, D(2022, 3, 2), actor=w.users["county"],
                  recommended_by=org(w.villages[0], OrgKind.YOUTH_LEAGUE))
    with pytest.raises(ValidationError, match="下一步应是“确定为入党积极分子"):
        make_step(person, Stage.DEVELOPMENT_TARGET, D(2022, 5, 1), actor=w.users["county"])


def test_imported_history_continues_from_the_status(w):
    """An activist imported with a date goes on to 发展对象 (no 推荐 step needed)."""
    v = w.villages[0]
    p = PersonFactory(unit=v, status="activist", status_since=D(2023, 1, 10), branch=org(v, OrgKind.PARTY_BRANCH))
    with pytest.raises(ValidationError, match=re.escape("不能早于上一环节“现政治面貌的起始日期”的日期(2023-01-10)")):
        make_step(p, Stage.DEVELOPMENT_TARGET, D(2023, 1, 9), actor=w.users["township"])
    make_step(p, Stage.DEVELOPMENT_TARGET, D(2024, 1, 10), actor=w.users["township"])
    p.refresh_from_db()
    assert p.status == "development_target"


def test_dates_in_order_not_in_the_future(w, person):
    v = w.villages[0]
    make_step(person, Stage.RECOMMENDED, D(2022, 3, 1), actor=w.users["village"],
              recommended_by=org(v, OrgKind.YOUTH_LEAGUE))
    with pytest.raises(ValidationError, match=re.escape("不能早于上一环节“推荐(推优)”的日期(2022-03-01)")):
        make_step(person, Stage.ACTIVIST, D(2022, 2, 28), actor=w.users["village"])
    with pytest.raises(ValidationError, match="不能晚于今天"):
        make_step(person, Stage.ACTIVIST, dt.date.today() + dt.timedelta(days=2), actor=w.users["village"])


def test_full_membership_not_before_one_year_of_probation(w, person):
    v = w.villages[0]
    person.status, person.status_since = "development_target", D(2023, 1, 1)
    person.save()
    make_step(person, Stage.PROBATIONARY, D(2024, 2, 29), actor=w.users["township"])
    with pytest.raises(ValidationError, match="预备期为一年.*2024-02-29接收为预备党员,最早2025-02-28可以转正"):
        make_step(person, Stage.MEMBER, D(2025, 2, 27), actor=w.users["township"])
    make_step(person, Stage.MEMBER, D(2025, 2, 28), actor=w.users["township"])
    assert person.steps.count() == 2 and v.people.get().status == "member"


def test_recommendation_needs_a_mass_organisation(w, person):
    v = w.villages[0]
    with pytest.raises(ValidationError, match="推优组织应是工会、共青团或妇联"):
        make_step(person, Stage.RECOMMENDED, D(2022, 3, 1), actor=w.users["village"],
                  recommended_by=org(v, OrgKind.PARTY_BRANCH))
    with pytest.raises(ValidationError, match="请选择推优的群团组织"):
        make_step(person, Stage.RECOMMENDED, D(2022, 3, 1), actor=w.users["village"])


def test_status_follows_the_steps_once_there_are_any(w, person):
    v = w.villages[0]
    make_step(person, Stage.RECOMMENDED, D(2022, 3, 1), actor=w.users["village"],
              recommended_by=org(v, OrgKind.WOMEN_FEDERATION))
    make_step(person, Stage.ACTIVIST, D(2022, 4, 1), actor=w.users["village"])
    with pytest.raises(ValidationError, match="政治面貌随发展环节变化"):
        person_save(actor=w.users["village"], person=person, unit=v, name=person.name, status="member")
    # other fields still change; the status is kept
    p, _ = person_save(actor=w.users["village"], person=person, unit=v, name="王小梅", occupation="frontline")
    assert p.status == "activist" and p.frontline
