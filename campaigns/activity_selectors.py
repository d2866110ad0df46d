"""Reads for the activity pages: always scoped to the user, a fixed number of queries per page.

- which units a user may log activities for, and the pairings, campaigns and organisers offered
  for one unit (the form's scoped choices);
- the lists ("my records", a unit's activities, the review queue) with what a row shows
  (unit, pairing, first photo, photo count) fetched in the list's own query;
- the detail page's activity with organisers, outcomes, photos and history.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from organizations import records
from organizations.models import EDITOR_ROLES, PARTY_KINDS, Organization, Role, Unit
from organizations.scoping import scope_q, user_grants
from pairings.models import Pairing, PairingStatus
from pairings.policy import PAIRING_LOGGER_ROLES

from .models import (
    Activity,
    ActivityOrganizer,
    ActivityOutcome,
    ActivityPhoto,
    Campaign,
    Indicator,
    IndicatorKind,
    OrganizerRole,
    ReviewStatus,
)
from .policy import REVIEWER_ROLES

# --- the form's choices ------------------------------------------------------------------------

def loggable_units(user):
    """Units the user may record activities for: the subtrees of their editor grants, and the
    villages paired with a bureau they are liaison of (they log there through the pairing)."""
    editor_q = scope_q(user, "path", EDITOR_ROLES)
    if editor_q is None:
        return Unit.objects.all()
    liaison_q = scope_q(user, "bureau__path", PAIRING_LOGGER_ROLES)
    paired_villages = Pairing.objects.filter(liaison_q).values("village_id")
    return Unit.objects.filter(editor_q | Q(pk__in=paired_villages))


def default_unit(user, units):
    """The unit the form starts with: the secretary's village, the liaison's bureau, otherwise
    the first unit of the user's editor grants (or of ``units``)."""
    grants = user_grants(user)
    for role in (Role.VILLAGE_SECRETARY, Role.BUREAU_LIAISON, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN):
        for g in grants:
            if g.role == role:
                unit = units.filter(pk=g.unit_id).first()
                if unit is not None:
                    return unit
    return units.order_by("path").first()


def unit_pairings(user, unit):
    """The user's scoped pairings in which ``unit`` is the village or the bureau."""
    if unit is None:
        return Pairing.objects.none()
    return (Pairing.objects.for_user(user).filter(Q(village=unit) | Q(bureau=unit))
            .select_related("village", "bureau", "campaign").order_by("status", "-start_date", "code"))


def default_pairing(pairings):
    """The one active pairing of the unit, if there is exactly one."""
    active = [p for p in pairings if p.status == PairingStatus.ACTIVE]
    return active[0] if len(active) == 1 else None


def scoped_campaigns(user):
    return Campaign.objects.for_user(user).select_related("owner_unit").order_by("-start_date", "name")


def current_campaign(campaigns, pairing=None):
    """The pairing's campaign, else the newest campaign running today, else the newest."""
    campaigns = list(campaigns)
    if pairing is not None:
        for c in campaigns:
            if c.pk == pairing.campaign_id:
                return c
    today = timezone.localdate()
    for c in campaigns:
        if c.start_date <= today and (c.end_date is None or c.end_date >= today):
            return c
    return campaigns[0] if campaigns else None


def outcome_indicators():
    """The active outcome indicators, in catalogue order: one form field / import column each."""
    return list(Indicator.objects.filter(kind=IndicatorKind.OUTCOME, active=True).order_by("order", "code"))


#: how far back a unit's own outcome rows count when ordering the form's outcome fields
OUTCOME_USAGE_DAYS = 365
#: outcome fields shown before "更多"
OUTCOME_FIELDS_SHOWN = 6


def outcome_usage(unit) -> dict[str, dict[int, int]]:
    """How often ``unit``'s own recent activities filled each outcome indicator, per category:
    ``{category: {indicator id: rows}}`` plus ``""`` for all categories (one aggregate query)."""
    usage: dict[str, dict[int, int]] = {"": {}}
    if unit is None:
        return usage
    since = timezone.localdate() - timedelta(days=OUTCOME_USAGE_DAYS)
    rows = (ActivityOutcome.objects.filter(activity__unit=unit, activity__date__gte=since)
            .values_list("activity__category", "indicator_id").annotate(n=Count("pk")).order_by())
    for category, indicator_id, n in rows:
        usage.setdefault(category, {})[indicator_id] = n
        usage[""][indicator_id] = usage[""].get(indicator_id, 0) + n
    return usage


def order_outcomes(indicators, usage, category: str | None = None) -> list:
    """The outcome indicators ordered by what this unit uses most for ``category``, then for any
    category, then in catalogue order (the order ``indicators`` come in)."""
    in_category, overall = usage.get(category or "", {}), usage.get("", {})
    position = {ind.pk: i for i, ind in enumerate(indicators)}
    return sorted(indicators, key=lambda ind: (-in_category.get(ind.pk, 0), -overall.get(ind.pk, 0),
                                               position[ind.pk]))


class OrganizerChoices:
    """Who may be named as an organiser for an activity of ``unit``: the unit itself, its
    organisations, and the other side of each of its pairings. Values are ``u<pk>``/``o<pk>``."""

    def __init__(self, unit, pairings):
        self.options: dict[str, tuple[Unit, Organization | None]] = {}
        self.choices: list[tuple[str, str]] = [("", "—— 选择组织方 ——")]
        if unit is None:
            return
        self._add(unit, None, f"{unit.name}(本单位)")
        for org in Organization.objects.filter(unit=unit).order_by("kind", "name"):
            org.unit = unit
            self._add(unit, org, org.name)
        seen = {unit.pk}
        for p in pairings:
            other = p.bureau if p.village_id == unit.pk else p.village
            if other.pk not in seen:
                seen.add(other.pk)
                self._add(other, None, f"{other.name}(结对单位)")

    def _add(self, unit, org, label):
        key = f"o{org.pk}" if org is not None else f"u{unit.pk}"
        self.options[key] = (unit, org)
        self.choices.append((key, label))

    def key_for(self, unit_id, org_id):
        return f"o{org_id}" if org_id else f"u{unit_id}"

    def lead_key(self):
        """The unit's Party organisation if it has one, otherwise the unit."""
        for key, (_, org) in self.options.items():
            if org is not None and org.kind in PARTY_KINDS:
                return key
        return next(iter(self.options), None)


def default_organizers(choices: OrganizerChoices, unit, pairing):
    """The organisers the form starts with: the unit's Party organisation leads; the pairing's
    other side supports (a bureau) or co-organises (a village)."""
    rows = []
    lead = choices.lead_key()
    if lead:
        rows.append({"who": lead, "role": OrganizerRole.LEADS})
    if pairing is not None and unit is not None:
        other = pairing.bureau if pairing.village_id == unit.pk else pairing.village
        role = OrganizerRole.SUPPORTS if other.pk == pairing.bureau_id else OrganizerRole.CO_ORGANISES
        rows.append({"who": f"u{other.pk}", "role": role})
    return rows


# --- lists ---------------------------------------------------------------------------------------

def _with_row_data(qs):
    """What a list row shows, in the list's own query: unit, pairing sides, first photo, counts."""
    photos = ActivityPhoto.objects.filter(activity=OuterRef("pk"))
    return qs.select_related("unit", "pairing__village", "pairing__bureau", "campaign").annotate(
        first_photo_id=Subquery(photos.order_by("pk").values("pk")[:1]),
        n_photos=Coalesce(Subquery(photos.order_by().values("activity").annotate(n=Count("pk")).values("n")[:1],
                                   output_field=IntegerField()), Value(0)),
    )


def activities_for(user):
    """Every activity the user may see, with its row data."""
    return _with_row_data(Activity.objects.for_user(user))


def newest_ids(unit_id: int, date_from=None, date_to=None):
    """Ids of the activities in ``unit_id``'s scope, newest first, from the stored scope's day
    index (``records.newest_in``): a page of a county's or the province's list reads the page."""
    ids = records.newest_in("activity", unit_id)
    if date_from:
        ids = ids.filter(day__gte=date_from)
    if date_to:
        ids = ids.filter(day__lte=date_to)
    return ids


def rows_for_ids(ids) -> list[Activity]:
    """The list rows of ``ids`` (a page of ``newest_ids``), in that order, in one query."""
    ids = list(ids)
    found = {a.pk: a for a in _with_row_data(Activity.objects.filter(pk__in=ids))}
    return [found[i] for i in ids if i in found]


def my_activities(user):
    """The user's own records, returned ones first (they need the author's attention)."""
    returned_first = Case(When(status=ReviewStatus.RETURNED, then=Value(0)), default=Value(1),
                          output_field=IntegerField())
    return activities_for(user).filter(author=user).order_by(returned_first, "-date", "-pk")


def status_counts(qs) -> dict[str, int]:
    """Counts by review status in one query: {"submitted": n, "verified": n, "returned": n, "all": n}."""
    agg = qs.order_by().aggregate(
        all=Count("pk"),
        **{s: Count("pk", filter=Q(status=s)) for s in ReviewStatus.values},
    )
    return agg


def in_unit(qs, unit):
    """Activities in ``unit``'s scope (CONTRACT.md §4), from their stored scope (one indexed
    equality semi-join)."""
    return qs.filter(pk__in=records.in_units("activity", [unit.pk]))


def reviewable(user):
    """Activities the user may review (policy.can_review as one filter): the unit or the
    pairing's village under a reviewer grant, never the user's own records."""
    qs = Activity.objects.all()
    if not user.is_superuser:
        unit_q = scope_q(user, "unit__path", REVIEWER_ROLES)
        village_q = scope_q(user, "pairing__village__path", REVIEWER_ROLES)
        qs = qs.filter(unit_q | village_q).exclude(author=user)
    return _with_row_data(qs)


# --- detail --------------------------------------------------------------------------------------

def activity_detail(user, pk):
    """One scoped activity with everything the detail page shows (a fixed number of queries)."""
    return (
        Activity.objects.for_user(user)
        .select_related("campaign", "unit", "pairing__village", "pairing__bureau", "author", "reviewed_by")
        .prefetch_related(
            Prefetch("organizers", queryset=ActivityOrganizer.objects.select_related("unit", "organization")
                     .order_by("role", "pk")),
            Prefetch("outcomes", queryset=ActivityOutcome.objects.select_related("indicator")
                     .order_by("indicator__order", "indicator__code")),
            Prefetch("photos", queryset=ActivityPhoto.objects.order_by("pk")),
        )
        .filter(pk=pk)
    )


def activity_history(activity, limit=50):
    return list(activity.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
