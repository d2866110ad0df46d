"""The dashboard's overdue commitments come from the summary's running count of open commitments
by due date (rollup.OPEN_KEY): after any mix of writes and a village's move it must equal the
records counted directly, for every unit, campaign and day."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from campaigns import services as cs
from campaigns.models import Commitment
from metrics import figures, selectors
from organizations import services as org_services
from tests.factories import County, make_campaign

pytestmark = pytest.mark.django_db


def _direct(unit, campaign, on):
    qs = figures.in_scope(Commitment, unit).overdue(on)
    return (qs.filter(campaign=campaign) if campaign is not None else qs).count()


def test_overdue_commitments_equal_the_records_after_random_writes_and_a_move():
    today = timezone.localdate()
    c = County(villages_per_township=2, full=False)
    campaigns = [make_campaign(c.county, slug="bjlbc", start_date=today - dt.timedelta(days=400)),
                 make_campaign(c.county, slug="other", name="党建带群建", start_date=today - dt.timedelta(days=400))]
    rng = random.Random(11)
    units = c.villages + c.townships + [c.bureau]
    made = []
    for i in range(70):
        op = rng.random()
        due = rng.choice([None, today - dt.timedelta(days=rng.randint(1, 60)), today,
                          today + dt.timedelta(days=rng.randint(1, 60))])
        status = rng.choice(["pending", "in_progress", "done", "cancelled"])
        if op < 0.6 or not made:
            start = today - dt.timedelta(days=rng.randint(61, 300))
            made.append(cs.commitment_save(
                actor=None, code=f"C{i}", campaign=rng.choice(campaigns), unit=rng.choice(units), content="修路",
                made_on=start, due_date=due, status=status,
                completed_on=start + dt.timedelta(days=1) if status == "done" else None)[0])
        elif op < 0.9:
            cm = Commitment.objects.get(pk=rng.choice(made).pk)
            cs.commitment_save(actor=None, commitment=cm, campaign=cm.campaign, unit=rng.choice(units),
                               content=cm.content, made_on=cm.made_on, due_date=due, status=status,
                               completed_on=cm.made_on if status == "done" else None)
        else:
            cm = made.pop(rng.randrange(len(made)))
            Commitment.objects.filter(pk=cm.pk).delete()
    # A village moves to the other township: its commitments leave the first one's count.
    moved = c.villages[0]
    org_services.unit_save(actor=None, code=moved.code, name=moved.name, kind=moved.kind, parent=c.townships[1])

    overdue_somewhere = 0
    for unit in [c.province, c.county, *c.townships, *c.villages, c.bureau]:
        for campaign in [None, *campaigns]:
            for on in (today - dt.timedelta(days=30), today, today + dt.timedelta(days=30)):
                want = _direct(unit, campaign, on)
                assert selectors.overdue_commitments([unit.pk], campaign, on)[unit.pk] == want, (unit.name, campaign, on)
                overdue_somewhere += want
    assert overdue_somewhere > 0
    # The warning on the dashboard says the same.
    w = figures.warnings(c.county, None, campaigns[0], today, today)
    assert w.overdue_commitments == _direct(c.county, campaigns[0], today) > 0
