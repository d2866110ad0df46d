"""Pairings core: the pairing service, campaign scope, silence marks and the ledger registry."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum

from campaigns.models import Campaign
from campaigns.services import activity_review, activity_submit, campaign_save
from metrics import figures
from organizations.models import Role, UnitKind
from pairings import ledger, services
from pairings.models import Pairing, PairingStatus, silence_level
from tests.clock import today
from tests.factories import County, log_activity, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    county = County()
    county.campaign, _ = campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                                       start_date=today() - dt.timedelta(days=365))
    return county


def pair(c, code="P1", village=None, bureau=None, actor=None):
    p, _ = services.pairing_save(actor=actor, code=code, campaign=c.campaign, bureau=bureau or c.bureau,
                                 village=village or c.villages[0], start_date=today() - dt.timedelta(days=300))
    return p


def visit(c, p, days_ago, code=None, visitors=2):
    return services.inspection_save(
        actor=None, code=code, campaign=c.campaign, unit=p.village, pairing=p, kind="leader_visit",
        held_on=today() - dt.timedelta(days=days_ago), visitors=visitors, inspector="王常委")[0]


def test_silence_levels():
    assert silence_level(None) == "red"
    assert silence_level(today() - dt.timedelta(days=30), today()) == "green"
    assert silence_level(today() - dt.timedelta(days=31), today()) == "amber"
    assert silence_level(today() - dt.timedelta(days=60), today()) == "amber"
    assert silence_level(today() - dt.timedelta(days=61), today()) == "red"


def test_pairing_save_is_idempotent_by_code_and_checks_kinds(c):
    p = pair(c)
    again = pair(c)
    assert p.pk == again.pk and Pairing.objects.count() == 1
    with pytest.raises(ValidationError) as e:
        services.pairing_save(actor=None, code="P2", campaign=c.campaign, bureau=c.villages[1],
                              village=c.villages[0], start_date=today())
    assert "bureau" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.pairing_save(actor=None, code="P3", campaign=c.campaign, bureau=c.bureau,
                              village=c.townships[0], start_date=today())
    assert "village" in e.value.message_dict


def test_only_county_admins_pair_units(c):
    township = make_user("t", Role.TOWNSHIP_STAFF, c.townships[0])
    with pytest.raises(PermissionDenied):
        pair(c, actor=township)
    admin = make_user("c", Role.COUNTY_ADMIN, c.county)
    assert pair(c, actor=admin).pk


def test_ending_a_pairing(c):
    p = pair(c)
    services.pairing_end(actor=None, pairing=p, end_date=today())
    assert p.status == PairingStatus.ENDED
    with pytest.raises(ValidationError):
        services.pairing_end(actor=None, pairing=p, end_date=p.start_date - dt.timedelta(days=1))


def test_pairing_scope_follows_both_sides(c):
    p = pair(c)
    other_bureau = make_unit(UnitKind.BUREAU, c.county, name="县水务局")
    q = pair(c, "P2", village=c.villages[2], bureau=other_bureau)
    liaison = make_user("b", Role.BUREAU_LIAISON, c.bureau)
    secretary = make_user("v", Role.VILLAGE_SECRETARY, c.villages[2])
    inspector = make_user("i", Role.INSPECTOR, c.county)
    assert list(Pairing.objects.for_user(liaison)) == [p]
    assert list(Pairing.objects.for_user(secretary)) == [q]
    assert set(Pairing.objects.for_user(inspector)) == {p, q}


def test_campaigns_are_visible_below_their_owner(c):
    village_user = make_user("v", Role.VILLAGE_SECRETARY, c.villages[0])
    assert list(Campaign.objects.for_user(village_user)) == [c.campaign]
    other_county = make_unit(UnitKind.COUNTY, c.city, name="邻县")
    campaign_save(actor=None, slug="other", name="邻县活动", owner_unit=other_county, start_date=today())
    assert list(Campaign.objects.for_user(village_user)) == [c.campaign]
    with pytest.raises(PermissionDenied):
        campaign_save(actor=village_user, slug="mine", name="x", owner_unit=c.villages[0], start_date=today())


def test_silence_follows_the_last_counted_activity(c):
    """The one silence rule (``metrics.figures``): a pair keeps its mark green with a counted
    co-building activity (submitted or verified, not returned); other ledger records do not."""
    p = pair(c)
    other = pair(c, code="P2", village=c.villages[1])
    assert p.last_logged_on is None and p.silence() == "red"
    visit(c, p, 1)  # on the ledger, but a leader visit is no co-building activity
    p.refresh_from_db()
    assert p.last_logged_on is None and p.silence() == "red"
    old = log_activity(c, p, 90)
    p.refresh_from_db()
    assert p.last_logged_on == old.date and p.silence() == "red"
    recent = log_activity(c, p, 10, verified=False)  # submitted, awaiting review: it counts
    p.refresh_from_db()
    assert p.last_logged_on == recent.date and p.silence() == "green"
    # Returned to its author, it counts nowhere: the silence is back.
    reviewer = make_user("rev", Role.TOWNSHIP_STAFF, c.townships[0])
    recent = activity_review(actor=reviewer, activity=recent, approve=False, comment="请补充签到表")
    p.refresh_from_db()
    assert p.last_logged_on == old.date and p.silence() == "red"
    # Resubmitted, it counts again.
    resubmit = dict(campaign=c.campaign, date=recent.date, category=recent.category, title=recent.title)
    recent, _ = activity_submit(actor=None, activity=recent, unit=p.village, pairing=p, **resubmit)
    p.refresh_from_db()
    assert p.last_logged_on == recent.date and p.silence() == "green"
    # Moved to another pairing, it takes the green mark along.
    recent, _ = activity_submit(actor=None, activity=recent, unit=other.village, pairing=other, **resubmit)
    p.refresh_from_db()
    other.refresh_from_db()
    assert p.last_logged_on == old.date and p.silence() == "red"
    assert other.last_logged_on == recent.date and other.silence() == "green"
    # The figures (dashboard, bulletin) judge the same pairs silent.
    assert [x.code for x in figures.silent_pairs(c.county, c.campaign, today())] == ["P1"]


def test_ledger_entries_totals_and_counts(c):
    p = pair(c)
    visit(c, p, 5, visitors=3)
    visit(c, p, 40, visitors=2)
    services.inspection_save(actor=None, campaign=c.campaign, unit=p.village, pairing=p, kind="inspection",
                             method="tour", held_on=today() - dt.timedelta(days=3), findings="台帐不全")
    entries = ledger.entries(p)
    assert [e.source.key for e in entries] == ["inspections", "leader_visits", "leader_visits"]
    assert entries[0].date > entries[1].date > entries[2].date
    totals = {row["source"].key: row for row in ledger.totals(p)}
    assert totals["leader_visits"]["count"] == 2 and totals["leader_visits"]["totals"] == [("人次", 5)]
    assert totals["inspections"]["count"] == 1
    counted = ledger.annotate_record_counts(Pairing.objects.filter(pk=p.pk),
                                            today() - dt.timedelta(days=30), today()).get()
    assert counted.n_records == 2 and counted.n_leader_visits == 1 and counted.n_inspections == 1


def test_a_new_source_joins_the_ledger_without_the_ledger_knowing_it(c):
    """Any model linked to a pairing shows up once registered (later: activities, commitments)."""
    from pairings.models import Inspection

    p = pair(c)
    visit(c, p, 2, visitors=4)
    ledger.register(ledger.LedgerSource(
        key="test_all_visits", label="全部走访", model=Inspection, date_field="held_on",
        title=lambda i: i.code, totals={"合计人次": Sum("visitors")}))
    try:
        assert "test_all_visits" in {e.source.key for e in ledger.entries(p)}
        row = [r for r in ledger.totals(p) if r["source"].key == "test_all_visits"][0]
        assert row["totals"] == [("合计人次", 4)]
    finally:
        ledger.unregister("test_all_visits")
