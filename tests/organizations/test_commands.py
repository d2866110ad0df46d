"""The management commands of CONTRACT.md §2: seed_demo, assign_role, and the bench_tree benchmark."""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from demo import data as demo_data
from organizations import selectors, services
from organizations.models import (
    PARTY_KINDS,
    Leader,
    Organization,
    Role,
    RoleGrant,
    Unit,
    UnitKind,
    User,
)

pytestmark = pytest.mark.django_db

PASSWORD = "cobuild-demo"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def snapshot() -> dict:
    """Counts of everything seed_demo writes, history included."""
    return {
        "units": Unit.objects.count(),
        "organizations": Organization.objects.count(),
        "leaders": Leader.objects.count(),
        "grants": RoleGrant.objects.count(),
        "users": User.objects.count(),
        "groups": Group.objects.count(),
        "unit_history": Unit.history.count(),
        "org_history": Organization.history.count(),
        "leader_history": Leader.history.count(),
        "user_history": User.history.count(),
    }


# --- seed_demo ---------------------------------------------------------------------------------


def test_seed_demo_builds_tieli_with_76_villages_76_bureaus_and_the_demo_accounts(seeded_demo):
    output = seeded_demo  # what seed_demo printed on an empty database

    county = Unit.objects.get(code=demo_data.COUNTY_CODE)
    assert county.name == "铁力市" and county.kind == UnitKind.COUNTY
    assert [u.name for u in selectors.ancestors(county, User(is_superuser=True))] == ["黑龙江省", "伊春市"]
    below = Unit.objects.subtree(county)
    assert below.filter(kind=UnitKind.VILLAGE).count() == 76
    assert below.filter(kind=UnitKind.BUREAU).count() == 76
    townships = set(below.filter(kind=UnitKind.TOWNSHIP).values_list("name", flat=True))
    assert townships == {"铁力镇", "双丰镇", "桃山镇", "朗乡镇", "神树镇", "年丰朝鲜族乡", "王杨乡", "工农乡"}
    assert below.filter(kind=UnitKind.COMMUNITY, parent__name="铁力镇").exists()
    assert below.filter(kind=UnitKind.ENTERPRISE).count() >= 3
    mantianhong = Unit.objects.get(name="满天红村")
    assert mantianhong.parent.name == "铁力镇"

    # Every village has a Party organisation and a secretary with a mobile number.
    villages = below.filter(kind=UnitKind.VILLAGE)
    assert not villages.exclude(organizations__kind__in=PARTY_KINDS).exists()
    secretaries = Leader.objects.filter(unit__in=villages, position="secretary")
    assert secretaries.values("unit").distinct().count() == 76
    assert all(re.fullmatch(r"1[358]\d{9}", p) for p in secretaries.values_list("phone", flat=True))
    assert Leader.objects.filter(unit__kind=UnitKind.BUREAU, position="liaison").count() == 76
    # Mass organisations are led by the Party (党建带群建).
    assert not Organization.objects.filter(unit__in=villages).exclude(kind__in=PARTY_KINDS).filter(
        led_by__isnull=True).exists()
    totals = selectors.subtree_totals(county)
    rural = Organization.objects.filter(unit__in=villages, kind__in=PARTY_KINDS).aggregate(n=Sum("members"))
    assert 2500 <= rural["n"] <= 5000
    assert 0 < totals["n_women_party_members"] < totals["n_party_members"]

    # Pairings data: one-to-one, 市农业局 with 满天红村 as in the seed.
    assert len(demo_data.PAIRINGS) == 76
    assert len({b for b, _ in demo_data.PAIRINGS}) == len({v for _, v in demo_data.PAIRINGS}) == 76
    assert (Unit.objects.get(name="市农业局").code, mantianhong.code) in demo_data.PAIRINGS

    # The demo accounts of CONTRACT.md §1.
    expected = {
        "county": (Role.COUNTY_ADMIN, "铁力市"),
        "township": (Role.TOWNSHIP_STAFF, "铁力镇"),
        "village": (Role.VILLAGE_SECRETARY, "满天红村"),
        "bureau": (Role.BUREAU_LIAISON, "市农业局"),
        "inspector": (Role.INSPECTOR, "铁力市"),
    }
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(PASSWORD)
    assert not admin.role_grants.exists()
    for username, (role, unit_name) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(PASSWORD), username
        assert [(g.role, g.unit.name) for g in user.role_grants.select_related("unit")] == [(role, unit_name)]
        assert not user.is_superuser
        assert username in output
    group = Group.objects.get(name=demo_data.STAFF_GROUP)
    for username in ("county", "township"):
        user = User.objects.get(username=username)
        assert user.is_staff and group in user.groups.all()
        assert user.has_perm("organizations.change_unit") and user.has_perm("organizations.view_importjob")
        assert not user.has_perm("organizations.delete_unit")
    assert not User.objects.get(username="village").is_staff

    # Scope follows the tree: the village secretary sees only their village.
    village_user = User.objects.get(username="village")
    assert list(Unit.objects.for_user(village_user)) == [mantianhong]
    township_user = User.objects.get(username="township")
    assert Unit.objects.for_user(township_user).filter(kind=UnitKind.VILLAGE).count() == 14

    # The coverage report has something to show: a few realistic blank spots.
    spots = list(selectors.blank_spots(county, admin))
    kinds = {u.kind for u in spots}
    assert 3 <= len(spots) <= 10
    assert UnitKind.VILLAGE in kinds and UnitKind.ENTERPRISE in kinds
    assert all(not (u.has_party and u.has_union and u.has_youth and u.has_women) for u in spots)
    _rows, total = selectors.coverage_rows(county, admin)
    assert total.villages["total"] == 80 and 0 < total.villages["complete"] < 80

    assert "单位" in output and "cobuild-demo" in output


def test_seed_demo_twice_changes_nothing(seeded_demo):
    before = snapshot()  # seed_demo has run once
    output = run("seed_demo")
    assert snapshot() == before
    assert re.search(r"单位\s+0\s+0\s+\d+", output)
    for username in ("admin", "county", "township", "village", "bureau", "inspector"):
        assert User.objects.get(username=username).check_password(PASSWORD)


def test_seed_demo_repairs_a_changed_demo_record(seeded_demo):
    village = Unit.objects.get(name="满天红村")
    services.unit_save(actor=None, code=village.code, name="改过的名字", kind=village.kind,
                       parent=village.parent)
    user = User.objects.get(username="village")
    user.set_password("something-else-1")
    user.save()
    count = snapshot()["units"]
    run("seed_demo")
    assert Unit.objects.get(code=village.code).name == "满天红村"
    assert User.objects.get(username="village").check_password(PASSWORD)
    assert Unit.objects.count() == count


# --- assign_role -------------------------------------------------------------------------------


@pytest.fixture
def county():
    province, _ = services.unit_save(actor=None, code="P1", name="测试省", kind=UnitKind.PROVINCE, parent=None)
    city, _ = services.unit_save(actor=None, code="C1", name="测试市", kind=UnitKind.CITY, parent=province)
    county, _ = services.unit_save(actor=None, code="X1", name="测试县", kind=UnitKind.COUNTY, parent=city)
    services.unit_save(actor=None, code="X1-01", name="第一镇", kind=UnitKind.TOWNSHIP, parent=county)
    return county


def test_assign_role_creates_the_user_and_grants_the_role(county):
    output = run("assign_role", "wang", "county_admin", "X1", "--password", "a-long-pass-42")
    user = User.objects.get(username="wang")
    assert user.check_password("a-long-pass-42")
    assert [(g.role, g.unit) for g in user.role_grants.all()] == [(Role.COUNTY_ADMIN, county)]
    assert "wang" in output and "county_admin" in output and "X1" in output
    # The grant covers the whole subtree.
    assert Unit.objects.for_user(user).filter(code="X1-01").exists()
    assert not Unit.objects.for_user(user).filter(code="C1").exists()


def test_assign_role_without_password_leaves_an_unusable_one(county):
    run("assign_role", "li", "viewer", "X1-01")
    user = User.objects.get(username="li")
    assert not user.has_usable_password()
    assert user.role_grants.get().role == Role.VIEWER


def test_assign_role_is_idempotent(county):
    run("assign_role", "wang", "township_staff", "X1-01", "--password", "a-long-pass-42")
    before = snapshot()
    output = run("assign_role", "wang", "township_staff", "X1-01", "--password", "a-long-pass-42")
    assert snapshot() == before
    assert "未作改动" in output
    # A second role for the same user is a second grant.
    run("assign_role", "wang", "inspector", "X1")
    assert RoleGrant.objects.filter(user__username="wang").count() == 2
    assert User.objects.get(username="wang").check_password("a-long-pass-42")


def test_assign_role_rejects_an_unknown_role(county):
    with pytest.raises(CommandError, match="未知角色") as e:
        run("assign_role", "wang", "boss", "X1")
    assert e.value.returncode == 1
    assert not User.objects.filter(username="wang").exists()


def test_assign_role_rejects_an_unknown_unit(county):
    with pytest.raises(CommandError, match="NOPE") as e:
        run("assign_role", "wang", "viewer", "NOPE")
    assert e.value.returncode == 1
    assert not User.objects.filter(username="wang").exists()


# --- bench_tree --------------------------------------------------------------------------------


def test_bench_tree_runs_at_a_tiny_scale_and_leaves_nothing_behind(county):
    before = snapshot()
    output = run("bench_tree", "--townships", "2", "--villages-per-township", "3", "--bureaus", "2",
                 "--runs", "1")
    for label in ("children+counts", "subtree_totals", "coverage_rows", "blank_spots", "for_user"):
        assert label in output
    assert "SQL条数" in output and "村 6" in output
    assert "已回滚" in output
    assert snapshot() == before
