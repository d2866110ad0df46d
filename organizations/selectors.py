"""Reads for the organisation pages: always scoped to the user, aggregated in SQL.

Each selector issues a fixed number of queries whatever the size or depth of the tree.
"""

from __future__ import annotations

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

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


def _count(qs):
    """A correlated COUNT(*) subquery (no GROUP BY) usable in annotate()."""
    return Coalesce(
        Subquery(qs.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")[:1],
                 output_field=IntegerField()),
        Value(0),
    )


def _sum(qs, field):
    return Coalesce(
        Subquery(qs.order_by().annotate(_s=Func(F(field), function="SUM")).values("_s")[:1],
                 output_field=IntegerField()),
        Value(0),
    )


def root_units(user):
    """The top units of the user's scope (their grant units; the tree tops for a superuser)."""
    paths = scope_paths(user)
    if paths is None:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(path__in=paths)


def ancestors(unit, user):
    """The units above ``unit`` that the user may see, top first (one query)."""
    return list(Unit.objects.for_user(user).filter(pk__in=unit.ancestor_ids).order_by("depth"))


def children_with_counts(unit, user):
    """Direct children of ``unit`` with subtree counts, in one query."""
    sub = Unit.objects.filter(path__startswith=OuterRef("path")).exclude(pk=OuterRef("pk"))
    orgs = Organization.objects.filter(unit__path__startswith=OuterRef("path"))
    return (
        Unit.objects.for_user(user)
        .filter(parent=unit)
        .annotate(
            n_townships=_count(sub.filter(kind=UnitKind.TOWNSHIP)),
            n_villages=_count(sub.filter(kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY])),
            n_bureaus=_count(sub.filter(kind=UnitKind.BUREAU)),
            n_enterprises=_count(sub.filter(kind__in=[UnitKind.ENTERPRISE, UnitKind.SCHOOL,
                                                      UnitKind.SOCIAL_ORG])),
            n_party_orgs=_count(orgs.filter(kind__in=PARTY_KINDS)),
            n_party_members=_sum(orgs.filter(kind__in=PARTY_KINDS, led_by__isnull=True), "members"),
        )
        .order_by("sort_order", "kind", "name")
    )


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


def grassroots_with_coverage(unit, user):
    """Villages, communities and enterprises under ``unit`` with their coverage flags."""
    flags = _coverage_flags()
    return (
        Unit.objects.for_user(user)
        .filter(path__startswith=unit.path, kind__in=GRASSROOTS_KINDS)
        .select_related("parent")
        .annotate(**flags)
    )


def blank_spots(unit, user):
    """Grassroots units missing at least one of the four, ordered by place."""
    qs = grassroots_with_coverage(unit, user)
    missing = Q()
    for key in COVERAGE_AREAS:
        missing |= Q(**{f"has_{key}": False})
    return qs.filter(missing).order_by("path")


COVERAGE_KEYS = tuple(COVERAGE_AREAS)
VILLAGE_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY)
ENTERPRISE_KINDS = (UnitKind.ENTERPRISE,)


def _coverage_counts(base, prefix: str) -> dict:
    """Annotations/aggregates counting ``base`` units and those having each of the four."""
    flags = _coverage_flags()
    out = {f"{prefix}total": base}
    for key in COVERAGE_KEYS:
        out[f"{prefix}{key}"] = base.filter(flags[f"has_{key}"])
    complete = base
    for key in COVERAGE_KEYS:
        complete = complete.filter(flags[f"has_{key}"])
    out[f"{prefix}complete"] = complete
    return out


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
    directly under ``unit`` itself and a total row. Two queries, whatever the tree's size.
    """
    def counters(path_ref):
        sub = Unit.objects.for_user(user).filter(path__startswith=path_ref)
        return {
            **_coverage_counts(sub.filter(kind__in=VILLAGE_KINDS), "v_"),
            **_coverage_counts(sub.filter(kind__in=ENTERPRISE_KINDS), "e_"),
        }

    per_child = {name: _count(qs) for name, qs in counters(OuterRef("path")).items()}
    children = list(
        Unit.objects.for_user(user).filter(parent=unit, kind__in=AREA_KINDS)
        .annotate(**per_child).order_by("sort_order", "name")
    )
    totals = Unit.objects.filter(pk=unit.pk).annotate(
        **{name: _count(qs) for name, qs in counters(OuterRef("path")).items()}
    ).values(*per_child).first() or {}
    rows = [CoverageRow(c, {k: getattr(c, k) for k in per_child}) for c in children]
    direct = {k: totals.get(k, 0) - sum(r.values[k] for r in rows) for k in per_child}
    if direct.get("v_total") or direct.get("e_total") or not rows:
        rows.append(CoverageRow(unit, direct, is_direct=True))
    return rows, CoverageRow(unit, totals)
