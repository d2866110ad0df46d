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


# --- assessment (考核) ----------------------------------------------------------------------------
#
# County admins (the organisation department) over the scheme's unit define schemes, compute,
# review, freeze and publish. Everyone whose scope holds the scheme's unit (county inspector,
# viewer) reads it at every stage. Below it, township staff, village secretaries and bureau
# liaisons see a scheme only once published, and only the results of units in their scope
# (``AssessmentScheme.objects.for_user`` and ``AssessmentResult.objects.for_user``).

ASSESSMENT_ROLES = (Role.COUNTY_ADMIN,)


def can_manage_assessment(user, unit: Unit) -> bool:
    if user is None or user.is_superuser:
        return True
    return user.is_authenticated and has_role_at(user, unit, ASSESSMENT_ROLES)


def can_create_assessments(user) -> bool:
    """Whether the scheme list offers 新建考核方案 (a county admin somewhere)."""
    from organizations.scoping import user_grants

    if user.is_superuser:
        return True
    return any(g.role in ASSESSMENT_ROLES for g in user_grants(user))


def sees_whole_scheme(user, scheme) -> bool:
    """Whether the user's scope holds the scheme's unit (every result, at every stage)."""
    from organizations.scoping import in_scope

    return in_scope(user, scheme.unit)
