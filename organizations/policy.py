"""Who may do what in the organisation tree: units, organisations, leaders, accounts, imports.

Beside ``objects.for_user`` (what a user may see, ``scoping``) these are the rules for what
they may change. A role granted on a unit covers that unit's whole subtree; superusers may do
everything; ``actor=None`` is the system (management commands, data migrations). The other
apps' policy modules build on ``allowed`` and ``can_edit_unit_records``.

- 管理单位树(新建、改名、迁移单位): county_admin 县级组织部管理员 and township_staff
  乡镇工作人员 over the unit (``can_manage_unit``); only superusers set up a top-level unit
  (``can_create_top_unit``).
- 导入数据: the same two roles, held somewhere (``can_import``); each row then needs
  ``can_manage_unit`` (or the record kind's own rule) over its unit.
- 本单位的记录(组织、负责人,以及各业务模块里“属于本单位”的记录): those two plus
  village_secretary 村党组织书记 and bureau_liaison 机关单位联络员 over the unit
  (``can_edit_unit_records`` — the owner rule every app uses).
- 授予、调整、撤销角色: a county_admin over the grant's unit (``can_grant``), and only for an
  account they may manage (``can_manage_account``: not a superuser; holding no role yet or one
  inside their scope); switching an account off needs it to hold a role
  (``can_deactivate_account``).
- 重置双因素认证(丢失手机): a superuser, or a county admin for an account they may manage
  (``can_reset_two_factor``).
- 账号的管理权限(is_staff、is_superuser)和已有账号的密码: superusers only
  (``can_change_privileges``); deleting a record outright instead of correcting it, likewise
  (``can_delete_records``).
- inspector 督查人员 and viewer 只读领导 change nothing in the tree.
"""

from __future__ import annotations

from .models import EDITOR_ROLES, MANAGER_ROLES, Role, RoleGrant, Unit, User
from .scoping import has_role_at, in_scope, user_grants


def allowed(actor, unit: Unit, roles) -> bool:
    """The system (``actor=None``), a superuser, or a holder of one of ``roles`` over ``unit``."""
    return actor is None or actor.is_superuser or has_role_at(actor, unit, roles)


def holds_role_somewhere(user, roles) -> bool:
    """A superuser, or a holder of one of ``roles`` over any unit (menus, "new" buttons)."""
    return user.is_superuser or any(g.role in roles for g in user_grants(user))


#: Roles that look across many units (a township, the county): the comparing pages — 结对全景,
#: 考核评分, 简报 — are theirs; a village secretary or a bureau liaison has one unit and its pair.
OVERSIGHT_ROLES = (Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF, Role.INSPECTOR, Role.VIEWER)


def oversees_units(user) -> bool:
    """Menus: whether the pages that compare units (matrix, assessment, bulletin) are offered."""
    return holds_role_somewhere(user, OVERSIGHT_ROLES)


def can_manage_unit(user, unit: Unit) -> bool:
    """Change the tree at ``unit`` (and import into it): county admins and township staff."""
    return allowed(user, unit, MANAGER_ROLES)


def can_create_top_unit(actor) -> bool:
    return actor is None or actor.is_superuser


def can_edit_unit_records(user, unit: Unit) -> bool:
    """The owner rule: an editor role over the record's unit (or a manager role above it)."""
    return allowed(user, unit, EDITOR_ROLES)


def can_import(user) -> bool:
    """Use the import pages at all: county admins and township staff (anywhere)."""
    return holds_role_somewhere(user, MANAGER_ROLES)


def can_grant(user, unit: Unit) -> bool:
    """Who may grant or revoke a role over ``unit``: a county admin over it, or a superuser."""
    return user is not None and user.is_authenticated and has_role_at(user, unit, (Role.COUNTY_ADMIN,))


def can_manage_account(actor, user: User) -> bool:
    """Whether ``actor`` may grant roles to, change or deactivate the account ``user``.

    Superusers may manage every account. Anyone else only accounts that are not superusers and
    either hold no role yet or hold at least one role inside the actor's scope: a county admin
    cannot reach into another county's accounts, nor make a superuser's grants their business.
    """
    if actor is None or actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    if user.pk is None:
        return True
    units = [g.unit for g in RoleGrant.objects.filter(user_id=user.pk).select_related("unit")]
    return not units or any(in_scope(actor, u) for u in units)


def can_deactivate_account(actor, user: User) -> bool:
    """Switch an account off: one the actor may manage and, unless they are a superuser, one that
    holds a role (an account without any role is nobody's business but a superuser's)."""
    if not can_manage_account(actor, user):
        return False
    return can_change_privileges(actor) or RoleGrant.objects.filter(user_id=user.pk).exists()


def can_reset_two_factor(actor, user: User) -> bool:
    """Remove an account's second-factor devices (lost phone): a superuser, or a county admin for
    an account they may manage."""
    if actor is None or actor.is_superuser:
        return True
    return holds_role_somewhere(actor, (Role.COUNTY_ADMIN,)) and can_manage_account(actor, user)


def can_change_privileges(actor) -> bool:
    """Create accounts, change their privilege flags, reset an existing account's password."""
    return actor is None or actor.is_superuser


def can_delete_records(user) -> bool:
    """Records are corrected, not removed: only superusers delete one that has no delete service."""
    return user.is_superuser


def can_rebuild_figures(user) -> bool:
    """Start the metrics rebuild (重算成效指标) from the web: a superuser or a county admin."""
    return user is not None and user.is_authenticated and holds_role_somewhere(user, (Role.COUNTY_ADMIN,))
