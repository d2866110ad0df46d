import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from organizations import selectors, services
from organizations.models import OrgKind, Role, Unit, UnitKind
from tests.factories import County, make_full_orgs, make_org, make_unit, make_user

pytestmark = pytest.mark.django_db


def test_paths_and_depths_follow_the_tree():
    c = County()
    assert c.province.path == f"/{c.province.pk}/" and c.province.depth == 0
    v = c.villages[0]
    assert v.path == f"{c.townships[0].path}{v.pk}/"
    assert v.depth == 4
    assert v.ancestor_ids == [c.province.pk, c.city.pk, c.county.pk, c.townships[0].pk]
    assert set(Unit.objects.subtree(c.townships[0])) == {c.townships[0], *c.villages[:2]}


def test_moving_a_township_moves_its_villages():
    c = County()
    other_county = make_unit(UnitKind.COUNTY, c.city, name="邻县")
    t = c.townships[0]
    services.unit_save(actor=None, code=t.code, name=t.name, kind=t.kind, parent=other_county)
    for v in c.villages[:2]:
        v.refresh_from_db()
        assert v.path.startswith(other_county.path)
        assert v.depth == 4
    assert Unit.objects.subtree(c.county).filter(pk=c.villages[0].pk).count() == 0
    assert services.unit_rebuild_paths() == 0


def test_cannot_move_a_unit_under_itself():
    c = County()
    with pytest.raises(ValidationError):
        services.unit_save(actor=None, code=c.county.code, name="x", kind=UnitKind.COUNTY,
                           parent=c.villages[0])


def test_village_must_sit_under_a_township():
    c = County()
    with pytest.raises(ValidationError) as e:
        services.unit_save(actor=None, code="X1", name="错误村", kind=UnitKind.VILLAGE, parent=c.county)
    assert "parent" in e.value.message_dict


def test_saving_twice_by_code_updates_not_duplicates():
    c = County()
    n = Unit.objects.count()
    unit, created = services.unit_save(actor=None, code=c.bureau.code, name="县农业农村局",
                                       kind=UnitKind.BUREAU, parent=c.county)
    assert not created and Unit.objects.count() == n
    assert unit.name == "县农业农村局"
    assert unit.history.first().history_change_reason == "修改单位"


def test_township_staff_cannot_change_another_township():
    c = County()
    staff = make_user("t1", Role.TOWNSHIP_STAFF, c.townships[0])
    services.unit_save(actor=staff, code="NEW1", name="新村", kind=UnitKind.VILLAGE, parent=c.townships[0])
    with pytest.raises(PermissionDenied):
        services.unit_save(actor=staff, code="NEW2", name="新村2", kind=UnitKind.VILLAGE,
                           parent=c.townships[1])
    with pytest.raises(PermissionDenied):
        services.unit_save(actor=staff, code=c.villages[2].code, name="改名", kind=UnitKind.VILLAGE,
                           parent=c.townships[0])


def test_village_secretary_cannot_change_the_tree_but_can_keep_leaders():
    c = County()
    sec = make_user("v1", Role.VILLAGE_SECRETARY, c.villages[0])
    with pytest.raises(PermissionDenied):
        services.unit_save(actor=sec, code="NEW3", name="x", kind=UnitKind.COMMUNITY, parent=c.villages[0])
    leader = services.leader_save(actor=sec, name="李四", position="liaison", unit=c.villages[0], phone="139")
    assert leader.pk
    with pytest.raises(PermissionDenied):
        services.leader_save(actor=sec, name="王五", position="liaison", unit=c.villages[1])


def test_mass_organisation_must_be_led_by_a_party_organisation_above_it():
    c = County()
    v0, v1 = c.villages[0], c.villages[1]
    union = v0.organizations.get(kind=OrgKind.UNION)
    with pytest.raises(ValidationError) as e:
        make_org(v0, OrgKind.YOUTH_LEAGUE, led_by=union)
    assert "党组织" in str(e.value)
    other_party = v1.organizations.get(kind=OrgKind.PARTY_BRANCH)
    with pytest.raises(ValidationError):
        make_org(v0, OrgKind.YOUTH_LEAGUE, led_by=other_party)


def test_subtree_totals_and_coverage():
    c = County(villages_per_township=3)
    bare = make_unit(UnitKind.VILLAGE, c.townships[1], name="空白村")
    make_org(bare, OrgKind.PARTY_BRANCH, members=7)
    totals = selectors.subtree_totals(c.county)
    assert totals["n_villages"] == 7
    assert totals["n_townships"] == 2
    assert totals["n_bureaus"] == 1
    assert totals["n_party_members"] == 6 * 20 + 30 + 7
    superuser = make_user("root", is_superuser=True)
    rows, total = selectors.coverage_rows(c.county, superuser)
    by_name = {r.unit.name: r for r in rows}
    assert by_name["第2镇"].villages == {"total": 4, "party": 4, "union": 3, "youth": 3, "women": 3,
                                        "complete": 3, "rate": 75.0}
    assert total.villages["total"] == 7 and total.villages["complete"] == 6
    # The enterprise directly under the county has no organisation at all.
    direct = [r for r in rows if r.is_direct][0]
    assert direct.enterprises["total"] == 1 and direct.enterprises["complete"] == 0
    spots = list(selectors.blank_spots(c.county, superuser))
    assert {s.name for s in spots} == {"空白村", "某某公司"}
    assert spots[0].has_party in (True, False)


def test_full_orgs_counts_as_complete():
    c = County(villages_per_township=1, townships=1)
    make_full_orgs(c.enterprise)
    superuser = make_user("root", is_superuser=True)
    assert list(selectors.blank_spots(c.county, superuser)) == []
