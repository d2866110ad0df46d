"""Who may set targets (目标任务): the rules beside ``Target.objects.for_user``.

Seeing targets and figures is ``for_user`` (a role on a unit covers its subtree). Setting them:

- county_admin 县级组织部管理员 sets and removes targets for any unit under their grant —
  townships, bureaus, villages (``can_set_target``);
- township_staff 乡镇工作人员 only for the villages and communities (``VILLAGE_KINDS``) of their
  township (``can_set_target``); the targets page offers its form at a unit where either role
  holds (``can_set_targets_below``);
- village_secretary 村党组织书记, bureau_liaison 机关单位联络员, inspector 督查人员 and viewer
  只读领导 set no targets.

Superusers and the system (``actor=None``: seed_demo, commands) may set every target. Who may
review, log or correct the records the figures count is ``campaigns.policy`` and
``pairings.policy``.
"""

from __future__ import annotations

from organizations.models import Role, Unit, UnitKind
from organizations.scoping import has_role_at

VILLAGE_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY)


def can_set_target(user, unit: Unit) -> bool:
    if user is None or user.is_superuser:
        return True
    if not user.is_authenticated:
        return False
    if has_role_at(user, unit, (Role.COUNTY_ADMIN,)):
        return True
    return unit.kind in VILLAGE_KINDS and has_role_at(user, unit, (Role.TOWNSHIP_STAFF,))


def can_set_targets_below(user, unit: Unit) -> bool:
    """Whether the targets page offers the form at ``unit`` (some unit below may be settable)."""
    if user is None or user.is_superuser:
        return True
    return has_role_at(user, unit, (Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF))
