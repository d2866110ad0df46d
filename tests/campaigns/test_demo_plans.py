"""seed_demo's annual plans and public boards: a plan per pairing for the demo year (some pairs
behind, most on track), four boards of which one is withdrawn, and a second run that writes
nothing."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns import plans
from campaigns.models import BoardKind, BoardStatus, PairingPlan, PlanItem, PublicBoard
from demo.plans import demo_plan_items
from pairings.models import Pairing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_plans_and_boards(seeded_demo, client):
    today = timezone.localdate()
    assert PairingPlan.objects.filter(year=today.year).count() == Pairing.objects.count() == 76
    progress = plans.progress(Pairing.objects.all(), today.year, today)
    behind = sum(1 for p in progress.values() if p.behind)
    if plans.quarters_ended(today.year, today):
        assert 0 < behind < 76 // 2
    boards = PublicBoard.objects.filter(kind=BoardKind.COMMITMENTS)   # 评选公示 boards: tests/evaluations
    assert boards.count() == 4 and boards.filter(status=BoardStatus.WITHDRAWN).count() == 1
    for b in boards:
        expected = 200 if b.status == BoardStatus.ACTIVE else 404
        assert client.get(reverse("board_public", args=[b.token])).status_code == expected
    history = (PairingPlan.history.count(), PlanItem.history.count(), PublicBoard.history.count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert (PairingPlan.history.count(), PlanItem.history.count(), PublicBoard.history.count()) == history


def test_demo_plan_items_are_on_track_or_behind_as_designed():
    on_track = demo_plan_items(0, [3, 1, 0, 0], 0, 3)
    assert on_track == {("activities", "", 1): 2, ("activities", "", 2): 1, ("activities", "", 4): 2}
    behind = demo_plan_items(5, [3, 1, 0, 0], 35000, 3)
    assert behind[("activities", "", 3)] == 1 and behind[("project_funds", "", 2)] == 50000
    silent = demo_plan_items(1, [0, 0, 0, 0], 0, 2)
    assert silent[("activities", "", 1)] == 1
