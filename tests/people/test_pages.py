"""The register's pages: scope (a village secretary sees and edits only their village), the form,
the pipeline board and the 四个优先 report agreeing with the records, constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import OrgKind
from people import selectors as sel
from people.models import Person, PipelineStep, Stage
from tests.factories import PersonFactory, make_step

pytestmark = pytest.mark.django_db

D = dt.date


def branch_of(unit):
    return unit.organizations.get(kind=OrgKind.PARTY_BRANCH)


def develop(person, year, upto=Stage.PROBATIONARY):
    """Record the pipeline up to ``upto`` in ``year`` (发展对象 in March, 预备党员 in July)."""
    mass = person.unit.organizations.get(kind=OrgKind.YOUTH_LEAGUE)
    make_step(person, Stage.RECOMMENDED, D(year - 2, 1, 5), recommended_by=mass)
    make_step(person, Stage.ACTIVIST, D(year - 2, 3, 1))
    if upto == Stage.ACTIVIST:
        return
    make_step(person, Stage.DEVELOPMENT_TARGET, D(year, 3, 1))
    if upto == Stage.PROBATIONARY:
        make_step(person, Stage.PROBATIONARY, D(year, 7, 1))


def test_a_village_secretary_sees_and_edits_only_their_village(w, client):
    mine = PersonFactory(unit=w.villages[0], name="本村张三", branch=branch_of(w.villages[0]))
    theirs = PersonFactory(unit=w.villages[1], name="邻村李四")
    client.force_login(w.users["village"])
    r = client.get(reverse("people:person_list"))
    assert "本村张三" in r.text and "邻村李四" not in r.text
    for name in ("people:person_detail", "people:person_edit", "people:step_add"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
        assert client.post(reverse(name, args=[theirs.pk]), {"name": "改"}).status_code == 404
    r = client.post(reverse("people:person_edit", args=[mine.pk]), {
        "name": "本村张三", "status": "league_member", "gender": "male", "birth_year": "1998",
        "education": "bachelor", "occupation": "种粮大户", "frontline": "on", "phone": "13811112222",
        "tags": ["rich_leader", "volunteer"], "branch": branch_of(w.villages[0]).pk})
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.tags == ["rich_leader", "volunteer"] and mine.frontline and mine.status == "league_member"
    theirs.refresh_from_db()
    assert theirs.name == "邻村李四"


def test_a_village_secretary_registers_a_person_in_their_village(w, client):
    client.force_login(w.users["village"])
    r = client.get(reverse("people:person_create"))
    assert r.status_code == 200 and w.villages[0].name in r.text   # their one unit, no picker
    r = client.post(reverse("people:person_create"), {"name": "新人王五", "status": "applicant",
                                                      "gender": "female", "birth_year": "2001"})
    assert r.status_code == 302
    p = Person.objects.get(name="新人王五")
    assert p.unit == w.villages[0] and p.history.first().history_user == w.users["village"]
    # a unit outside their scope: 404; the county picks a unit first
    assert client.get(reverse("people:person_create"), {"unit": w.villages[1].pk}).status_code == 404
    client.force_login(w.users["county"])
    r = client.get(reverse("people:person_create"))
    assert "选择所在单位" in r.text


def test_the_form_explains_what_is_wrong(w, client):
    client.force_login(w.users["village"])
    other_branch = branch_of(w.villages[1])
    r = client.post(reverse("people:person_create"), {"name": "", "status": "masses", "birth_year": "1800",
                                                      "branch": other_branch.pk})
    assert r.status_code == 200
    assert "这个字段是必填项" in r.text or "必填" in r.text
    assert not Person.objects.exists()


def test_recording_a_step_from_the_person_page(w, client):
    v = w.villages[0]
    p = PersonFactory(unit=v, name="赵六", status="league_member", branch=branch_of(v))
    client.force_login(w.users["village"])
    r = client.get(reverse("people:person_detail", args=[p.pk]))
    assert "登记“推荐(推优)”" in r.text and "乡镇工作人员、县级组织部管理员" in r.text
    league = v.organizations.get(kind=OrgKind.YOUTH_LEAGUE)
    r = client.post(reverse("people:step_add", args=[p.pk]), {"date": "2024-03-01", "recommended_by": league.pk,
                                                              "contacts": "张书记"})
    assert r.status_code == 302
    r = client.post(reverse("people:step_add", args=[p.pk]), {"date": "2024-02-01"})
    assert "不能早于上一环节" in r.text
    client.post(reverse("people:step_add", args=[p.pk]), {"date": "2024-04-01"})
    p.refresh_from_db()
    assert p.status == "activist"
    # 发展对象 is the township's: the village secretary is refused, with who may
    r = client.get(reverse("people:step_add", args=[p.pk]))
    assert r.status_code == 403
    client.force_login(w.users["township"])
    r = client.get(reverse("people:person_detail", args=[p.pk]))
    assert "登记“列为发展对象”" in r.text and "张书记" in r.text


def test_four_priorities_agree_with_the_records(w, client):
    v0, v1 = w.villages[0], w.villages[1]
    year = 2024
    people = [
        # unit, gender, birth_year, education, occupation
        (v0, "female", 1995, "bachelor", "frontline"),   # all four
        (v0, "male", 1980, "senior", "村医"),             # none
        (v0, "female", 1989, "college", ""),              # young (35 in 2024), higher, female
        (v1, "male", 1988, "primary", "frontline"),       # 36: not young; frontline
    ]
    for unit, gender, born, edu, occ in people:
        p = PersonFactory(unit=unit, gender=gender, birth_year=born, education=edu, occupation=occ,
                          status="league_member", branch=branch_of(unit))
        develop(p, year)
    stays = PersonFactory(unit=v1, gender="female", birth_year=2000, status="league_member", branch=branch_of(v1))
    develop(stays, year, upto=Stage.DEVELOPMENT_TARGET)   # 发展对象 in 2024, not yet 预备
    late = PersonFactory(unit=v1, gender="female", birth_year=2000, status="league_member", branch=branch_of(v1))
    develop(late, year - 1)   # developed the year before: not counted

    rows, total = sel.four_priorities(w.users["county"], year)
    by_unit = {r.unit_name: (r.total, r.higher, r.young, r.frontline, r.female) for r in rows}
    assert by_unit == {v0.name: (3, 2, 2, 1, 2), v1.name: (1, 0, 0, 1, 0)}
    assert (total.total, total.higher, total.young, total.frontline, total.female) == (4, 2, 2, 2, 2)
    assert total.shares == {"higher": 50.0, "young": 50.0, "frontline": 50.0, "female": 50.0}
    # the same from the records, counted directly
    developed = Person.objects.filter(steps__stage="probationary", steps__date__year=year)
    assert developed.count() == total.total
    assert developed.filter(gender="female").count() == total.female
    targets, _ = sel.four_priorities(w.users["county"], year, stage=Stage.DEVELOPMENT_TARGET)
    assert sum(r.total for r in targets) == 5
    # the page shows the same figures; a village secretary sees only their village
    client.force_login(w.users["county"])
    r = client.get(reverse("people:priorities"), {"year": year})
    assert r.context["total"].total == 4 and "50.0%" in r.text
    client.force_login(w.users["village"])
    r = client.get(reverse("people:priorities"), {"year": year})
    assert r.context["total"].total == 3 and v1.name not in r.text


def test_pipeline_board_counts_agree_with_the_records(w, client):
    v0 = w.villages[0]
    for upto in (Stage.ACTIVIST, Stage.ACTIVIST, Stage.DEVELOPMENT_TARGET, Stage.PROBATIONARY):
        develop(PersonFactory(unit=v0, status="league_member", branch=branch_of(v0)), 2024, upto=upto)
    PersonFactory(unit=v0, status="applicant", branch=branch_of(v0))
    PersonFactory(unit=v0, status="member", branch=branch_of(v0))   # not on the board
    client.force_login(w.users["township"])
    r = client.get(reverse("people:board"))
    row = r.context["page"].object_list[0]
    assert row["counts"] == {"applicant": 1, "activist": 2, "development_target": 1, "probationary": 1}
    assert row["total"] == 5
    latest = {}
    for s in PipelineStep.objects.order_by("date"):
        latest[s.person_id] = s.stage
    assert sum(1 for st in latest.values() if st == "activist") == row["counts"]["activist"]
    r = client.get(reverse("people:board"), {"branch": branch_of(v0).pk})
    assert [len(people) for _, _, people in r.context["columns"]] == [1, 2, 1, 1]
    # a branch out of scope is a 404
    client.force_login(w.users["village2"])
    assert client.get(reverse("people:board"), {"branch": branch_of(v0).pk}).status_code == 404


# --- constant query counts --------------------------------------------------------------------

def _count(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200, path
    return len(ctx.captured_queries)


def _grow(w, n):
    for i in range(n):
        unit = w.villages[i % 3]
        p = PersonFactory(unit=unit, status="league_member", branch=branch_of(unit), tags=["volunteer"],
                          gender="female" if i % 2 else "male")
        develop(p, 2024, upto=[Stage.ACTIVIST, Stage.DEVELOPMENT_TARGET, Stage.PROBATIONARY][i % 3])


@pytest.mark.parametrize("role", ["county", "township", "village", "viewer"])
def test_every_list_has_a_constant_query_count(w, client, role):
    client.force_login(w.users[role])
    pages = [
        (reverse("people:person_list"), {}),
        (reverse("people:person_list"), {"tag": "volunteer", "status": "activist", "q": "人员"}),
        (reverse("people:person_export"), {}),
        (reverse("people:board"), {}),
        (reverse("people:board"), {"branch": branch_of(w.villages[0]).pk}),
        (reverse("people:priorities"), {"year": 2024}),
    ]
    _grow(w, 3)
    few = [_count(client, p, q) for p, q in pages]
    _grow(w, 24)
    many = [_count(client, p, q) for p, q in pages]
    assert many == few


def test_the_person_page_has_a_constant_query_count(w, client):
    v = w.villages[0]
    p = PersonFactory(unit=v, status="league_member", branch=branch_of(v))
    client.force_login(w.users["township"])
    url = reverse("people:person_detail", args=[p.pk])
    make_step(p, Stage.RECOMMENDED, D(2022, 1, 1), recommended_by=v.organizations.get(kind=OrgKind.UNION))
    few = _count(client, url)
    make_step(p, Stage.ACTIVIST, D(2022, 2, 1))
    make_step(p, Stage.DEVELOPMENT_TARGET, D(2023, 2, 1))
    make_step(p, Stage.PROBATIONARY, D(2023, 5, 1))
    assert _count(client, url) == few
