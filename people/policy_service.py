"""Who may write 双培双带 links, volunteer teams and service records, and 流动党员 records.

The same owner rule as the register (``policy.can_edit_person``): the editors of the person's (or
the team's) unit — county_admin, township_staff, village_secretary, bureau_liaison over it.
Inspectors and read-only leaders write nothing. The contact number of a member working away is
identifying data like the register's phone: shown through ``policy.can_see_identity`` /
``policy.mask_phone`` (``shown_contact``), never a second rule.
"""

from __future__ import annotations

from organizations.models import Unit
from organizations.policy import can_edit_unit_records
from pairings.policy import RECORD, Refusal

from .models import Person, PersonStatus
from .models_service import MigrantRecord
from .policy import can_see_identity, mask_phone

MEMBER_STATUSES = (PersonStatus.PROBATIONARY, PersonStatus.MEMBER)


def can_edit_people_of(user, unit: Unit) -> bool:
    return can_edit_unit_records(user, unit)


def unit_refusals(actor, unit: Unit, what: str) -> list[Refusal]:
    if can_edit_unit_records(actor, unit):
        return []
    return [Refusal(RECORD, f"您没有权限{what}:由{unit.name}及其上级的工作人员维护。")]


def shown_contact(user, migrant: MigrantRecord) -> str:
    return migrant.contact if can_see_identity(user, migrant.person) else mask_phone(migrant.contact)


def is_member(person: Person) -> bool:
    return person.status in MEMBER_STATUSES
