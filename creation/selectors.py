"""Reads of 三级联创, always through the user's scope; counts are aggregated in SQL.

Progress of a goal: 已申报 (every entry that has declared at least once and is not waiting to
declare again: 已申报, 验收通过, 验收未通过, 已命名), 验收通过 (验收通过 and 已命名), 已命名, against
the target (a number, or a share of the level's units rounded up) — in total and per township.
"""

from __future__ import annotations

from django.db.models import Count, Q

from organizations.models import Role
from organizations.scoping import scope_q, user_grants

from .models import CreationEntry, CreationGoal, CreationStep, EntryStatus, Level

DECLARED = (EntryStatus.DECLARED, EntryStatus.ACCEPTED, EntryStatus.FAILED, EntryStatus.NAMED)
ACCEPTED = (EntryStatus.ACCEPTED, EntryStatus.NAMED)

_COUNTS = {
    "total": Count("pk"),
    "declared": Count("pk", filter=Q(status__in=DECLARED)),
    "accepted": Count("pk", filter=Q(status__in=ACCEPTED)),
    "failed": Count("pk", filter=Q(status=EntryStatus.FAILED)),
    "returned": Count("pk", filter=Q(status=EntryStatus.RETURNED)),
    "named": Count("pk", filter=Q(status=EntryStatus.NAMED)),
}


def goals(user):
    return CreationGoal.objects.for_user(user).select_related("county")


def entries(user):
    return CreationEntry.objects.for_user(user).select_related("goal", "unit__parent")


def _finish(row: dict, goal: CreationGoal) -> dict:
    row["target"] = goal.target_for(row["total"]) if goal.target_percent is not None or "unit" not in row \
        else None
    target = row["target"]
    row["percent"] = round(100 * row["named"] / target) if target else None
    row["bar"] = min(row["percent"] or 0, 100)
    return row


def progress(user, goal: CreationGoal) -> dict:
    """The goal's counts over the entries the user may see."""
    row = entries(user).filter(goal=goal).aggregate(**_COUNTS)
    return _finish(row, goal)


def progress_for_goals(user, goal_list: list[CreationGoal]) -> dict[int, dict]:
    """Counts of several goals in one query: {goal id: counts}."""
    rows = entries(user).filter(goal__in=goal_list).order_by().values("goal_id").annotate(**_COUNTS)
    by_goal = {r.pop("goal_id"): r for r in rows}
    empty = {k: 0 for k in _COUNTS}
    return {g.pk: _finish(dict(by_goal.get(g.pk, empty)), g) for g in goal_list}


def progress_by_township(user, goal: CreationGoal) -> list[dict]:
    """Per unit holding the entries (the township for villages, the county for townships)."""
    rows = (entries(user).filter(goal=goal).order_by()
            .values("unit__parent_id", "unit__parent__name", "unit__parent__sort_order", "unit__parent__code")
            .annotate(**_COUNTS).order_by("unit__parent__sort_order", "unit__parent__code", "unit__parent_id"))
    out = []
    for r in rows:
        r = dict(r)
        r["unit"] = {"pk": r.pop("unit__parent_id"), "name": r.pop("unit__parent__name")}
        r.pop("unit__parent__sort_order")
        r.pop("unit__parent__code")
        out.append(_finish(r, goal))
    return out


def filter_entries(qs, *, year=None, level="", status="", township=None, q="", todo="", user=None):
    if todo:
        qs = to_do(qs, user, todo)
    if year:
        qs = qs.filter(goal__year=year)
    if level:
        qs = qs.filter(goal__level=level)
    if status:
        qs = qs.filter(status=status)
    if township is not None:
        qs = qs.filter(unit__path__startswith=township.path)
    if q:
        qs = qs.filter(Q(unit__name__icontains=q) | Q(leader_name__icontains=q) | Q(doc_number__icontains=q)
                       | Q(goal__title__icontains=q))
    return qs


def status_counts(qs) -> dict[str, int]:
    return dict(qs.order_by().values_list("status").annotate(n=Count("pk")))


def entry_steps(entry: CreationEntry):
    return (CreationStep.objects.filter(entry=entry).select_related("recorded_by")
            .prefetch_related("files").order_by("date", "pk"))


#: what waits on the level above: 待验收 (declared) and 待命名 (passed)
TODO = {"inspect": EntryStatus.DECLARED, "name": EntryStatus.ACCEPTED}


def upper_q(user):
    """The entries the user may inspect, name or return (``policy.UPPER_ROLES`` over
    ``policy.upper_unit``) as one filter; None = all (superuser)."""
    if user.is_authenticated and user.is_superuser:
        return None
    both = (Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN)
    county = (Role.COUNTY_ADMIN,)
    q = Q(pk__in=[])
    for level, field, roles in ((Level.VILLAGE, "unit__parent__path", both),
                                (Level.TOWNSHIP, "unit__parent__path", county),
                                (Level.COUNTY, "unit__path", county)):
        inside = scope_q(user, field, roles)
        q |= Q(goal__level=level) & inside
    return q


def to_do(qs, user, what: str):
    """Entries waiting on the user: ``inspect`` (已申报) or ``name`` (验收通过)."""
    q = upper_q(user)
    qs = qs.filter(status=TODO[what])
    return qs if q is None else qs.filter(q)


def todo_counts(user, year: int) -> dict[str, int]:
    q = upper_q(user)
    qs = entries(user).filter(goal__year=year, status__in=list(TODO.values()))
    if q is not None:
        qs = qs.filter(q)
    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return {what: by_status.get(status, 0) for what, status in TODO.items()}


def own_entries(user, year: int, limit: int = 10):
    """The entries of the units the user holds a role on themselves (their village, township or
    county): "本单位创建" at the top of the goals page."""
    units = sorted({g.unit_id for g in user_grants(user)})
    return entries(user).filter(goal__year=year, unit_id__in=units).order_by("goal__level", "unit__path")[:limit]


def unit_entries(user, unit, limit: int = 6):
    return list(entries(user).filter(unit=unit).order_by("-goal__year", "goal__level")[:limit])
