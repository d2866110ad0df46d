"""The one scoping rule: a role granted on a unit covers that unit's whole subtree.

``user_grants(user)`` loads a user's grants once per request (cached on the user object).
Every scoped model's ``objects.for_user(user)`` turns them into one prefix filter on the tree
path of the record's unit, so "not yours" and "does not exist" look the same (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

_CACHE_ATTR = "_cobuild_grants"


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    unit_name: str
    unit_kind: str


def user_grants(user) -> list[Grant]:
    """The user's role grants (cached on the user object for the request)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from .models import RoleGrant

        rows = RoleGrant.objects.filter(user_id=user.pk).values_list(
            "role", "unit_id", "unit__path", "unit__name", "unit__kind"
        ).order_by("unit__path", "role")
        cached = [Grant(*row) for row in rows]
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope_paths(user, roles=None) -> list[str] | None:
    """Tree paths whose subtrees the user may see; None means everything (superuser)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return None
    paths = sorted({g.unit_path for g in user_grants(user) if roles is None or g.role in roles})
    # Drop paths already covered by a shorter one.
    kept: list[str] = []
    for p in paths:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def scope_unit_ids(user, roles=None) -> list[int] | None:
    """Ids of the units whose subtrees the user may see; None means everything (superuser).
    Records carry their scope as unit ids (``organizations.records``), so this is all a record
    filter needs."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return None
    return sorted({g.unit_id for g in user_grants(user) if roles is None or g.role in roles})


def scope_q(user, field: str, roles=None) -> Q | None:
    """A Q limiting ``field`` (a path) to the user's scope; None = no limit."""
    paths = scope_paths(user, roles)
    if paths is None:
        return None
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def roles_at(user, unit) -> set[str]:
    """The roles the user holds over ``unit`` (grants on the unit or any unit above it)."""
    return {g.role for g in user_grants(user) if unit.path.startswith(g.unit_path)}


def has_role_at(user, unit, roles) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return bool(roles_at(user, unit) & set(roles))


def in_scope(user, unit) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return any(unit.path.startswith(g.unit_path) for g in user_grants(user))


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a unit of the tree; subclasses name the path field."""

    scope_path_field = "unit__path"

    def for_user(self, user, roles=None):
        q = scope_q(user, self.scope_path_field, roles)
        return self if q is None else self.filter(q)
