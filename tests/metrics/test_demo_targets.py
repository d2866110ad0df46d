"""seed_demo's targets: the demo dashboard shows progress with a realistic mix of warnings."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from demo.targets import load_demo_targets
from metrics.models import Target
from organizations.models import User

pytestmark = pytest.mark.django_db


def test_demo_targets_give_green_amber_and_red_and_are_idempotent(seeded_demo, client):
    campaign = Campaign.objects.get(slug__startswith="bjlbc")
    today = campaign.start_date.replace(year=campaign.start_date.year + 1)
    n = Target.objects.count()              # seed_demo loads them (demo.targets)
    assert n > 100
    assert load_demo_targets(campaign, today) == {"created": 0, "updated": 0, "unchanged": n}
    client.force_login(User.objects.get(username="county"))
    r = client.get(reverse("metrics:dashboard"))
    assert r.status_code == 200
    rags = {c.progress.rag for c in r.context["cards"] if c.progress}
    assert rags == {"green", "amber", "red"}
    drill = [row for row in r.context["drill"] if row.kind == "child" and row.progress]
    assert len(drill) == 8 + 30                       # townships, and the first 30 bureaus (the rest fold)
    assert {row.progress.rag for row in drill} == {"green", "amber", "red"}
    client.force_login(User.objects.get(username="township"))
    r = client.get(reverse("metrics:dashboard"))
    assert any(row.progress for row in r.context["drill"] if row.kind == "child")   # its villages' targets
