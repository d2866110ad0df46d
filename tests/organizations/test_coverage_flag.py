"""The stored 党·工·青·妇 flag (``Unit.coverage_complete``): kept by every organisation save, equal
to the rule recomputed from the organisations, and what the blank spots and coverage read."""

import random

import pytest

from organizations import selectors, services
from organizations.models import OrgKind, Role, Unit, UnitKind
from tests.factories import make_org, make_unit, make_user

pytestmark = pytest.mark.django_db

KINDS = [OrgKind.PARTY_BRANCH, OrgKind.UNION, OrgKind.YOUTH_LEAGUE, OrgKind.WOMEN_FEDERATION,
         OrgKind.PARTY_GENERAL_BRANCH]


def stored():
    return set(Unit.objects.filter(coverage_complete=True).values_list("pk", flat=True))


def recomputed():
    return {row["unit_id"] for row in selectors.complete_unit_ids()}


def test_the_flag_follows_every_save_and_equals_the_rule():
    county = make_unit(UnitKind.COUNTY, name="测试县")
    town = make_unit(UnitKind.TOWNSHIP, county, name="甲镇")
    villages = [make_unit(UnitKind.VILLAGE, town, name=f"村{i}") for i in range(6)]
    v0 = villages[0]
    for kind in (OrgKind.PARTY_BRANCH, OrgKind.UNION, OrgKind.YOUTH_LEAGUE):
        make_org(v0, kind)
    assert v0.pk not in stored()
    women = make_org(v0, OrgKind.WOMEN_FEDERATION)
    assert v0.pk in stored()
    # the women's federation moves to another village: the first is a blank spot again
    services.organization_save(actor=None, code=women.code, name=women.name, kind=women.kind, unit=villages[1])
    assert v0.pk not in stored()
    # a kind change completes it again
    union = make_org(v0, OrgKind.UNION)
    services.organization_save(actor=None, code=union.code, name=union.name, kind=OrgKind.WOMEN_FEDERATION, unit=v0)
    assert v0.pk in stored()

    rng = random.Random(7)
    orgs = []
    for _ in range(60):
        if orgs and rng.random() < 0.4:
            o = rng.choice(orgs)
            o, _ = services.organization_save(actor=None, code=o.code, name=o.name, kind=rng.choice(KINDS),
                                              unit=rng.choice(villages))
        else:
            o = make_org(rng.choice(villages), rng.choice(KINDS))
            orgs.append(o)
        assert stored() == recomputed()
    # a full refresh changes nothing: the upkeep left it exact
    assert services.coverage_refresh() == 0


def test_blank_spots_read_the_flag(client):
    county = make_unit(UnitKind.COUNTY, name="测试县")
    town = make_unit(UnitKind.TOWNSHIP, county, name="甲镇")
    full = make_unit(UnitKind.VILLAGE, town, name="齐全村")
    for kind in (OrgKind.PARTY_BRANCH, OrgKind.UNION, OrgKind.YOUTH_LEAGUE, OrgKind.WOMEN_FEDERATION):
        make_org(full, kind)
    gap = make_unit(UnitKind.VILLAGE, town, name="缺团村")
    for kind in (OrgKind.PARTY_BRANCH, OrgKind.UNION, OrgKind.WOMEN_FEDERATION):
        make_org(gap, kind)
    make_unit(UnitKind.VILLAGE, town, name="空白村")
    user = make_user("cty", Role.COUNTY_ADMIN, county)
    spots = {u.name: u for u in selectors.blank_spots(county, user)}
    assert set(spots) == {"缺团村", "空白村"}
    assert (spots["缺团村"].has_party, spots["缺团村"].has_youth, spots["空白村"].has_party) == (True, False, False)
    rows, total = selectors.coverage_rows(county, user)
    assert total.part("v")["complete"] == 1 and total.part("v")["total"] == 3
    # the missing youth league arrives: the village leaves the list and the rate rises
    make_org(gap, OrgKind.YOUTH_LEAGUE)
    assert [u.name for u in selectors.blank_spots(county, user)] == ["空白村"]
    assert selectors.coverage_rows(county, user)[1].part("v")["complete"] == 2
