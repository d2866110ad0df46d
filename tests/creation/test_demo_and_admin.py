"""The demo's 三级联创 (every state, idempotent) and the admin (writes through the services, scoped,
steps read-only)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from creation.models import CreationEntry, CreationGoal, CreationStep, EntryStatus
from demo.creation import load_demo_creation
from organizations.admin_tools import REASON_FIELD
from organizations.models import Role
from tests.creation.conftest import entry_of
from tests.factories import County, bring_entry_to, make_creation_goal, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_has_every_state_and_a_second_run_writes_nothing(seeded_demo):
    year = timezone.localdate().year
    goals = CreationGoal.objects.filter(county__code="TL", year=year)
    assert sorted(goals.values_list("level", flat=True)) == ["county", "township", "village"]
    assert set(CreationEntry.objects.values_list("status", flat=True)) == set(EntryStatus.values)
    failed = CreationEntry.objects.get(unit__code="TL-01-04")
    assert failed.status == EntryStatus.FAILED and "三会一课" in failed.steps.get(action="fail").reasons
    named = CreationEntry.objects.get(unit__code="TL-01-05")
    assert named.status == EntryStatus.NAMED and named.doc_number.startswith(f"铁党发〔{year}〕")
    assert named.history.filter(history_user__username="county", status="named").exists()
    assert CreationEntry.objects.get(unit__code="TL-01-01").status == EntryStatus.NOT_DECLARED  # 满天红村: the demo village
    village_goal = goals.get(level="village")
    assert village_goal.entries.count() == 80
    counts = (CreationEntry.objects.count(), CreationStep.objects.count(), CreationEntry.history.count())
    assert load_demo_creation(timezone.localdate()) == 0
    assert (CreationEntry.objects.count(), CreationStep.objects.count(), CreationEntry.history.count()) == counts


@pytest.fixture
def staff(w):
    return make_staff("county_staff", Role.COUNTY_ADMIN, w.county), make_staff("town_staff", Role.TOWNSHIP_STAFF,
                                                                                w.townships[0])


def test_admin_changes_go_through_the_services_with_the_reason(w, client, staff):
    county_staff, town_staff = staff
    e = bring_entry_to(entry_of(w, w.villages[0]), "named")
    client.force_login(county_staff)
    url = reverse("admin:creation_creationentry_change", args=[e.pk])
    r = client.post(url, {"leader_name": "李书记", "leader_post": "村党支部书记", "contact_leader": "",
                          "award_ref": "PJ-2026-001", REASON_FIELD: "书记换届"})
    assert r.status_code == 302, r.content.decode()[:2000]
    e.refresh_from_db()
    assert (e.leader_name, e.award_ref, e.status) == ("李书记", "PJ-2026-001", EntryStatus.NAMED)
    assert e.history.first().history_change_reason == "更正:书记换届"
    assert e.history.first().history_user == county_staff
    # steps are read-only; another county's entries are not there
    other = make_creation_goal(County(villages_per_township=1, townships=1).county, "village").entries.get()
    assert client.get(reverse("admin:creation_creationentry_change", args=[other.pk])).status_code == 404
    step = e.steps.first()
    r = client.get(reverse("admin:creation_creationstep_change", args=[step.pk]))
    assert r.status_code == 200 and b'name="_save"' not in r.content
    changelist = client.get(reverse("admin:creation_creationstep_changelist")).content.decode()
    assert changelist.count("申报") >= 1
    # the township's staff see their township's entries only: its two villages and the township's own
    client.force_login(town_staff)
    r = client.get(reverse("admin:creation_creationentry_changelist"))
    assert r.status_code == 200
    assert sorted(e.unit.name for e in r.context["cl"].result_list) == sorted([w.townships[0].name,
                                                                               *(v.name for v in w.villages[:2])])


def test_admin_goal_is_saved_through_goal_save(w, client, staff):
    county_staff, town_staff = staff
    client.force_login(county_staff)
    year = timezone.localdate().year + 1
    r = client.post(reverse("admin:creation_creationgoal_add"), {
        "county": w.county.pk, "year": year, "level": "township", "title": "五好乡镇党委", "standards": "五个好",
        "target_count": 1, REASON_FIELD: "年度目标"})
    assert r.status_code == 302, r.content.decode()[:2000]
    goal = CreationGoal.objects.get(year=year)
    assert goal.entries.count() == 2 and goal.created_by == county_staff
    client.force_login(town_staff)
    r = client.get(reverse("admin:creation_creationgoal_change", args=[goal.pk]))
    assert r.status_code in (403, 404) or b'name="_save"' not in r.content
