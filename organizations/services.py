"""Every write to the organisation tree goes through these services.

Each service checks the actor's permission (``actor=None`` is the system: management commands
and data migrations), validates with ``full_clean``, saves inside a transaction and leaves a
history record with the change reason.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cobuild import batching
from cobuild.batching import batched

from . import records
from .models import (
    ALLOWED_PARENT_KINDS,
    PARTY_KINDS,
    Leader,
    Organization,
    Role,
    RoleGrant,
    Unit,
    User,
)
from .policy import (
    can_change_privileges,
    can_create_top_unit,
    can_deactivate_account,
    can_delete_records,
    can_edit_unit_records,
    can_grant,
    can_manage_account,
    can_manage_unit,
    can_reset_two_factor,
)
from .scoping import forget_grants


def _check(actor, unit: Unit | None, rule) -> None:
    """Raise PermissionDenied unless ``rule(actor, unit)`` (a ``policy`` predicate) allows it."""
    if actor is None or actor.is_superuser:
        return
    if unit is None or not rule(actor, unit):
        raise PermissionDenied("您没有权限修改该单位的数据。")


def _validate_parent(kind: str, parent: Unit | None) -> None:
    allowed = ALLOWED_PARENT_KINDS.get(kind, set())
    parent_kind = parent.kind if parent else None
    if parent_kind not in allowed:
        if parent is None:
            raise ValidationError({"parent": "该类型的单位必须有上级单位。"})
        raise ValidationError(
            {"parent": f"“{parent.get_kind_display()}”下不能设立“{Unit(kind=kind).get_kind_display()}”。"}
        )


def validate_unit_placement(*, unit: Unit | None, kind: str, parent: Unit | None) -> None:
    """Kind allowed under the parent, and no unit moved under itself."""
    if unit is not None and unit.pk and parent is not None and parent.path.startswith(unit.path):
        raise ValidationError({"parent": "不能把单位移到它自己或其下级单位之下。"})
    _validate_parent(kind, parent)


def validate_led_by(*, org: Organization | None, unit: Unit, led_by: Organization | None) -> None:
    """A mass organisation is led by a Party organisation of its own unit or one above it."""
    if led_by is None:
        return
    if led_by.kind not in PARTY_KINDS:
        raise ValidationError({"led_by": "领导组织必须是党组织(党委、党总支或党支部)。"})
    if org is not None and led_by.pk == org.pk:
        raise ValidationError({"led_by": "组织不能领导它自己。"})
    if not unit.path.startswith(led_by.unit.path):
        raise ValidationError({"led_by": "领导党组织必须属于本单位或其上级单位。"})


@batched
def unit_save(*, actor: User | None, code: str, name: str, kind: str, parent: Unit | None,
              sort_order: int | None = None, address: str | None = None,
              position_shared: bool | None = None, reason: str | None = None) -> tuple[Unit, bool]:
    """Create the unit with ``code`` or update it; returns (unit, created). Moves keep the subtree."""
    unit = Unit.objects.select_for_update().filter(code=code).first()
    created = unit is None
    _check(actor, parent, can_manage_unit)
    if parent is None and not can_create_top_unit(actor):
        raise PermissionDenied("只有系统管理员可以建立顶级单位。")
    if not created:
        _check(actor, unit, can_manage_unit)
    validate_unit_placement(unit=unit, kind=kind, parent=parent)
    if created:
        unit = Unit(code=code)
    old_path = unit.path
    moved = not created and unit.parent_id != (parent.pk if parent else None)
    unit.name, unit.kind, unit.parent = name, kind, parent
    if sort_order is not None:
        unit.sort_order = sort_order
    if address is not None:
        unit.address = address
    if position_shared is not None:
        unit.position_shared = position_shared
    unit._change_reason = reason or ("新建单位" if created else "修改单位")
    unit.full_clean(exclude=["path"])
    if created:
        unit.path = "/"  # placeholder until the id is known
        unit.save()
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.depth = unit.path.count("/") - 2
        # Fill in the path on the row and on its (single) creation history record.
        Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
        Unit.history.filter(id=unit.pk).update(path=unit.path, depth=unit.depth)
        return unit, created
    if moved:
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.depth = unit.path.count("/") - 2
    unit.save()
    if moved:
        new_path = unit.path
        depth_change = unit.depth - (old_path.count("/") - 2)
        descendants = Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk)
        for d in descendants.only("pk", "path", "depth"):
            # Kept per row (not one UPDATE) so that each moved unit leaves a history record.
            d.path = new_path + d.path[len(old_path):]
            d.depth = d.depth + depth_change
            d._change_reason = f"随上级单位“{unit.name}”迁移"
            d.save(update_fields=["path", "depth", "updated_at"])
        # Every record under the moved unit now stands elsewhere: re-scope it (and its figures)
        # in this transaction.
        records.rescope_unit(unit.pk)
    return unit, created


def unit_rebuild_paths() -> int:
    """Recompute every path and depth from ``parent`` (repair tool). Returns units fixed."""
    fixed = 0
    with transaction.atomic(), batching.batch():
        level = list(Unit.objects.filter(parent__isnull=True))
        for u in level:
            u._new_path = f"/{u.pk}/"
        while level:
            for u in level:
                if u.path != u._new_path:
                    u.path, u.depth = u._new_path, u._new_path.count("/") - 2
                    u.save(update_fields=["path", "depth"])
                    records.rescope_unit(u.pk)   # its records (and figures) follow, once at the end
                    fixed += 1
            by_id = {u.pk: u for u in level}
            nxt = list(Unit.objects.filter(parent_id__in=by_id))
            for c in nxt:
                c._new_path = f"{by_id[c.parent_id]._new_path}{c.pk}/"
            level = nxt
    return fixed




@transaction.atomic
def organization_save(*, actor: User | None, code: str, name: str, kind: str, unit: Unit,
                      led_by: Organization | None = None, members: int = 0,
                      women_members: int | None = None, established=None,
                      reason: str | None = None) -> tuple[Organization, bool]:
    """Create the organisation with ``code`` or update it; returns (organisation, created)."""
    org = Organization.objects.select_for_update().select_related("unit").filter(code=code).first()
    created = org is None
    old_unit_id = None if created else org.unit_id
    if not created:
        _check(actor, org.unit, can_edit_unit_records)
    _check(actor, unit, can_edit_unit_records)
    if created:
        org = Organization(code=code)
    validate_led_by(org=None if created else org, unit=unit, led_by=led_by)
    org.name, org.kind, org.unit, org.led_by = name, kind, unit, led_by
    org.members = members or 0
    if women_members is not None:
        org.women_members = women_members
    org.established = established
    org.full_clean()
    org._change_reason = reason or ("新建组织" if created else "修改组织")
    org.save()
    coverage_refresh({org.unit_id, old_unit_id} - {None})
    return org, created


def coverage_refresh(unit_ids=None) -> int:
    """Set ``Unit.coverage_complete`` of ``unit_ids`` (every unit if None) from their organisations
    (``selectors.complete_unit_ids``, the one rule); in the writer's transaction. Returns the
    number of units changed. Derived, like the path: an update without a history row."""
    from .selectors import complete_unit_ids

    units = Unit.objects.all() if unit_ids is None else Unit.objects.filter(pk__in=list(unit_ids))
    complete = complete_unit_ids(None if unit_ids is None else list(unit_ids))
    return (units.filter(coverage_complete=False, pk__in=complete).update(coverage_complete=True)
            + units.filter(coverage_complete=True).exclude(pk__in=complete).update(coverage_complete=False))


@transaction.atomic
def leader_save(*, actor: User | None, leader: Leader | None = None, name: str, position: str,
                unit: Unit, organization: Organization | None = None, gender: str = "",
                phone: str = "", is_party_member: bool = True, notes: str = "",
                reason: str | None = None) -> Leader:
    created = leader is None
    if not created:
        _check(actor, leader.unit, can_edit_unit_records)
    _check(actor, unit, can_edit_unit_records)
    if organization is not None and organization.unit_id != unit.pk:
        raise ValidationError({"organization": "所在组织必须属于所在单位。"})
    leader = leader or Leader()
    leader.name, leader.position, leader.unit, leader.organization = name, position, unit, organization
    leader.gender, leader.phone, leader.is_party_member, leader.notes = gender, phone, is_party_member, notes
    leader.full_clean()
    leader._change_reason = reason or ("新增负责人" if created else "修改负责人")
    leader.save()
    return leader


@transaction.atomic
def leader_delete(*, actor: User | None, leader: Leader, reason: str | None = None) -> None:
    _check(actor, leader.unit, can_edit_unit_records)
    leader._change_reason = reason or "删除负责人"
    leader.delete()


def _check_account(actor, user: User) -> None:
    if can_manage_account(actor, user):
        return
    if user.is_superuser:
        raise PermissionDenied("只有系统管理员可以修改系统管理员的账号和授权。")
    raise PermissionDenied("该账号不在您的管理范围内。")


def _check_grant(actor, unit: Unit) -> None:
    if actor is None or can_grant(actor, unit):
        return
    raise PermissionDenied(f"只有“{unit.name}”及其上级的县级组织部管理员可以授予或撤销该单位的角色。")


@transaction.atomic
def role_grant(*, actor: User | None, username: str, role: str, unit: Unit,
               password: str | None = None, reason: str | None = None) -> tuple[User, RoleGrant, bool]:
    """Create the user if missing, set the password if given, grant ``role`` over ``unit``.

    Only a county admin over ``unit`` (or a superuser) may grant, so nobody grants a role over a
    unit outside their own scope; the account must be one the actor may manage
    (``can_manage_account``).
    """
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色“{role}”,可用:{', '.join(Role.values)}"})
    _check_grant(actor, unit)
    user = User.objects.filter(username=username).first()
    _created = user is None
    if user is not None:
        _check_account(actor, user)
    if password and not can_change_privileges(actor) and not _created:
        raise PermissionDenied("只有系统管理员可以重设已有账号的密码。")
    if _created:
        user = User(username=username)
        user.full_clean(exclude=["password"])
    if password:
        user_set_password(user=user, password=password)
    elif _created:
        user.set_unusable_password()
    if _created or password:
        user._change_reason = reason or ("新建账号" if _created else "重设密码")
        user.save()
    grant = RoleGrant.objects.filter(user=user, role=role, unit=unit).first()
    created = grant is None
    if created:
        grant = RoleGrant(user=user, role=role, unit=unit)
        grant._change_reason = reason or "授予角色"
        grant.save()
    forget_grants(user)
    return user, grant, created


@transaction.atomic
def role_revoke(*, actor: User | None, grant: RoleGrant, reason: str | None = None) -> None:
    """Withdraw a grant: the same rule as granting (a county admin over its unit)."""
    grant = RoleGrant.objects.select_related("user", "unit").get(pk=grant.pk)
    _check_grant(actor, grant.unit)
    _check_account(actor, grant.user)
    grant._change_reason = reason or "撤销授权"
    grant.delete()
    forget_grants(grant.user)


@transaction.atomic
def role_grant_change(*, actor: User | None, grant: RoleGrant, user: User, role: str, unit: Unit,
                      reason: str | None = None) -> RoleGrant:
    """Change a grant's account, role or unit: revoking the old grant and granting the new one,
    each under its own rule, so a change can never reach further than a new grant could."""
    grant = RoleGrant.objects.select_related("user", "unit").get(pk=grant.pk)
    if (grant.user_id, grant.role, grant.unit_id) == (user.pk, role, unit.pk):
        _check_grant(actor, grant.unit)
        _check_account(actor, grant.user)
        return grant
    role_revoke(actor=actor, grant=grant, reason=reason)
    _user, new, _created = role_grant(actor=actor, username=user.username, role=role, unit=unit, reason=reason)
    return new


# --- accounts -----------------------------------------------------------------------------------

# Fields only a superuser may change on an account: they widen what it may do.
PRIVILEGE_FIELDS = ("is_superuser", "is_staff")


def user_set_password(*, user: User, password: str) -> None:
    """Set a password after the validators of ``AUTH_PASSWORD_VALIDATORS`` (length, common
    passwords, all digits, too like the account's names), whose messages are Chinese; the caller
    saves. Every place that sets a password comes through here (the admin's forms run the same
    validators)."""
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise ValidationError({"password": e.messages}) from e
    user.set_password(password)


@transaction.atomic
def user_two_factor_reset(*, actor: User | None, user: User, reason: str | None = None) -> int:
    """Remove the account's second-factor devices (lost phone): it signs in with its password again
    and, if it must have one, enrols anew. The same rule as changing the account; recorded in the
    account's history with the reason."""
    from . import two_factor

    user = User.objects.select_for_update().get(pk=user.pk)
    _check_account(actor, user)
    if not can_reset_two_factor(actor, user):
        raise PermissionDenied("只有系统管理员或县级组织部管理员可以重置双因素认证。")
    return two_factor.devices_delete(user=user, reason=reason or "重置双因素认证")


@transaction.atomic
def user_save(*, actor: User | None, user: User, reason: str | None = None) -> User:
    """Save an account edited in the admin (names, phone, active flag, ...). Creating accounts and
    changing the privilege flags are for superusers only."""
    created = user.pk is None
    if not can_change_privileges(actor):
        if created:
            raise PermissionDenied("只有系统管理员可以新建账号;县级管理员授予角色时会自动建立账号。")
        stored = User.objects.get(pk=user.pk)
        _check_account(actor, stored)
        if any(getattr(stored, f) != getattr(user, f) for f in PRIVILEGE_FIELDS):
            raise PermissionDenied("只有系统管理员可以修改账号的管理权限。")
    user.full_clean(exclude=["password"])
    user._change_reason = reason or ("新建账号" if created else "修改账号")
    user.save()
    return user


def user_has_authored(user: User) -> bool:
    """Whether anything refers to the account besides its own role grants and the history of
    its own row: records it wrote or reviewed, history rows it authored, admin log entries."""
    from django.contrib.auth.models import Group, Permission

    for rel in User._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        model, field = rel.related_model, rel.field
        if model is RoleGrant or model in (Group, Permission) or rel.many_to_many:
            continue
        if model._meta.auto_created:  # the m2m tables of groups and permissions
            continue
        historical = hasattr(model, "instance_type")
        if historical and field.name != "history_user":
            continue  # a historical copy of a row naming the user, not something they did
        qs = model._default_manager.filter(**{field.name: user})
        if historical and model.instance_type is User:
            qs = qs.exclude(id=user.pk)  # their own logins and profile edits
        if qs.exists():
            return True
    return False


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User, reason: str | None = None) -> User:
    """Switch an account off (it can no longer log in) keeping it as the author of its records
    and history rows."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_account(actor, user)
    if not can_deactivate_account(actor, user):
        raise PermissionDenied("该账号不在您的管理范围内。")
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("不能停用自己的账号。")
    if user.is_active:
        user.is_active = False
        user._change_reason = reason or "停用账号"
        user.save(update_fields=["is_active"])
    forget_grants(user)
    return user


@transaction.atomic
def user_delete(*, actor: User | None, user: User, reason: str | None = None) -> bool:
    """Delete an account that never wrote anything; one that did is deactivated instead, so every
    record and history row keeps its author. Returns True when the account was deleted."""
    if user_has_authored(user):
        user_deactivate(actor=actor, user=user, reason=reason)
        return False
    if actor is not None and not can_delete_records(actor):
        raise PermissionDenied("只有系统管理员可以删除账号。")
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("不能删除自己的账号。")
    user._change_reason = reason or "删除账号"
    user.delete()
    return True
