"""Reads of 双培双带, volunteers and 流动党员, always scoped to the user.

``rich_figures``, ``volunteer_hours`` and ``overdue_migrants`` are the one computation each: the
pages, the export and the tests call them, so what a page shows is what the test checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, Sum

from organizations.models import Unit

from .models_service import MigrantRecord, RichLink, RichLinkKind, ServiceHours, ServiceRecord, VolunteerTeam

#: Default of the "未联系超过 N 天" list.
OVERDUE_DAYS = 30


@dataclass
class RichRow:
    unit_id: int | None
    unit_name: str
    links: int
    developed: int      # 致富能手 developed into members (achieved)
    trained: int        # members trained into 致富能手 (achieved)
    leading: int        # members leading the masses to prosper (achieved)
    households: int     # households helped: distinct help pairs linked to these links


def rich_links(user, *, within: Unit | None = None, kind: str = "", q: str = ""):
    qs = RichLink.objects.for_user(user).select_related("person__unit", "help_pair")
    if within is not None:
        qs = qs.filter(person__unit__path__startswith=within.path)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(person__name__icontains=q) | Q(goal__icontains=q) | Q(responsible__icontains=q)
                       | Q(person__unit__name__icontains=q))
    return qs


def rich_figures(user, *, within: Unit | None = None, year: int | None = None):
    """Seed-000 style figures per unit of the person: 致富能手 developed into members, members
    trained into 致富能手, members leading to prosperity (each counted when achieved, in ``year`` if
    given), and households helped (distinct help pairs on the links). One query. Returns
    (rows, total)."""
    qs = rich_links(user, within=within)
    achieved = Q(achieved_on__isnull=False) & (Q(achieved_on__year=year) if year else Q())
    aggregates = {
        "links": Count("pk"),
        "developed": Count("pk", filter=achieved & Q(kind=RichLinkKind.RICH_TO_MEMBER)),
        "trained": Count("pk", filter=achieved & Q(kind=RichLinkKind.MEMBER_TO_RICH)),
        "leading": Count("pk", filter=achieved & Q(kind=RichLinkKind.LEAD_RICH)),
        "households": Count("help_pair", distinct=True),
    }
    rows = [RichRow(r["person__unit_id"], r["person__unit__name"], *(r[k] for k in aggregates))
            for r in qs.order_by().values("person__unit_id", "person__unit__name", "person__unit__path")
            .annotate(**aggregates).order_by("person__unit__path")]
    total = RichRow(None, "合计", *(sum(getattr(r, k) for r in rows) for k in aggregates))
    return rows, total


# --- volunteers ----------------------------------------------------------------------------------

def teams(user, *, q: str = "", within: Unit | None = None):
    qs = (VolunteerTeam.objects.for_user(user).select_related("unit", "leader")
          .annotate(n_members=Count("members", distinct=True)))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(unit__name__icontains=q) | Q(code__icontains=q))
    if within is not None:
        qs = qs.filter(unit__path__startswith=within.path)
    return qs


def team_services(team: VolunteerTeam):
    return (team.services.select_related("recorded_by")
            .annotate(total_hours=Sum("hours__hours"), people=Count("hours")).order_by("-date", "-pk"))


def _hours_qs(user, year: int | None, within: Unit | None):
    records = ServiceRecord.objects.for_user(user)
    if year:
        records = records.filter(date__year=year)
    if within is not None:
        records = records.filter(team__unit__path__startswith=within.path)
    return ServiceHours.objects.filter(record__in=records.values("pk"))


def volunteer_hours(user, *, year: int | None, by: str = "person", within: Unit | None = None, q: str = ""):
    """Totals per person (``by="person"``) or per team (``by="team"``) of the services the user
    may see, in ``year``: one grouped query (rows as dicts: ref, name, unit, services, [people,] total)."""
    qs = _hours_qs(user, year, within).order_by()
    if by == "team":
        if q:
            qs = qs.filter(Q(record__team__name__icontains=q) | Q(record__team__unit__name__icontains=q))
        return (qs.values(ref=F("record__team_id"), name=F("record__team__name"),
                          unit=F("record__team__unit__name"))
                .annotate(services=Count("record", distinct=True), people=Count("person", distinct=True),
                          total=Sum("hours")).order_by("-total", "name"))
    if q:
        qs = qs.filter(Q(person__name__icontains=q) | Q(person__unit__name__icontains=q))
    return (qs.values(ref=F("person_id"), name=F("person__name"), unit=F("person__unit__name"))
            .annotate(services=Count("record", distinct=True), total=Sum("hours")).order_by("-total", "name"))


def person_hours(person, year: int | None = None):
    qs = person.service_hours.all()
    if year:
        qs = qs.filter(record__date__year=year)
    return qs.aggregate(n=Count("pk"), hours=Sum("hours"))


# --- 流动党员 -------------------------------------------------------------------------------------

def migrants(user, *, q: str = "", within: Unit | None = None, include_returned: bool = False):
    qs = (MigrantRecord.objects.for_user(user).select_related("person__unit", "keeper")
          .annotate(last_contact=Max("contacts__date"), n_contacts=Count("contacts")))
    if not include_returned:
        qs = qs.filter(returned_on=None)
    if within is not None:
        qs = qs.filter(person__unit__path__startswith=within.path)
    if q:
        qs = qs.filter(Q(person__name__icontains=q) | Q(place__icontains=q) | Q(employer__icontains=q)
                       | Q(liaison__icontains=q) | Q(person__unit__name__icontains=q))
    return qs


def overdue_migrants(qs, *, days: int, today: dt.date):
    """Those still away with no contact for more than ``days`` days (never contacted: counted from
    the day they left)."""
    cutoff = today - dt.timedelta(days=days)
    return qs.filter(returned_on=None).filter(Q(last_contact__lt=cutoff) | Q(last_contact=None, since__lt=cutoff))
