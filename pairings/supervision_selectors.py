"""Reads for the supervision pages (contact points, inspections, rectification, help pairs).

Every function starts from the model's ``objects.for_user(user)`` and fetches what its page
shows with ``select_related``/``annotate``, so each page issues the same number of queries
however many rows it lists. The choice querysets here are the ones the forms offer: a posted id
outside them fails validation.
"""

from __future__ import annotations

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce

from organizations.models import EDITOR_ROLES, Role, Unit, UnitKind
from organizations.scoping import scope_q

from .models import (
    PAIRING_VILLAGE_KINDS,
    ContactPoint,
    HelpPair,
    Inspection,
    Pairing,
    RectificationItem,
    RectificationStatus,
)
from .policy import RESPONSIBLE_ROLES, SUPERVISOR_ROLES

# --- lists -----------------------------------------------------------------------------------------

def contact_points(user):
    return (
        ContactPoint.objects.for_user(user)
        .select_related("unit__parent", "campaign")
        .annotate(n_visits=Count("visits"), n_person_visits=Coalesce(Sum("visits__visitors"), 0),
                  last_visit=Max("visits__held_on"))
        .order_by("leader_name", "unit__name", "pk")
    )


def inspections(user):
    return (
        Inspection.objects.for_user(user)
        .select_related("unit__parent", "campaign", "pairing__bureau", "pairing__village", "contact_point")
        .annotate(n_items=Count("rectifications"),
                  n_open=Count("rectifications", filter=~Q(rectifications__status=RectificationStatus.CLOSED)))
        .order_by("-held_on", "-pk")
    )


def rectifications(user):
    return (
        RectificationItem.objects.for_user(user)
        .select_related("inspection__unit", "responsible_unit__parent", "created_by")
        .order_by("deadline", "pk")
    )


def help_pairs(user):
    return (
        HelpPair.objects.for_user(user)
        .select_related("village__parent", "pairing__bureau", "pairing__village", "member_unit")
        .order_by("village__path", "member_name", "pk")
    )


# --- choices ---------------------------------------------------------------------------------------

def _units(qs):
    return qs.select_related("parent").order_by("path")


def supervised_units(user):
    """Places where the user may record an inspection (can_record_inspection)."""
    return _units(Unit.objects.for_user(user, roles=SUPERVISOR_ROLES))


def responsible_unit_choices(user):
    """Units the user may make responsible for an item (rectification_create's rule)."""
    return _units(Unit.objects.for_user(user, roles=RESPONSIBLE_ROLES))


def county_admin_units(user):
    return _units(Unit.objects.for_user(user, roles=(Role.COUNTY_ADMIN,)))


def townships(user):
    return Unit.objects.for_user(user).filter(kind=UnitKind.TOWNSHIP).order_by("path")


def campaigns(user):
    # The campaign model through the relation: campaigns sits above pairings (no import).
    return Pairing.campaign.field.related_model.objects.for_user(user)


def pairings(user):
    return Pairing.objects.for_user(user).select_related("bureau", "village").order_by("village__name", "code")


def contact_point_choices(user):
    return ContactPoint.objects.for_user(user).select_related("unit").order_by("leader_name", "unit__name")


def visible_villages(user):
    """Villages and communities the user sees: in scope, or paired with a bureau in scope."""
    qs = Unit.objects.filter(kind__in=PAIRING_VILLAGE_KINDS)
    q = scope_q(user, "path")
    if q is None:
        return _units(qs)
    return _units(qs.filter(q | Q(pk__in=Pairing.objects.for_user(user).values("village_id"))))


def help_pair_villages(user):
    """Villages the user may record help pairs for (can_edit_help_pair): their own as an editor,
    or those paired with their bureau as its liaison."""
    qs = Unit.objects.filter(kind__in=PAIRING_VILLAGE_KINDS)
    edit_q = scope_q(user, "path", EDITOR_ROLES)
    if edit_q is None:
        return _units(qs)
    bureau_q = scope_q(user, "bureau__path", (Role.BUREAU_LIAISON,))
    return _units(qs.filter(edit_q | Q(pk__in=Pairing.objects.filter(bureau_q).values("village_id"))))


def help_pair_pairings(user):
    """Pairings a help pair may be put under by the user."""
    qs = Pairing.objects.select_related("bureau", "village").order_by("village__name", "code")
    village_q = scope_q(user, "village__path", EDITOR_ROLES)
    if village_q is None:
        return qs
    return qs.filter(village_q | scope_q(user, "bureau__path", (Role.BUREAU_LIAISON,)))


def member_unit_choices(user):
    """Where a helping Party member may work: units in scope and the bureaus paired with them."""
    q = scope_q(user, "path")
    qs = Unit.objects.all()
    if q is not None:
        qs = qs.filter(q | Q(pk__in=Pairing.objects.for_user(user).values("bureau_id")))
    return _units(qs)
