"""A period that holds every day of a key's rows reads the key's total rows (Fact grain "t",
FactSpan): the figures must equal the period's own day rows whatever the writes, campaigns,
review states and periods, and a write outside the known days must widen them at once."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import services as cs
from campaigns.models import Activity
from metrics import rollup, selectors
from metrics.models import DAY, Fact, FactSpan
from tests.factories import County, make_campaign

pytestmark = pytest.mark.django_db
KEYS = ["activities", "tech_visits", "problems_solved", "commitments_made"]


def _by_days(unit, campaign, a, b, verified_only=False):
    """The figure the slow way: the day rows of the period."""
    out = {}
    qs = Fact.objects.filter(unit=unit, grain=DAY, key__in=KEYS)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if a:
        qs = qs.filter(day__gte=a)
    if b:
        qs = qs.filter(day__lte=b)
    for f in qs:
        if f.verified or not verified_only:
            out[f.key] = out.get(f.key, Decimal(0)) + f.value
        if not f.verified and f.key == "activities":
            out[selectors.AWAITING] = out.get(selectors.AWAITING, Decimal(0)) + f.value
    return {k: v for k, v in out.items() if v}


def _check(units, campaigns, periods):
    for unit in units:
        for campaign in [None, *campaigns]:
            for a, b in periods:
                for verified_only in (False, True):
                    got = selectors.sums_by_unit([unit.pk], campaign, a, b, KEYS, verified_only=verified_only)
                    assert got[unit.pk] == _by_days(unit, campaign, a, b, verified_only), (unit.name, campaign, a, b)


def test_totals_equal_the_days_of_every_period_after_random_writes():
    today = timezone.localdate()
    c = County(villages_per_township=2, full=False)
    start = today - dt.timedelta(days=500)
    campaigns = [make_campaign(c.county, slug="bjlbc", start_date=start),
                 make_campaign(c.county, slug="dj", name="党建带群建", start_date=start)]
    rng = random.Random(3)
    acts = []
    for _ in range(50):
        op = rng.random()
        if op < 0.7 or not acts:
            acts.append(cs.activity_submit(
                actor=None, campaign=rng.choice(campaigns), date=today - dt.timedelta(days=rng.randint(0, 480)),
                unit=rng.choice(c.villages), category=rng.choice(["org_life", "tech_to_countryside"]), title="活动",
                outcomes={"problems_solved": rng.randint(0, 5)}, verified=rng.random() < 0.7)[0])
        elif op < 0.85:
            cs.commitment_save(actor=None, campaign=rng.choice(campaigns), unit=rng.choice(c.villages),
                               content="承诺", made_on=today - dt.timedelta(days=rng.randint(0, 480)))
        else:
            a = acts.pop(rng.randrange(len(acts)))
            Activity.objects.filter(pk=a.pk).delete()
    first = min(Fact.objects.filter(grain=DAY).values_list("day", flat=True))
    last = max(Fact.objects.filter(grain=DAY).values_list("day", flat=True))
    periods = [(None, None), (start, today), (first, last), (first + dt.timedelta(days=1), last),
               (first, last - dt.timedelta(days=1)), (today - dt.timedelta(days=90), today)]
    for _ in range(6):
        a, b = sorted(rng.sample([start + dt.timedelta(days=i) for i in range(520)], 2))
        periods.append((a, b))
    # The campaign-to-date period of every page reads the totals.
    assert selectors.whole_keys(KEYS, campaigns[0], start, today) == set(KEYS)
    assert selectors.whole_keys(KEYS, None, first + dt.timedelta(days=1), today) < set(KEYS)
    _check([c.villages[0], c.townships[0], c.county], campaigns, periods)

    # A record dated before every known day widens the span in its own write: the period that
    # held everything no longer does, and its figure still counts only its own days.
    early = today - dt.timedelta(days=499)
    assert early < first
    cs.activity_submit(actor=None, campaign=campaigns[0], date=early, unit=c.villages[0], category="org_life",
                       title="补录", verified=True)
    assert FactSpan.objects.get(campaign=campaigns[0], key="activities").first_day == early
    assert "activities" not in selectors.whole_keys(KEYS, campaigns[0], first, today)
    _check([c.villages[0], c.county], campaigns, [(first, today), (early, today), (None, None)])

    # The totals are kept like the other rows: a rebuild finds nothing to fix.
    assert rollup.rebuild()["fixed"] == 0
