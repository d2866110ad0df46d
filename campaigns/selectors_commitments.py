"""Reads for the commitment, meeting and campaign pages: scoped to the user, counted in SQL.

Every selector here issues a fixed number of queries however many rows there are.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from organizations.models import AREA_KINDS, EDITOR_ROLES, Organization, Role, Unit
from organizations.scoping import in_scope, user_grants
from pairings.models import PAIRING_VILLAGE_KINDS, Pairing

from .models import Campaign, Commitment, CommitmentStatus, DecisionStatus, JointMeeting, MeetingDecision

OPEN_STATUSES = (CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS)
# Board order: what is still to do first, then what is done, cancelled last.
STATUS_ORDER = Case(
    When(status=CommitmentStatus.IN_PROGRESS, then=Value(0)),
    When(status=CommitmentStatus.PENDING, then=Value(1)),
    When(status=CommitmentStatus.DONE, then=Value(2)),
    default=Value(3), output_field=IntegerField(),
)


# --- units a user works for -----------------------------------------------------------------------

def loggable_units(user):
    """Units where the user may record commitments and meetings (editor roles over them)."""
    return Unit.objects.for_user(user, roles=EDITOR_ROLES)


def preselected_unit(user) -> Unit | None:
    """The one unit a village secretary or bureau liaison works for, if that is all they hold."""
    if user.is_superuser:
        return None
    grants = [g for g in user_grants(user) if g.role in EDITOR_ROLES]
    units = {g.unit_id for g in grants}
    if len(units) == 1 and all(g.role in (Role.VILLAGE_SECRETARY, Role.BUREAU_LIAISON) for g in grants):
        return Unit.objects.filter(pk=units.pop()).first()
    return None


def filter_unit_choices(user):
    """Units offered in the "unit" filter of the lists: the areas of the scope and the user's own
    units (the filter covers the unit's subtree; the search box finds any unit by name)."""
    own = {g.unit_id for g in user_grants(user)}
    return Unit.objects.for_user(user).filter(Q(kind__in=AREA_KINDS) | Q(pk__in=own)).order_by("path")


def campaign_owner_choices(user):
    """Area units where the user is a county admin: the possible owners of a campaign."""
    return Unit.objects.for_user(user, roles=(Role.COUNTY_ADMIN,)).filter(kind__in=AREA_KINDS).order_by("path")


def unit_pairings(user, unit):
    """Scoped pairings that the unit is a side of, with both sides' names."""
    return (Pairing.objects.for_user(user).filter(Q(village=unit) | Q(bureau=unit))
            .select_related("village", "bureau").order_by("code"))


def neighbourhood_ids(user, unit) -> set[int]:
    """The unit and the units paired with it (through scoped pairings)."""
    ids = {unit.pk}
    for village_id, bureau_id in unit_pairings(user, unit).values_list("village_id", "bureau_id"):
        ids.update((village_id, bureau_id))
    return ids


def meeting_unit_choices(user, host: Unit):
    """Member units a meeting of ``host`` may list: the host, its paired units and the units
    directly below it (a township's villages, a county's townships and bureaus)."""
    ids = neighbourhood_ids(user, host)
    host_first = Case(When(pk=host.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
    return Unit.objects.filter(Q(pk__in=ids) | Q(parent=host)).order_by(host_first, "depth", "kind", "name")


def meeting_org_choices(user, host: Unit):
    """Member organisations: those of the host and of its paired units (党工青妇 on each side)."""
    host_first = Case(When(unit_id=host.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (Organization.objects.filter(unit_id__in=neighbourhood_ids(user, host))
            .select_related("unit").order_by(host_first, "unit__depth", "unit__name", "kind", "name"))


# --- commitments ----------------------------------------------------------------------------------

def commitments(user):
    return Commitment.objects.for_user(user).select_related(
        "campaign", "unit", "organization", "pairing__village", "pairing__bureau")


def rate(done: int, made: int) -> Decimal | None:
    """done ÷ made × 100, two decimals (CONTRACT.md §4); None when nothing was made."""
    if not made:
        return None
    return (Decimal(done) * 100 / Decimal(made)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def commitment_counts(qs, today=None) -> dict:
    """Made (not cancelled), done, overdue and the completion rate, in one query."""
    today = today or timezone.localdate()
    counts = qs.order_by().aggregate(
        made=Count("pk", filter=~Q(status=CommitmentStatus.CANCELLED)),
        done=Count("pk", filter=Q(status=CommitmentStatus.DONE)),
        in_progress=Count("pk", filter=Q(status=CommitmentStatus.IN_PROGRESS)),
        pending=Count("pk", filter=Q(status=CommitmentStatus.PENDING)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)),
    )
    counts["rate"] = rate(counts["done"], counts["made"])
    return counts


def board_q(unit: Unit) -> Q:
    """Which commitments a unit's board lists: the unit's own and, for a village, those its
    paired bureaus made for the pairing (the signed-in board and the public one alike)."""
    q = Q(unit=unit)
    if unit.kind in PAIRING_VILLAGE_KINDS:
        q |= Q(pairing__village=unit)
    return q


def board_commitments(user, unit: Unit, campaign: Campaign | None = None):
    """The commitments on a unit's board (``board_q``), scoped to the user."""
    qs = commitments(user).filter(board_q(unit))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs


def board_units(user):
    """Units that have a board: villages, communities and the bureau-like units."""
    return Unit.objects.for_user(user).exclude(kind__in=AREA_KINDS)


# --- meetings and decisions -----------------------------------------------------------------------

def meetings(user):
    return (JointMeeting.objects.for_user(user)
            .select_related("campaign", "host_unit", "pairing__village", "pairing__bureau")
            .annotate(n_decisions=Count("decisions", distinct=True),
                      n_open=Count("decisions", filter=~Q(decisions__status=DecisionStatus.DONE), distinct=True)))


def decisions(user):
    return MeetingDecision.objects.for_user(user).select_related(
        "assigned_unit", "meeting__host_unit", "meeting__pairing__village", "meeting__pairing__bureau")


def sees_meeting(user, meeting: JointMeeting) -> bool:
    """Whether ``JointMeeting.objects.for_user`` holds the meeting (no query; needs the host unit
    and the pairing's sides loaded)."""
    if in_scope(user, meeting.host_unit):
        return True
    p = meeting.pairing
    return p is not None and (in_scope(user, p.village) or in_scope(user, p.bureau))

