"""A small county with a campaign, two pairings and one user per role, for the commitment,
meeting and campaign page tests."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from campaigns.models import Commitment, CommitmentStatus
from campaigns.services import campaign_save, commitment_save, decision_add, meeting_save
from organizations import records
from organizations.models import OrgKind, Role, UnitKind
from pairings.services import pairing_save
from tests.clock import today
from tests.factories import County, make_org, make_unit, make_user


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


class World(County):
    """County (2 townships × 2 villages), 县农业局 paired with the first village, 县水务局 with
    the third, and a user per role: county, township (first township), village (first village),
    village2 (second village), bureau (县农业局), inspector, viewer."""

    def __init__(self):
        super().__init__()
        self.campaign, _ = campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=self.county,
                                         start_date=days(-365), theme="党群共建 城乡共进")
        self.bureau2 = make_unit(UnitKind.BUREAU, self.county, name="县水务局")
        self.bureau_party = self.bureau.organizations.get()
        self.bureau2_party = make_org(self.bureau2, OrgKind.PARTY_BRANCH)
        self.pairing, _ = pairing_save(actor=None, code="P1", campaign=self.campaign, bureau=self.bureau,
                                       village=self.villages[0], start_date=days(-300))
        self.pairing2, _ = pairing_save(actor=None, code="P2", campaign=self.campaign, bureau=self.bureau2,
                                        village=self.villages[2], start_date=days(-300))
        self.users = {
            "county": make_user("county", Role.COUNTY_ADMIN, self.county),
            "township": make_user("township", Role.TOWNSHIP_STAFF, self.townships[0]),
            "village": make_user("village", Role.VILLAGE_SECRETARY, self.villages[0]),
            "village2": make_user("village2", Role.VILLAGE_SECRETARY, self.villages[1]),
            "bureau": make_user("bureau", Role.BUREAU_LIAISON, self.bureau),
            "inspector": make_user("inspector", Role.INSPECTOR, self.county),
            "viewer": make_user("viewer", Role.VIEWER, self.county),
        }

    def commit(self, unit=None, content="修建村文化广场", made_on=None, actor=None, **kwargs) -> Commitment:
        c, _ = commitment_save(actor=actor, campaign=self.campaign, unit=unit or self.villages[0], content=content,
                               made_on=made_on or days(-100), **kwargs)
        return c

    def meeting(self, host=None, title="党工青妇联席会议", **kwargs):
        m, _ = meeting_save(actor=None, campaign=self.campaign, held_on=days(-30), host_unit=host or self.villages[0],
                            title=title, **kwargs)
        return m

    def decide(self, meeting, unit=None, content="修缮活动阵地", deadline=None):
        return decision_add(actor=None, meeting=meeting, content=content, assigned_unit=unit or meeting.host_unit,
                            deadline=deadline)


def bulk_commitments(world: World, unit, n: int, pairing=None, overdue_every=3, done_every=2):
    """Many commitments at once (for query-count tests)."""
    start = (Commitment.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    rows = []
    for i in range(n):
        status = CommitmentStatus.DONE if i % done_every == 0 else CommitmentStatus.IN_PROGRESS
        rows.append(Commitment(
            code=f"BULK-{start + i}", campaign=world.campaign, unit=unit, pairing=pairing,
            content=f"批量承诺{i}", made_on=days(-200), status=status,
            due_date=days(-1) if i % overdue_every == 0 else days(30),
            completed_on=days(-5) if status == CommitmentStatus.DONE else None,
        ))
    records.bulk_created(Commitment.objects.bulk_create(rows))
