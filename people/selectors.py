"""Reads of the person register, always scoped to the user (``Person.objects.for_user``).

``four_priorities`` is the one computation of the 四个优先 report: the page, the export and the
tests call it, so what the page shows is what the test checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from organizations.models import MASS_KINDS, PARTY_KINDS, Gender, Organization, Unit

from .models import HIGHER_EDUCATION, TAG_FIELDS, Person, PersonStatus, PipelineStep, Stage

#: The statuses the pipeline board shows, in order, with the stage that leads to each.
BOARD_STATUSES = [PersonStatus.APPLICANT, PersonStatus.ACTIVIST, PersonStatus.DEVELOPMENT_TARGET,
                  PersonStatus.PROBATIONARY]
#: "Young" of the four priorities: at most this age in the year of development.
YOUNG_MAX_AGE = 35
#: The stages that count as "developed" in the four-priority report.
DEVELOPED_STAGES = (Stage.DEVELOPMENT_TARGET, Stage.PROBATIONARY)


def people(user):
    return Person.objects.for_user(user).select_related("unit", "branch")


def filter_people(qs, *, q: str = "", status: str = "", tag: str = "", unit: Unit | None = None,
                  branch: Organization | None = None):
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(occupation__icontains=q)
                       | Q(unit__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if tag:
        qs = qs.filter(**{TAG_FIELDS[tag]: True})
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if branch is not None:
        qs = qs.filter(branch=branch)
    return qs


def status_counts(qs) -> dict[str, int]:
    """People per status of a (filtered) register, in one query."""
    rows = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return {s: rows.get(s, 0) for s in PersonStatus.values}


def person_steps(person: Person):
    return (person.steps.select_related("branch", "recommended_by", "recorded_by")
            .prefetch_related("contact_people").order_by("date", "pk"))


def party_orgs_for(unit: Unit):
    """Party organisations a person of ``unit`` may belong to: the unit's own and those above."""
    return (Organization.objects.filter(kind__in=PARTY_KINDS, unit_id__in=[*unit.ancestor_ids, unit.pk])
            .select_related("unit").order_by("-unit__depth", "name"))


def mass_orgs_for(unit: Unit):
    return (Organization.objects.filter(kind__in=MASS_KINDS, unit_id__in=[*unit.ancestor_ids, unit.pk])
            .select_related("unit").order_by("-unit__depth", "kind", "name"))


def unit_orgs_for(unit: Unit):
    """Organisations a person of ``unit`` may be a member of (党·工·青·妇 of the unit and above)."""
    return (Organization.objects.filter(unit_id__in=[*unit.ancestor_ids, unit.pk])
            .select_related("unit").order_by("-unit__depth", "kind", "name"))


def branches(user):
    """Party organisations that hold people of the user's scope (the board's branch menu)."""
    ids = people(user).exclude(branch=None).order_by().values("branch_id")
    return Organization.objects.filter(pk__in=ids).select_related("unit").order_by("unit__path", "name")


# --- the pipeline board --------------------------------------------------------------------------

def board_counts(qs):
    """Per branch: people at each stage of the pipeline (one query), branches with anyone in it."""
    rows = (qs.filter(status__in=BOARD_STATUSES).order_by()
            .values("branch_id", "branch__name", "branch__unit__name", "status").annotate(n=Count("pk")))
    table: dict = {}
    for r in rows:
        entry = table.setdefault(r["branch_id"], {
            "branch_id": r["branch_id"], "name": r["branch__name"] or "(未指定党组织)",
            "unit": r["branch__unit__name"] or "", "counts": dict.fromkeys(BOARD_STATUSES, 0), "total": 0})
        entry["counts"][r["status"]] = r["n"]
        entry["total"] += r["n"]
    return sorted(table.values(), key=lambda e: (e["unit"], e["name"]))


def board_columns(qs, limit: int = 60):
    """For one branch: the people at each stage (at most ``limit`` per column), one query each."""
    return [(s, PersonStatus(s).label, list(qs.filter(status=s).order_by("status_since", "name")[:limit]))
            for s in BOARD_STATUSES]


# --- 四个优先 -------------------------------------------------------------------------------------

@dataclass
class PriorityRow:
    unit_id: int | None
    unit_name: str
    stage: str
    total: int
    higher: int
    young: int
    frontline: int
    female: int

    def share(self, n: int):
        return round(n * 100 / self.total, 1) if self.total else None

    @property
    def shares(self):
        return {k: self.share(getattr(self, k)) for k in ("higher", "young", "frontline", "female")}


def four_priorities(user, year: int, *, within: Unit | None = None, stage: str = Stage.PROBATIONARY):
    """四个优先 among the people who reached ``stage`` (列为发展对象 or 接收为预备党员) in ``year``,
    per unit of the person, with a total row: 高学历 (大专及以上), 年轻 (≤35 that year), 一线
    (frontline), 妇女 (female). Counts in SQL, one query whatever the number of people.
    Returns (rows, total)."""
    steps = PipelineStep.objects.for_user(user).filter(stage=stage, date__year=year)
    if within is not None:
        steps = steps.filter(person__unit__path__startswith=within.path)
    aggregates = {
        "total": Count("pk"),
        "higher": Count("pk", filter=Q(person__education__in=HIGHER_EDUCATION)),
        "young": Count("pk", filter=Q(person__birth_year__gte=year - YOUNG_MAX_AGE)),
        "frontline": Count("pk", filter=Q(person__frontline=True)),
        "female": Count("pk", filter=Q(person__gender=Gender.FEMALE)),
    }
    rows = [PriorityRow(r["person__unit_id"], r["person__unit__name"], stage,
                        *(r[k] for k in aggregates))
            for r in steps.order_by().values("person__unit_id", "person__unit__name", "person__unit__path")
            .annotate(**aggregates).order_by("person__unit__path")]
    total = PriorityRow(None, "合计", stage, *(sum(getattr(r, k) for r in rows) for k in aggregates))
    return rows, total
