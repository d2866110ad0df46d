"""seed_demo's 百局联百村 campaign: the figures of seed 004, a matrix with green, amber and red
pairs, overdue rectification items the demo users see, and a second run that writes nothing."""

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from campaigns.models import Campaign
from demo import data as demo_data
from organizations.models import Unit, UnitKind, User
from pairings.models import (
    ContactPoint,
    HelpPair,
    Inspection,
    InspectionKind,
    InspectionMethod,
    Pairing,
    RectificationItem,
    RectificationStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    models = (Campaign, Pairing, ContactPoint, Inspection, RectificationItem, HelpPair)
    counts = {m.__name__: m.objects.count() for m in models}
    counts.update({f"{m.__name__} history": m.history.count() for m in models})
    counts["last logged"] = sorted(Pairing.objects.values_list("code", "last_logged_on"))
    return counts


def check_campaign_of_seed_004(output: str) -> None:
    today = timezone.localdate()
    campaign = Campaign.objects.get(slug=demo_data.CAMPAIGN_SLUG)
    assert campaign.name == "百局联百村" and campaign.owner_unit.name == "铁力市"
    assert campaign.start_date < today < campaign.end_date

    # 76 pairings, one bureau with one village each; 市农业局 with 满天红村.
    pairings = Pairing.objects.filter(campaign=campaign).select_related("bureau", "village")
    assert pairings.count() == 76
    assert len({p.bureau_id for p in pairings}) == len({p.village_id for p in pairings}) == 76
    assert {p.bureau.kind for p in pairings} == {UnitKind.BUREAU}
    assert {p.village.kind for p in pairings} == {UnitKind.VILLAGE}
    first = pairings.get(bureau__name="市农业局")
    assert first.village.name == "满天红村"
    assert first.bureau_contact and first.village_contact and first.agreement and "科技培训6次" in first.goals
    assert first.village_phone.startswith("1") and len(first.village_phone) == 11
    assert not pairings.filter(bureau_contact="").exists() and not pairings.filter(goals="").exists()

    # The matrix has green, amber and red pairs in realistic proportions.
    marks = Counter(p.silence(today) for p in pairings)
    assert marks["green"] >= 1 and marks["amber"] >= 1 and marks["red"] >= 1
    assert 0.5 <= marks["green"] / 76 <= 0.7 and 0.1 <= marks["red"] / 76 <= 0.2
    assert first.silence(today) == "green"

    # Leaders' contact points: 38 person-visits; 16 inspections with all four methods.
    records = Inspection.objects.filter(campaign=campaign)
    visits = records.filter(kind=InspectionKind.LEADER_VISIT)
    assert visits.aggregate(n=Sum("visitors"))["n"] == 38
    assert 8 <= ContactPoint.objects.filter(campaign=campaign).count() <= 12
    assert not visits.filter(contact_point__isnull=True).exists()
    inspections = records.filter(kind=InspectionKind.INSPECTION)
    assert inspections.count() == 16
    assert set(inspections.values_list("method", flat=True)) == set(InspectionMethod.values)
    assert inspections.filter(pairing__isnull=False).exists() and not inspections.filter(findings="").exists()
    assert records.filter(held_on__gt=today).count() == 0

    # Rectification items: closed with evidence, in progress, and overdue.
    items = RectificationItem.objects.filter(inspection__campaign=campaign)
    closed = items.filter(status=RectificationStatus.CLOSED)
    assert closed.exists() and not closed.filter(evidence="").exists()
    assert items.filter(status=RectificationStatus.IN_PROGRESS).exists()
    assert items.overdue().count() >= 3
    for username in ("village", "bureau"):
        user = User.objects.get(username=username)
        assert RectificationItem.objects.for_user(user).overdue().exists(), username

    # 144 help pairs, each linked to its village's pairing, over many villages and the whole year.
    help_pairs = HelpPair.objects.filter(pairing__campaign=campaign).select_related("pairing")
    assert help_pairs.count() == 144
    assert all(h.pairing.village_id == h.village_id for h in help_pairs)
    assert all(h.member_unit_id in (h.pairing.village_id, h.pairing.bureau_id) for h in help_pairs)
    assert help_pairs.values("village").distinct().count() >= 60
    days = [(today - h.started_on).days for h in help_pairs]
    assert min(days) <= 30 and max(days) >= 270
    assert set(help_pairs.values_list("household_kind", flat=True)) == {"poor", "special_difficulty",
                                                                          "member_in_difficulty"}

    # The summary printed.
    assert "百局联百村" in output and "结对共建" in output and "帮扶对子" in output
    printed = re.search(r"绿:30天内有共建活动\s+(\d+)\n.*黄.*?\s(\d+)\n.*红.*?\s(\d+)\n", output)
    assert printed and tuple(map(int, printed.groups())) == (marks["green"], marks["amber"], marks["red"])


def test_seed_demo_loads_seed_004s_campaign_and_a_second_run_writes_nothing(seeded_demo, monkeypatch):
    # (One test: every seed_demo run costs seconds.)
    output = seeded_demo  # the first run, on an empty database
    check_campaign_of_seed_004(output)

    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert re.search(r"结对共建\s+0\s+0\s+76\n", output) and re.search(r"帮扶对子\s+0\s+0\s+144\n", output)

    # A week later the demo keeps the first run's dates: still nothing to write.
    later = timezone.localdate() + dt.timedelta(days=7)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    seed()
    assert snapshot() == before

    # --redate moves the records so that "today" is today again, through the services.
    seed("--redate")
    after = snapshot()
    assert after["Pairing"] == 76 and after["HelpPair"] == 144 and after["Inspection"] == before["Inspection"]
    assert after["Pairing history"] > before["Pairing history"]
    mantianhong = Pairing.objects.get(village=Unit.objects.get(name="满天红村"))
    assert mantianhong.silence(later) == "green"
