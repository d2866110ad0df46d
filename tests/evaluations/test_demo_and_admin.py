"""The demo's 评选 (one full cycle of each of the four schemes in 铁力市, with objections answered,
awards on the units' and people's pages, the history naming the demo accounts; a second run writes
nothing) and the evaluations admin (schemes edited through the service with a reason; the
cycle's records scoped and read-only)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from evaluations.models import (
    Award,
    Criterion,
    Cycle,
    CycleStatus,
    Decision,
    Nomination,
    NominationStatus,
    Objection,
    Scheme,
    Score,
)
from organizations.models import Role, User
from tests.factories import County, make_cycle, make_nomination, make_scheme, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_runs_one_full_cycle_of_each_scheme(seeded_demo, client):
    cycles = Cycle.objects.select_related("scheme").order_by("scheme__code")
    assert [(c.scheme.code, c.status) for c in cycles] == [
        ("sfd", CycleStatus.FINISHED), ("wbb", CycleStatus.FINISHED), ("wgh", CycleStatus.FINISHED),
        ("wh", CycleStatus.FINISHED)]
    assert Scheme.objects.count() == 4 and Criterion.objects.count() == 20
    outcomes = sorted(Objection.objects.values_list("outcome", flat=True))
    assert outcomes == ["dismissed", "upheld"]
    upheld = Objection.objects.get(outcome="upheld").nomination
    assert upheld.status == NominationStatus.NOT_AWARDED and not Award.objects.filter(nomination=upheld).exists()
    assert Nomination.objects.filter(status=NominationStatus.REJECTED).count() == 2
    assert Decision.objects.filter(result="return").count() == 1
    assert Award.objects.count() == Nomination.objects.filter(status=NominationStatus.AWARDED).count() == 7
    # who did what: the village secretary nominated, the township reviewed, the county awarded
    village_nom = Nomination.objects.get(cycle__scheme__code="wgh", unit__code="TL-01-01")
    users = {h.history_user.username for h in village_nom.history.all() if h.history_user_id}
    assert users == {"village", "township", "county"}
    assert Score.objects.filter(reviewer__username="inspector").exists()
    # the awards on the village's page and on a person's page, for the village secretary
    client.force_login(User.objects.get(username="village"))
    page = client.get(reverse("organizations:unit_detail", args=[village_nom.unit_id])).content.decode()
    assert "荣誉表彰" in page and "“五个好”先进集体" in page and "“五好”村党支部" in page
    person_award = Award.objects.get(person__isnull=False)
    page = client.get(reverse("people:person_detail", args=[person_award.person_id])).content.decode()
    assert "个人荣誉" in page and "“五标兵”先进个人" in page
    models = (Scheme, Criterion, Cycle, Nomination, Decision, Score, Objection, Award)
    before = {m.__name__: m.history.count() for m in models}
    call_command("seed_demo", stdout=io.StringIO())
    assert {m.__name__: m.history.count() for m in models} == before


def test_the_admin_edits_schemes_through_the_service_and_scopes_the_cycle(client):
    ours, theirs = County(villages_per_township=1, townships=1), County(villages_per_township=1, townships=1)
    scheme = make_scheme(name="五个好")
    mine = make_nomination(make_cycle(scheme, ours.county), unit=ours.villages[0])
    other = make_nomination(make_cycle(scheme, theirs.county), unit=theirs.villages[0])
    staff = make_staff("county_staff", Role.COUNTY_ADMIN, ours.county)
    client.force_login(staff)
    for model in ("scheme", "criterion", "cycle", "nomination", "reviewerassignment", "score", "decision",
                  "objection", "evidencefile", "award"):
        assert client.get(reverse(f"admin:evaluations_{model}_changelist") + "?q=村").status_code == 200, model
    html = client.get(reverse("admin:evaluations_nomination_changelist")).content.decode()
    assert f"/nomination/{mine.pk}/change/" in html and f"/nomination/{other.pk}/change/" not in html
    assert client.get(reverse("admin:evaluations_nomination_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:evaluations_nomination_change", args=[mine.pk])).status_code == 200
    response = client.post(reverse("admin:evaluations_scheme_change", args=[scheme.pk]), {
        "code": scheme.code, "name": "“五个好”先进集体", "kind": "unit", "award_title": "“五个好”先进集体",
        "eligible_unit_kinds": "village,community", "eligible_statuses": "", "description": "五个好",
        "active": "on", "change_reason": "按县委文件更名",
        "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0", "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:3000]
    scheme.refresh_from_db()
    assert scheme.name == "“五个好”先进集体" and scheme.history.first().history_change_reason == "按县委文件更名"
    crit = scheme.criteria.first()
    bad = client.post(reverse("admin:evaluations_criterion_change", args=[crit.pk]), {
        "scheme": scheme.pk, "order": 1, "name": crit.name, "description": "", "weight": 90, "max_score": 100,
        "indicator_codes": "", "full_at": "", "change_reason": "调整权重"})
    assert "各项权重合计不能超过 100" in bad.content.decode()
