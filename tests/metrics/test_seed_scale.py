"""``seed_scale`` (CONTRACT.md §2): a small synthetic province whose figures, recomputed from the raw
records, equal what every page shows, and whose derived rows equal a rebuild."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse

from campaigns.models import Activity, ActivityOutcome, Campaign, Commitment, CommitmentStatus, ReviewStatus
from demo import scale
from metrics import figures, rollup
from metrics.models import Contribution
from organizations.models import RecordScope, Role, RoleGrant, Unit, UnitKind, User
from pairings.models import Inspection, InspectionKind, Pairing

pytestmark = pytest.mark.django_db
SMALL = {"counties": 2, "townships": 2, "villages": 3, "activities": 12}


def seed(**extra) -> str:
    out = io.StringIO()
    call_command("seed_scale", seed=5, stdout=out, **{**SMALL, **extra})
    return out.getvalue()


def raw_figures(unit: Unit, campaign: Campaign) -> dict:
    """The headline figures the naive way: from the raw records of ``unit``'s subtree."""
    tree = (Q(unit__path__startswith=unit.path) | Q(pairing__village__path__startswith=unit.path)
            | Q(pairing__bureau__path__startswith=unit.path))
    acts = Activity.objects.filter(tree, campaign=campaign).exclude(status=ReviewStatus.RETURNED)
    out = {"activities": Decimal(acts.count())}
    for code, total in ActivityOutcome.objects.filter(activity__in=acts).values("indicator__code").annotate(
            t=Sum("value")).values_list("indicator__code", "t"):
        out[code] = total
    comm = Commitment.objects.filter(tree, campaign=campaign)
    out["commitments_made"] = Decimal(comm.exclude(status=CommitmentStatus.CANCELLED).count())
    out["commitments_done"] = Decimal(comm.filter(status=CommitmentStatus.DONE).count())
    insp = Inspection.objects.filter(tree, campaign=campaign)
    out["inspections"] = Decimal(insp.exclude(kind=InspectionKind.LEADER_VISIT).count())
    out["leader_visits"] = Decimal(insp.filter(kind=InspectionKind.LEADER_VISIT).aggregate(
        v=Sum("visitors"))["v"] or 0)
    return out


def test_seed_scale_builds_a_province_whose_figures_match_the_raw_records(client):
    text = seed()
    province = Unit.objects.get(code="SC")
    assert province.kind == UnitKind.PROVINCE
    counties = list(Unit.objects.filter(parent=province).order_by("code").values_list("code", flat=True))
    assert counties == ["SC-001", "SC-002"]
    assert "规模测试数据已生成" in text and "活动" in text
    campaign = Campaign.objects.get(slug=scale.CAMPAIGN_SLUG)
    assert Activity.objects.count() > 0 and Pairing.objects.count() > 0

    # A sample of units at every level: the summary equals the raw records.
    county = Unit.objects.get(code="SC-001")
    township = Unit.objects.filter(parent=county, kind=UnitKind.TOWNSHIP).order_by("code").first()
    busiest = (Activity.objects.filter(unit__kind=UnitKind.VILLAGE).values("unit").annotate(
        n=Count("pk")).order_by("-n").first()["unit"])
    village = Unit.objects.get(pk=busiest)
    for unit in (province, county, township, village):
        got = figures.figure_map(figures.summary(unit, campaign, campaign.start_date, figures.today()).figures)
        for code, value in raw_figures(unit, campaign).items():
            assert got[code].value == value, (unit.code, code)
    # and for a sub-period that starts and ends inside a month
    start = campaign.start_date.replace(day=11)
    end = figures.today().replace(day=1) - dt.timedelta(days=200)
    sub = figures.figure_map(figures.summary(county, campaign, start, end).figures)
    raw = Activity.objects.filter(Q(unit__path__startswith=county.path) | Q(pairing__village__path__startswith=county.path),
                                  campaign=campaign, date__range=(start, end)).exclude(status=ReviewStatus.RETURNED)
    assert sub["activities"].value == raw.count()

    # Each pair's last logged date is its last counted activity, as the services keep it.
    for p in Pairing.objects.all():
        last = p.activities.exclude(status=ReviewStatus.RETURNED).aggregate(d=Max("date"))["d"]
        assert p.last_logged_on == last

    # Every derived row is as a rebuild from the records makes it.
    before = (rollup.snapshot(), RecordScope.objects.count(), Contribution.objects.count())
    assert rollup.rebuild()["fixed"] == 0
    assert (rollup.snapshot(), RecordScope.objects.count(), Contribution.objects.count()) == before

    # The two accounts: the province and its first county, password cobuild-demo.
    for username, code in scale.ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.check_password("cobuild-demo")
        assert list(RoleGrant.objects.filter(user=user).values_list("role", "unit__code")) == [
            (Role.COUNTY_ADMIN, code)]
    client.force_login(User.objects.get(username="scale"))
    page = client.get(reverse("metrics:dashboard"), {"unit": province.pk})
    assert page.status_code == 200
    assert [r.level for r, _chart in page.context["rank_charts"]] == ["county"]   # not 15,000 villages
    client.force_login(User.objects.get(username="scale-county"))
    assert client.get(reverse("metrics:dashboard"), {"unit": province.pk}).status_code == 404


def test_seed_scale_refuses_an_existing_province_unless_replace_and_is_deterministic(capsys):
    seed()
    first = list(Activity.objects.order_by("code").values_list("code", "date", "category", "status", "unit__code"))
    with pytest.raises(SystemExit) as stop:
        seed()
    assert stop.value.code == 1
    assert "--replace" in capsys.readouterr().err
    assert Activity.objects.count() == len(first)

    # Work done on the province meanwhile (a user's grant, a second login's data) goes with it.
    user = User.objects.get(username="scale")
    user.set_password("changed")
    user.save()
    text = seed(replace=True)
    assert "已删除原有的 SC" in text
    again = list(Activity.objects.order_by("code").values_list("code", "date", "category", "status", "unit__code"))
    assert again == first
    assert User.objects.get(username="scale").check_password("cobuild-demo")
    assert Unit.objects.filter(code="SC").count() == 1
    before = rollup.snapshot()
    assert rollup.rebuild()["fixed"] == 0 and rollup.snapshot() == before
