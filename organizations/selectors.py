"""Reads for the organisation pages: always scoped to the user, aggregated in SQL.

Each selector issues a fixed number of queries whatever the size or depth of the tree.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, StrIndex, Substr

from .models import (
    AREA_KINDS,
    COVERAGE_AREAS,
    GRASSROOTS_KINDS,
    PARTY_KINDS,
    Organization,
    Unit,
    UnitKind,
)
from .scoping import scope_paths


def root_units(user):
    """The top units of the user's scope (their grant units; the tree tops for a superuser)."""
    paths = scope_paths(user)
    if paths is None:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(path__in=paths)


def ancestors(unit, user):
    """The units above ``unit`` that the user may see, top first (one query)."""
    return list(Unit.objects.for_user(user).filter(pk__in=unit.ancestor_ids).order_by("depth"))


def child_key(unit):
    """For rows under ``unit``: the path of the child of ``unit`` whose subtree holds the row.

    ``/1/2/`` under ``/1/`` → ``/1/2/``; ``/1/2/7/9/`` → ``/1/2/``. Computed in SQL (SUBSTR and
    INSTR/STRPOS), so rows can be grouped by child in one indexed prefix scan.
    """
    n = len(unit.path)

    def key(path_field):
        return Substr(path_field, 1, Value(n) + StrIndex(Substr(path_field, n + 1), Value("/")))

    return key


CHILD_COUNTS = ("n_townships", "n_villages", "n_bureaus", "n_enterprises", "n_party_orgs",
                "n_party_members")


def children_with_counts(unit, user):
    """Direct children of ``unit`` (scoped); ``attach_child_counts`` adds their subtree counts."""
    return Unit.objects.for_user(user).filter(parent=unit).order_by("sort_order", "kind", "name")


def attach_child_counts(unit, children) -> list:
    """Give each child of ``unit`` the counts of its subtree: two grouped queries, whatever the
    number of children or the size of the subtree."""
    children = list(children)
    key = child_key(unit)
    below = Unit.objects.filter(path__startswith=unit.path, depth__gt=unit.depth + 1)
    unit_counts = {
        row["k"]: row for row in below.annotate(k=key(F("path"))).values("k").annotate(
            n_townships=Count("pk", filter=Q(kind=UnitKind.TOWNSHIP)),
            n_villages=Count("pk", filter=Q(kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY])),
            n_bureaus=Count("pk", filter=Q(kind=UnitKind.BUREAU)),
            n_enterprises=Count("pk", filter=Q(kind__in=[UnitKind.ENTERPRISE, UnitKind.SCHOOL,
                                                         UnitKind.SOCIAL_ORG])),
        ).order_by()
    }
    orgs = Organization.objects.filter(unit__path__startswith=unit.path, unit__depth__gt=unit.depth)
    org_counts = {
        row["k"]: row for row in orgs.annotate(k=key(F("unit__path"))).values("k").annotate(
            n_party_orgs=Count("pk", filter=Q(kind__in=PARTY_KINDS)),
            n_party_members=Sum("members", filter=Q(kind__in=PARTY_KINDS, led_by__isnull=True)),
        ).order_by()
    }
    for c in children:
        row = {**unit_counts.get(c.path, {}), **org_counts.get(c.path, {})}
        for name in CHILD_COUNTS:
            setattr(c, name, row.get(name) or 0)
    return children


def subtree_totals(unit):
    """Counts for the whole subtree of ``unit`` (two queries)."""
    units = Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).aggregate(
        n_townships=Count("pk", filter=Q(kind=UnitKind.TOWNSHIP)),
        n_villages=Count("pk", filter=Q(kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY])),
        n_bureaus=Count("pk", filter=Q(kind=UnitKind.BUREAU)),
        n_enterprises=Count("pk", filter=Q(kind__in=[UnitKind.ENTERPRISE, UnitKind.SCHOOL,
                                                     UnitKind.SOCIAL_ORG])),
    )
    orgs = Organization.objects.filter(unit__path__startswith=unit.path).aggregate(
        n_party_orgs=Count("pk", filter=Q(kind__in=PARTY_KINDS)),
        n_party_members=Coalesce(Sum("members", filter=Q(kind__in=PARTY_KINDS, led_by__isnull=True)), 0),
        n_women_party_members=Coalesce(
            Sum("women_members", filter=Q(kind__in=PARTY_KINDS, led_by__isnull=True)), 0),
        n_mass_orgs=Count("pk", filter=~Q(kind__in=PARTY_KINDS)),
    )
    return {**units, **orgs}


def _coverage_flags():
    """Exists() annotations: does the unit have each of 党·工·青·妇?"""
    return {
        f"has_{key}": Exists(Organization.objects.filter(unit=OuterRef("pk"), kind__in=kinds))
        for key, kinds in COVERAGE_AREAS.items()
    }


def unit_coverage(unit) -> dict[str, bool]:
    """党·工·青·妇 present in this unit itself (one query)."""
    kinds = set(Organization.objects.filter(unit=unit).values_list("kind", flat=True))
    return {key: bool(kinds & set(ks)) for key, ks in COVERAGE_AREAS.items()}


def complete_unit_ids(unit_ids=None):
    """The rule of a complete unit: organisations in all four of 党·工·青·妇. Ids of such units
    among ``unit_ids`` (all units if None), a grouped subquery; ``Unit.coverage_complete`` stores
    its answer (services.coverage_refresh)."""
    area = Case(*[When(kind__in=kinds, then=Value(key)) for key, kinds in COVERAGE_AREAS.items()],
                output_field=CharField())
    orgs = Organization.objects.all() if unit_ids is None else Organization.objects.filter(unit_id__in=unit_ids)
    return orgs.values("unit_id").annotate(n=Count(area, distinct=True)).filter(n=len(COVERAGE_AREAS)).values(
        "unit_id")


def blank_spots(unit, user):
    """Grassroots units missing at least one of the four, in tree order, with the flags of what
    they have: the units under ``unit`` not marked complete (a partial index holds only the blank
    spots, so a province counts its few hundred, not its 15,000 villages); the flags are worked
    out only for the rows shown."""
    return (
        Unit.objects.for_user(user)
        .filter(path__startswith=unit.path, kind__in=GRASSROOTS_KINDS, coverage_complete=False)
        .select_related("parent")
        .annotate(**_coverage_flags())
        .order_by("parent__sort_order", "parent__name", "sort_order", "name")
    )


COVERAGE_KEYS = tuple(COVERAGE_AREAS)
VILLAGE_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY)
ENTERPRISE_KINDS = (UnitKind.ENTERPRISE,)


class CoverageRow:
    """One line of the coverage report: an area with village and enterprise coverage."""

    def __init__(self, unit, values: dict, is_direct=False):
        self.unit = unit
        self.is_direct = is_direct
        self.values = values

    def part(self, group: str) -> dict:
        v = {k: self.values.get(f"{group}_{k}", 0) for k in ("total", *COVERAGE_KEYS, "complete")}
        v["rate"] = round(v["complete"] * 100 / v["total"], 1) if v["total"] else None
        return v

    @property
    def villages(self):
        return self.part("v")

    @property
    def enterprises(self):
        return self.part("e")


def coverage_rows(unit, user) -> tuple[list[CoverageRow], CoverageRow]:
    """Per area directly below ``unit`` (townships of a county...), how many villages/communities
    and enterprises there are and how many have each of 党·工·青·妇; plus a row for the units
    directly under ``unit`` itself and a total row.

    Four grouped queries (children, units, organisations, complete units), each one prefix scan
    grouped by child: no correlated subquery per unit, whatever the tree's size.
    """
    key = child_key(unit)
    groups = (("v_", VILLAGE_KINDS), ("e_", ENTERPRISE_KINDS))
    units = Unit.objects.for_user(user).filter(path__startswith=unit.path, kind__in=GRASSROOTS_KINDS)
    grouped: dict[str, dict] = {}

    def add(rows):
        for row in rows:
            grouped.setdefault(row.pop("k"), {}).update({n: v for n, v in row.items() if v})

    add(units.annotate(k=key(F("path"))).values("k").annotate(**{
        f"{prefix}total": Count("pk", filter=Q(kind__in=kinds)) for prefix, kinds in groups
    }).order_by())
    orgs = Organization.objects.for_user(user).filter(
        unit__path__startswith=unit.path, unit__kind__in=GRASSROOTS_KINDS)
    add(orgs.annotate(k=key(F("unit__path"))).values("k").annotate(**{
        f"{prefix}{area}": Count("unit_id", distinct=True,
                                 filter=Q(unit__kind__in=kinds, kind__in=org_kinds))
        for prefix, kinds in groups for area, org_kinds in COVERAGE_AREAS.items()
    }).order_by())
    add(units.filter(coverage_complete=True).annotate(k=key(F("path"))).values("k").annotate(**{
        f"{prefix}complete": Count("pk", filter=Q(kind__in=kinds)) for prefix, kinds in groups
    }).order_by())

    names = [f"{prefix}{n}" for prefix, _ in groups for n in ("total", *COVERAGE_KEYS, "complete")]
    children = list(
        Unit.objects.for_user(user).filter(parent=unit, kind__in=AREA_KINDS).order_by("sort_order", "name")
    )
    rows = [CoverageRow(c, grouped.pop(c.path, {})) for c in children]
    # What is left: grassroots units directly under ``unit`` or under a non-area child.
    direct = {name: sum(g.get(name, 0) for g in grouped.values()) for name in names}
    if direct["v_total"] or direct["e_total"] or not rows:
        rows.append(CoverageRow(unit, direct, is_direct=True))
    total = {name: sum(r.values.get(name, 0) for r in rows) for name in names}
    return rows, CoverageRow(unit, total)
