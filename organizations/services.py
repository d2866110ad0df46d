"""Every write to the organisation tree goes through these services.

Each service checks the actor's permission (``actor=None`` is the system: management commands
and data migrations), validates with ``full_clean``, saves inside a transaction and leaves a
history record with the change reason.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .models import (
    ALLOWED_PARENT_KINDS,
    EDITOR_ROLES,
    MANAGER_ROLES,
    PARTY_KINDS,
    Leader,
    Organization,
    Role,
    RoleGrant,
    Unit,
    User,
)
from .scoping import forget_grants, has_role_at


def _check(actor, unit: Unit | None, roles) -> None:
    """Raise PermissionDenied unless the actor holds one of ``roles`` over ``unit``."""
    if actor is None or actor.is_superuser:
        return
    if unit is None or not has_role_at(actor, unit, roles):
        raise PermissionDenied("您没有权限修改该单位的数据。")


def can_manage_unit(user, unit: Unit) -> bool:
    return user.is_authenticated and has_role_at(user, unit, MANAGER_ROLES)


def can_edit_unit_records(user, unit: Unit) -> bool:
    return user.is_authenticated and has_role_at(user, unit, EDITOR_ROLES)


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


@transaction.atomic
def unit_save(*, actor: User | None, code: str, name: str, kind: str, parent: Unit | None,
              sort_order: int | None = None, address: str | None = None,
              position_shared: bool | None = None, reason: str | None = None) -> tuple[Unit, bool]:
    """Create the unit with ``code`` or update it; returns (unit, created). Moves keep the subtree."""
    unit = Unit.objects.select_for_update().filter(code=code).first()
    created = unit is None
    _check(actor, parent, MANAGER_ROLES)
    if parent is None and actor is not None and not actor.is_superuser:
        raise PermissionDenied("只有系统管理员可以建立顶级单位。")
    if not created:
        _check(actor, unit, MANAGER_ROLES)
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
    return unit, created


def unit_rebuild_paths() -> int:
    """Recompute every path and depth from ``parent`` (repair tool). Returns units fixed."""
    fixed = 0
    with transaction.atomic():
        level = list(Unit.objects.filter(parent__isnull=True))
        for u in level:
            u._new_path = f"/{u.pk}/"
        while level:
            for u in level:
                if u.path != u._new_path:
                    u.path, u.depth = u._new_path, u._new_path.count("/") - 2
                    u.save(update_fields=["path", "depth"])
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
    if not created:
        _check(actor, org.unit, EDITOR_ROLES)
    _check(actor, unit, EDITOR_ROLES)
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
    return org, created


@transaction.atomic
def leader_save(*, actor: User | None, leader: Leader | None = None, name: str, position: str,
                unit: Unit, organization: Organization | None = None, gender: str = "",
                phone: str = "", is_party_member: bool = True, notes: str = "",
                reason: str | None = None) -> Leader:
    created = leader is None
    if not created:
        _check(actor, leader.unit, EDITOR_ROLES)
    _check(actor, unit, EDITOR_ROLES)
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
def leader_delete(*, actor: User | None, leader: Leader) -> None:
    _check(actor, leader.unit, EDITOR_ROLES)
    leader._change_reason = "删除负责人"
    leader.delete()


@transaction.atomic
def role_grant(*, actor: User | None, username: str, role: str, unit: Unit,
               password: str | None = None) -> tuple[User, RoleGrant, bool]:
    """Create the user if missing, set the password if given, grant ``role`` over ``unit``."""
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色“{role}”,可用:{', '.join(Role.values)}"})
    _check(actor, unit, (Role.COUNTY_ADMIN,))
    user, _created = User.objects.get_or_create(username=username)
    if password:
        user.set_password(password)
        user.save()
    elif _created:
        user.set_unusable_password()
        user.save()
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role, unit=unit)
    forget_grants(user)
    return user, grant, created


@transaction.atomic
def role_revoke(*, actor: User | None, grant: RoleGrant) -> None:
    _check(actor, grant.unit, (Role.COUNTY_ADMIN,))
    grant._change_reason = "撤销授权"
    grant.delete()
