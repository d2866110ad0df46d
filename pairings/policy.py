"""Who may do what with pairings and their records: the rules beside ``objects.for_user``.

Seeing is ``for_user`` (a role on a unit covers its subtree; each side of a pairing sees the
pair's records). Changing is decided here, once, for the web, the admin and the importers alike.
Superusers may do everything; ``actor=None`` is the system (commands, migrations).

- 建立、调整、结束结对: county_admin 县级组织部管理员 over both the village and the bureau
  (``can_pair_at``, ``can_manage_pairing``).
- 为结对登记记录: the village's editors (village_secretary 村党组织书记, township_staff
  乡镇工作人员, county_admin) and the bureau's bureau_liaison 机关单位联络员 or county_admin
  (``can_log_for_pairing``, roles ``PAIRING_LOGGER_ROLES`` on the bureau side).
- 记录归属: a record is its own unit's; only editors over that unit change it
  (``organizations.policy.can_edit_unit_records``). The other side of a pairing sees it, never
  edits it. A help pair is the village's unless its Party member comes from the pairing's bureau,
  then the bureau's (``help_pair_owner``, ``can_edit_help_pair``, ``help_pair_refusals``);
  registering help pairs at all needs an editor role somewhere (``can_record_help_pairs``).
- 领导联系点: county_admin over the place (``can_set_contact_point``; anywhere:
  ``can_create_contact_points``).
- 督查走访、整改: inspector 督查人员 and county_admin (``SUPERVISOR_ROLES``) over the place record
  inspections (``can_record_inspection``, ``inspection_refusals``; anywhere: ``can_supervise``),
  raise rectification items (``can_raise_rectification``) for a responsible unit where they or
  township_staff act (``can_assign_rectification``), and alone move a deadline
  (``can_move_deadline``). The responsible unit's editors and the supervisors of either side
  report progress and close items (``can_follow_up``).
- 更正: county_admin over every unit involved corrects any record, verified ones included, with a
  reason (``can_correct``, ``correction_refusals``).
- viewer 只读领导 changes nothing.

Each record kind's ``<kind>_refusals(actor, ...)`` lists why a write would be refused
(``Refusal``); its service raises the first (``refuse``), its importer reports them all per row
and column, so an import obeys exactly the rules of the web form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from organizations.models import EDITOR_ROLES, Role, Unit
from organizations.policy import allowed, can_edit_unit_records, holds_role_somewhere

from .models import HelpPair, Inspection, Pairing, RectificationItem

SUPERVISOR_ROLES = (Role.COUNTY_ADMIN, Role.INSPECTOR)
# Who may answer for a rectification item.
RESPONSIBLE_ROLES = (*SUPERVISOR_ROLES, Role.TOWNSHIP_STAFF)
# Who logs for a pairing from its bureau's side.
PAIRING_LOGGER_ROLES = (Role.BUREAU_LIAISON, Role.COUNTY_ADMIN)
CORRECTION_ROLES = (Role.COUNTY_ADMIN,)
REASON_MAX_LENGTH = 90  # "更正:" + reason fits the history's 100-character change reason


# --- refusals ------------------------------------------------------------------------------------

RECORD = "record"  # a refusal about the stored record itself (locked, not yours)


@dataclass(frozen=True)
class Refusal:
    """Why a write is refused. ``field`` is RECORD or the model field the problem lies on;
    ``denied`` is a missing permission (PermissionDenied) rather than a rule (ValidationError)."""

    field: str
    message: str
    denied: bool = True


def refuse(refusals: Iterable[Refusal]) -> None:
    """Raise the first refusal, rules (a lock) before permissions, as the service's exception."""
    for r in sorted(refusals, key=lambda r: r.denied):
        if r.denied:
            raise PermissionDenied(r.message)
        raise ValidationError(r.message if r.field == RECORD else {r.field: r.message})


# --- corrections ---------------------------------------------------------------------------------

def can_correct(user, *units: Unit) -> bool:
    """Corrections (更正) of records, verified ones included: county admins over every unit
    involved, and superusers."""
    return all(allowed(user, u, CORRECTION_ROLES) for u in units if u is not None)


def correction_refusals(actor, reason: str | None, *units: Unit) -> list[Refusal]:
    out = []
    if not can_correct(actor, *units):
        out.append(Refusal(RECORD, "只有县级组织部管理员可以更正记录。"))
    if not (reason or "").strip():
        out.append(Refusal("reason", "更正记录必须说明理由。", denied=False))
    elif len(reason.strip()) > REASON_MAX_LENGTH:
        out.append(Refusal("reason", f"更正理由请不超过{REASON_MAX_LENGTH}个字。", denied=False))
    return out


# --- pairings ------------------------------------------------------------------------------------

def can_pair_at(user, unit: Unit) -> bool:
    """Set up a pairing with ``unit`` as one of its sides: county admins over it."""
    return allowed(user, unit, (Role.COUNTY_ADMIN,))


def can_manage_pairing(user, pairing: Pairing) -> bool:
    return can_pair_at(user, pairing.village) and can_pair_at(user, pairing.bureau)


def can_log_for_pairing(user, pairing: Pairing) -> bool:
    """Village editors, the bureau's liaison and county/township staff may add records."""
    return allowed(user, pairing.village, EDITOR_ROLES) or allowed(user, pairing.bureau, PAIRING_LOGGER_ROLES)


# --- contact points and inspections --------------------------------------------------------------

def can_set_contact_point(user, unit: Unit) -> bool:
    """A leader's contact point at ``unit``: county admins over the place."""
    return allowed(user, unit, (Role.COUNTY_ADMIN,))


def can_create_contact_points(user) -> bool:
    return holds_role_somewhere(user, (Role.COUNTY_ADMIN,))


def can_supervise(user) -> bool:
    """County admins and inspectors (anywhere): they record inspections and raise items."""
    return holds_role_somewhere(user, SUPERVISOR_ROLES)


def can_record_inspection(user, unit: Unit) -> bool:
    return allowed(user, unit, SUPERVISOR_ROLES)


def inspection_refusals(actor, *, inspection: Inspection | None, unit: Unit) -> list[Refusal]:
    """Who may write an inspection: supervisors (inspectors, county admins) over its place."""
    out = []
    if inspection is not None and not can_record_inspection(actor, inspection.unit):
        out.append(Refusal(RECORD, "只有督查人员或县级组织部管理员可以修改该督查记录。"))
    if not can_record_inspection(actor, unit):
        out.append(Refusal("unit", "只有督查人员或县级组织部管理员可以登记督查走访。"))
    return out


# --- rectification -------------------------------------------------------------------------------

def can_raise_rectification(user, inspection: Inspection) -> bool:
    """Supervisors over the inspected place raise items from an inspection."""
    return can_record_inspection(user, inspection.unit)


def can_assign_rectification(user, responsible_unit: Unit) -> bool:
    """The responsible unit must lie where the user supervises or works as township staff."""
    return allowed(user, responsible_unit, RESPONSIBLE_ROLES)


def can_follow_up(user, item: RectificationItem) -> bool:
    """The responsible unit's editors and the supervisors of either side may update an item."""
    return (allowed(user, item.responsible_unit, (*EDITOR_ROLES, *SUPERVISOR_ROLES))
            or allowed(user, item.inspection.unit, SUPERVISOR_ROLES))


def can_move_deadline(user, item: RectificationItem) -> bool:
    """Only the supervisors of the inspected place move an item's deadline."""
    return can_record_inspection(user, item.inspection.unit)


# --- help pairs ----------------------------------------------------------------------------------

def can_record_help_pairs(user) -> bool:
    """Village editors and bureau liaisons (anywhere) may record help pairs."""
    return holds_role_somewhere(user, EDITOR_ROLES)


def help_pair_owner(village: Unit, pairing: Pairing | None, member_unit: Unit | None) -> Unit:
    """A help pair is its village's, unless its Party member comes from the pairing's bureau:
    then it is the bureau's (the bureau logs its own members' help pairs for the pair)."""
    if pairing is not None and member_unit is not None and member_unit.path.startswith(pairing.bureau.path):
        return pairing.bureau
    return village


def can_edit_help_pair(user, village: Unit, pairing: Pairing | None, member_unit: Unit | None = None) -> bool:
    """Editors over the owner (``help_pair_owner``): the village edits the village's help
    pairs, the bureau its own members' ones; neither side edits the other's."""
    return can_edit_unit_records(user, help_pair_owner(village, pairing, member_unit))


def help_pair_refusals(actor, *, help_pair: HelpPair | None, village: Unit, pairing: Pairing | None,
                       member_unit: Unit | None) -> list[Refusal]:
    out = []
    if help_pair is not None and not can_edit_help_pair(actor, help_pair.village, help_pair.pairing,
                                                        help_pair.member_unit):
        out.append(Refusal(RECORD, "您没有权限修改该帮扶对子(帮扶对子由所属一方维护)。"))
    if not can_edit_help_pair(actor, village, pairing, member_unit):
        out.append(Refusal("village", "您没有权限为该村登记帮扶对子;结对单位只能登记本单位党员的帮扶对子。"))
    return out
