"""Keeping ``Fact`` in step with the records (see metrics/models.py).

``contributions(record)`` says what a record adds; ``refresh(record)`` replaces the record's old
contributions by its new ones and applies the difference to ``Fact``; ``rebuild()`` recomputes
everything from the records. Signals (metrics/signals.py) call ``refresh`` inside the service's
transaction, so a record saved now shows in every level's figures on the next page load.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from campaigns.models import (
    Activity,
    Category,
    Commitment,
    CommitmentStatus,
    ReviewStatus,
    Survey,
)
from pairings.models import Inspection, InspectionKind, Pairing

from .models import Contribution, Fact

ONE = Decimal(1)
CATEGORY_KEYS = {
    Category.ORG_LIFE: "org_life_sessions",
    Category.DEMOCRATIC_LIFE_MEETING: "democratic_life_meetings",
    Category.TECH_TO_COUNTRYSIDE: "tech_visits",
}
# Keys behind the rates: numerator and denominator summed separately, divided at read time.
SURVEY_KEYS = {"party_org": ("sat_party_org_ok", "sat_party_org_ballots"),
               "cobuild": ("sat_cobuild_ok", "sat_cobuild_ballots")}


def _ids(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


def scope_units(unit, pairing=None) -> set[int]:
    """Every unit whose scope holds a record of ``unit`` (and ``pairing``), each once."""
    ids = set(_ids(unit.path)) if unit is not None else set()
    if pairing is not None:
        ids.update(_ids(pairing.village.path))
        ids.update(_ids(pairing.bureau.path))
    return ids


def _values(record) -> tuple[set[int], int, object, dict[str, Decimal]]:
    """(scope units, campaign id, day, {key: value}) of one record."""
    if isinstance(record, Pairing):
        return scope_units(None, record), record.campaign_id, record.start_date, {"pairings": ONE}
    if isinstance(record, Activity):
        if record.status == ReviewStatus.RETURNED:
            return set(), record.campaign_id, record.date, {}
        vals = {"activities": ONE}
        if record.category in CATEGORY_KEYS:
            vals[CATEGORY_KEYS[record.category]] = ONE
        for o in record.outcomes.all():
            vals[o.indicator.code] = vals.get(o.indicator.code, Decimal(0)) + o.value
        return scope_units(record.unit, record.pairing), record.campaign_id, record.date, vals
    if isinstance(record, Commitment):
        vals = {}
        if record.status != CommitmentStatus.CANCELLED:
            vals["commitments_made"] = ONE
        if record.status == CommitmentStatus.DONE:
            vals["commitments_done"] = ONE
        return scope_units(record.unit, record.pairing), record.campaign_id, record.made_on, vals
    if isinstance(record, Inspection):
        if record.kind == InspectionKind.LEADER_VISIT:
            vals = {"leader_visits": Decimal(record.visitors)}
        else:
            vals = {"inspections": ONE}
        return scope_units(record.unit, record.pairing), record.campaign_id, record.held_on, vals
    if isinstance(record, Survey):
        ok_key, ballots_key = SURVEY_KEYS[record.subject]
        vals = {ok_key: Decimal(record.satisfied + record.basically_satisfied),
                ballots_key: Decimal(record.ballots)}
        return scope_units(record.unit), record.campaign_id, record.held_on, vals
    raise TypeError(f"no contributions for {type(record).__name__}")


RECORD_MODELS = {"pairing": Pairing, "activity": Activity, "commitment": Commitment,
                 "inspection": Inspection, "survey": Survey}
_TYPE_OF = {m: name for name, m in RECORD_MODELS.items()}
_RELATED = {
    Pairing: ("village", "bureau"),
    Activity: ("unit", "pairing__village", "pairing__bureau"),
    Commitment: ("unit", "pairing__village", "pairing__bureau"),
    Inspection: ("unit", "pairing__village", "pairing__bureau"),
    Survey: ("unit",),
}


def contributions(record) -> dict[tuple[int, int, object, str], Decimal]:
    units, campaign_id, day, vals = _values(record)
    return {(u, campaign_id, day, k): v for u in units for k, v in vals.items() if v}


def _apply(delta: dict[tuple, Decimal]) -> None:
    for (unit_id, campaign_id, day, key), d in delta.items():
        if not d:
            continue
        n = Fact.objects.filter(unit_id=unit_id, campaign_id=campaign_id, day=day, key=key).update(
            value=F("value") + d)
        if not n:
            Fact.objects.create(unit_id=unit_id, campaign_id=campaign_id, day=day, key=key, value=d)


@transaction.atomic
def refresh(record_type: str, record_id: int) -> None:
    """Bring ``Fact`` in line with one record's current state (or its deletion)."""
    model = RECORD_MODELS[record_type]
    qs = model._default_manager.select_related(*_RELATED[model]).filter(pk=record_id)
    if model is Activity:
        qs = qs.prefetch_related("outcomes__indicator")
    record = qs.first()
    new = contributions(record) if record is not None else {}
    old_rows = list(Contribution.objects.filter(record_type=record_type, record_id=record_id))
    old = defaultdict(Decimal)
    for c in old_rows:
        old[(c.unit_id, c.campaign_id, c.day, c.key)] += c.value
    if dict(old) == new:
        return
    delta = defaultdict(Decimal)
    for k, v in new.items():
        delta[k] += v
    for k, v in old.items():
        delta[k] -= v
    _apply(delta)
    Contribution.objects.filter(record_type=record_type, record_id=record_id).delete()
    Contribution.objects.bulk_create([
        Contribution(record_type=record_type, record_id=record_id, unit_id=u, campaign_id=c, day=d, key=k, value=v)
        for (u, c, d, k), v in new.items()
    ])
    Fact.objects.filter(value=0, unit_id__in={k[0] for k in delta}).delete()


@transaction.atomic
def refresh_many(items) -> None:
    """``refresh`` for many (record type, id) pairs at once: a few queries per record type and
    one pass over the affected summary rows, instead of a round of queries per record."""
    by_type: dict[str, set[int]] = defaultdict(set)
    for record_type, record_id in items:
        by_type[record_type].add(record_id)
    delta: dict[tuple, Decimal] = defaultdict(Decimal)
    for record_type, ids in by_type.items():
        model = RECORD_MODELS[record_type]
        qs = model._default_manager.select_related(*_RELATED[model]).filter(pk__in=ids)
        if model is Activity:
            qs = qs.prefetch_related("outcomes__indicator")
        new_rows = []
        for record in qs:
            for k, v in contributions(record).items():
                delta[k] += v
                new_rows.append(Contribution(record_type=record_type, record_id=record.pk, unit_id=k[0],
                                             campaign_id=k[1], day=k[2], key=k[3], value=v))
        old = Contribution.objects.filter(record_type=record_type, record_id__in=ids)
        for c in old:
            delta[(c.unit_id, c.campaign_id, c.day, c.key)] -= c.value
        old.delete()
        Contribution.objects.bulk_create(new_rows, batch_size=2000)
    delta = {k: v for k, v in delta.items() if v}
    if not delta:
        return
    units = {k[0] for k in delta}
    days = {k[2] for k in delta}
    keys = {k[3] for k in delta}
    existing = {(f.unit_id, f.campaign_id, f.day, f.key): f for f in Fact.objects.filter(
        unit_id__in=units, day__in=days, key__in=keys)}
    changed, created = [], []
    for k, d in delta.items():
        f = existing.get(k)
        if f is None:
            created.append(Fact(unit_id=k[0], campaign_id=k[1], day=k[2], key=k[3], value=d))
        else:
            f.value += d
            changed.append(f)
    Fact.objects.bulk_update(changed, ["value"], batch_size=1000)
    Fact.objects.bulk_create(created, batch_size=2000)
    Fact.objects.filter(pk__in=[f.pk for f in changed if f.value == 0]).delete()


def refresh_record(record) -> None:
    refresh(_TYPE_OF[type(record)], record.pk)


@transaction.atomic
def rebuild(batch: int = 2000) -> dict[str, int]:
    """Recompute Contribution and Fact from the records. Returns rows written."""
    Fact.objects.all().delete()
    Contribution.objects.all().delete()
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    contribs = []
    for name, model in RECORD_MODELS.items():
        qs = model._default_manager.select_related(*_RELATED[model]).order_by("pk")
        if model is Activity:
            qs = qs.prefetch_related("outcomes__indicator")
        for record in qs.iterator(chunk_size=batch):
            for k, v in contributions(record).items():
                totals[k] += v
                contribs.append(Contribution(record_type=name, record_id=record.pk, unit_id=k[0],
                                             campaign_id=k[1], day=k[2], key=k[3], value=v))
            if len(contribs) >= batch:
                Contribution.objects.bulk_create(contribs)
                contribs = []
    Contribution.objects.bulk_create(contribs)
    Fact.objects.bulk_create([Fact(unit_id=u, campaign_id=c, day=d, key=k, value=v)
                              for (u, c, d, k), v in totals.items() if v], batch_size=batch)
    return {"facts": Fact.objects.count(), "contributions": Contribution.objects.count()}


