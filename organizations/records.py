"""Record scope: where every scoped record stands in the tree, stored and kept current.

Apps register their record types here (``register``) with a rule that names the tree paths a
record stands under (its unit; its pairing's village and bureau; a parent record's units). The
ids on those paths, each unit from the top down to the record's own, are stored as
``RecordScope`` rows. Then:

- ``scope_filter(user, record_type)`` is the one access filter of every registered model's
  ``objects.for_user``: an indexed equality semi-join ``unit_id IN (the user's grant units)``,
  no path ``LIKE`` across joined tables;
- listeners (metrics' summary upkeep) receive, for every record written, its scope before and
  after, so figures follow a move in the same transaction.

A record is re-scoped whenever it is saved or deleted (signals, since the scope is derived data),
whenever one of its parents is re-scoped (a pairing changing sides re-scopes its activities,
commitments, ...), and whenever a unit above it moves (``rescope_unit`` from ``unit_save``).
Inside ``batching.batch()`` all of this happens once, at the batch's end, in the caller's
transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save

from cobuild import batching, bulk

from .models import RecordScope
from .scoping import scope_unit_ids

FLUSHER = "records"
SYNC_CHUNK = 2000   # records read, locked and re-scoped per query (imports flush thousands at once)


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    related: tuple[str, ...]
    paths: Callable[[object], Iterable[str | None]]
    parents: tuple[tuple[str, str], ...] = ()   # (parent kind, foreign key attname)
    side_field: str | None = None   # the unit that must be one of its pairing's sides
    day_field: str | None = None    # the record's own date, kept on its scope rows (``newest_in``)


@dataclass
class Change:
    """One record's state as a flush saw it: the record (None when deleted) and its unit ids."""

    record: object | None
    old_units: frozenset = field(default_factory=frozenset)
    new_units: frozenset = field(default_factory=frozenset)


KINDS: dict[str, Kind] = {}
_BY_MODEL: dict[type, str] = {}
_listeners: list[Callable[[str, dict[int, Change]], None]] = []


def register(name: str, model, *, related=(), paths, parents=(), side_field=None, day_field=None) -> None:
    KINDS[name] = Kind(name, model, tuple(related), paths, tuple(parents), side_field, day_field)
    _BY_MODEL[model] = name
    post_save.connect(_saved, sender=model, dispatch_uid=f"records-save-{name}")
    post_delete.connect(_saved, sender=model, dispatch_uid=f"records-delete-{name}")


_finishers: list[Callable[[bool], None]] = []


def add_listener(fn: Callable[[str, dict[int, Change]], None], done: Callable[[bool], None] | None = None) -> None:
    """``fn(record_type, {id: Change})`` runs after the scope rows are written, in the same
    transaction, for every flushed group of records; ``done(ok)`` once when the flush ends (to
    write what the listener gathered in one go; ``ok=False``: the flush failed, drop it)."""
    if fn not in _listeners:
        _listeners.append(fn)
        if done is not None:
            _finishers.append(done)


def kind_of(model) -> str:
    return _BY_MODEL[model]


def unit_ids(*paths: str | None) -> frozenset[int]:
    """Every unit id on the given tree paths ("/1/23/456/")."""
    out = set()
    for p in paths:
        if p:
            out.update(int(x) for x in p.strip("/").split("/") if x)
    return frozenset(out)


# --- writes ----------------------------------------------------------------------------------------

def _saved(sender, instance, raw=False, **kwargs):
    if raw:
        return  # loaddata: the fixture carries the scope and summary rows as they were dumped
    changed(_BY_MODEL[sender], instance.pk)


def changed(record_type: str, record_id: int) -> None:
    """The record's own data changed: bring its scope and everything derived up to date."""
    if batching.active():
        batching.defer(FLUSHER, (record_type, record_id))
    else:
        sync({(record_type, record_id)})


def move_pairing_side(pairing_id: int, old_unit_id: int, new_unit_id: int, reason: str) -> int:
    """A pairing's village (or bureau) was replaced: its records that stood at the old side now
    stand at the new one (a pairing's record always stands at one of its sides), each saved with
    a history row. Their scope and figures follow through the usual upkeep. Returns records moved."""
    moved = 0
    for kind in KINDS.values():
        if kind.side_field is None:
            continue
        field_id = f"{kind.side_field}_id"
        for record in kind.model._default_manager.select_for_update().filter(
                pairing_id=pairing_id, **{field_id: old_unit_id}).order_by("pk"):
            setattr(record, field_id, new_unit_id)
            record._change_reason = reason
            record.save()
            moved += 1
    return moved


def bulk_created(objs) -> None:
    """After a ``bulk_create`` of registered records (bulk loading, tests): derive their scope and
    everything that follows, as if each had been saved, in a few queries per type."""
    items = {(_BY_MODEL[type(o)], o.pk) for o in objs}
    if items:
        sync(items)


def rescope_unit(unit_id: int) -> None:
    """``unit_id`` moved in the tree: re-scope every record whose scope holds it."""
    rows = RecordScope.objects.filter(unit_id=unit_id).values_list("record_type", "record_id")
    items = set(rows)
    if not items:
        return
    if batching.active():
        for item in items:
            batching.defer(FLUSHER, item)
    else:
        sync(items)


@transaction.atomic
def sync(items: Iterable[tuple[str, int]]) -> None:
    """Re-scope the given records (and the children of those whose scope changed), then tell the
    listeners. A few queries per record type, whatever the number of records."""
    pending: dict[str, set[int]] = defaultdict(set)
    for record_type, record_id in items:
        if record_id is not None:
            pending[record_type].add(record_id)
    try:
        done: dict[str, set[int]] = defaultdict(set)
        # Parents before children, so that each type is read once in the usual case.
        order = list(KINDS)
        while pending:
            record_type = next(t for t in order if t in pending)
            ids = pending.pop(record_type) - done[record_type]
            if not ids:
                continue
            done[record_type] |= ids
            ordered, moved = sorted(ids), set()
            for start in range(0, len(ordered), SYNC_CHUNK):
                moved |= _sync_type(KINDS[record_type], set(ordered[start:start + SYNC_CHUNK]))
            if moved:
                for child in KINDS.values():
                    for parent, fk in child.parents:
                        if parent == record_type:
                            child_ids = set(child.model._default_manager.filter(
                                **{f"{fk}__in": list(moved)}).values_list("pk", flat=True))
                            child_ids -= done[child.name]
                            if child_ids:
                                pending[child.name] |= child_ids
    except BaseException:
        for finish in _finishers:
            finish(False)   # the transaction rolls back: drop what was gathered
        raise
    for finish in _finishers:
        finish(True)


def _sync_type(kind: Kind, ids: set[int]) -> set[int]:
    """Write the scope rows of ``ids``; returns the ids whose scope changed."""
    qs = kind.model._default_manager.select_related(*kind.related).filter(pk__in=ids).order_by("pk")
    # Lock the records (in id order) as their writers do, so two flushes of one record (a writer's
    # and a move's or a rebuild's) never derive from the same old state.
    records = {r.pk: r for r in qs.select_for_update(of=("self",))}
    old: dict[int, set[int]] = defaultdict(set)
    old_day: dict[int, object] = {}
    for rid, uid, day in RecordScope.objects.filter(record_type=kind.name, record_id__in=ids).values_list(
            "record_id", "unit_id", "day"):
        old[rid].add(uid)
        old_day[rid] = day
    changes: dict[int, Change] = {}
    removals: dict[frozenset, list[int]] = defaultdict(list)
    additions: list[tuple[str, int, int, object]] = []
    redated: dict[object, list[int]] = defaultdict(list)   # new day: records whose kept rows get it
    moved = set()
    for rid in sorted(ids):
        record = records.get(rid)
        new = unit_ids(*kind.paths(record)) if record is not None else frozenset()
        day = getattr(record, kind.day_field) if (record is not None and kind.day_field) else None
        before = frozenset(old.get(rid, ()))
        changes[rid] = Change(record, before, new)
        if new != before:
            moved.add(rid)
            gone = before - new
            if gone:
                removals[frozenset(gone)].append(rid)
            additions.extend((kind.name, rid, u, day) for u in sorted(new - before))
        if before & new and old_day.get(rid) != day:
            redated[day].append(rid)
    for gone, rids in removals.items():
        RecordScope.objects.filter(record_type=kind.name, record_id__in=rids, unit_id__in=list(gone)).delete()
    for day, rids in redated.items():
        RecordScope.objects.filter(record_type=kind.name, record_id__in=rids).update(day=day)
    bulk.insert(RecordScope, ("record_type", "record_id", "unit", "day"), additions)
    for listener in _listeners:
        listener(kind.name, changes)
    return moved


batching.register_flusher(FLUSHER, sync)


# --- reads -----------------------------------------------------------------------------------------

def in_units(record_type: str, unit_ids_: Iterable[int]):
    """Ids of the records of ``record_type`` in the scope of any of ``unit_ids_`` (a subquery)."""
    return RecordScope.objects.filter(record_type=record_type, unit_id__in=list(unit_ids_)).values("record_id")


def newest_in(record_type: str, unit_id: int):
    """Ids of the records of ``record_type`` in ``unit_id``'s scope, newest day first (then
    highest id): one range of the ``recordscope_unit_day`` index, read in order, so a page of a
    county's list costs the page, not the county (only for kinds registered with a ``day_field``)."""
    if KINDS[record_type].day_field is None:
        raise ValueError(f"{record_type} keeps no day on its scope rows")
    return (RecordScope.objects.filter(record_type=record_type, unit_id=unit_id, day__isnull=False)
            .order_by("-day", "-record_id").values_list("record_id", flat=True))


def single_scope_unit(user) -> int | None:
    """The one unit whose scope is the user's whole scope (a single grant, or the tree's one root
    for a superuser), else None."""
    ids = scope_unit_ids(user)
    if ids is None:
        from .models import Unit

        roots = list(Unit.objects.filter(parent__isnull=True).values_list("pk", flat=True)[:2])
        return roots[0] if len(roots) == 1 else None
    return next(iter(ids)) if len(ids) == 1 else None


def scope_filter(user, record_type: str, roles=None, field_name: str = "pk") -> Q | None:
    """The one access filter of scoped records: None = no limit (superuser)."""
    ids = scope_unit_ids(user, roles)
    if ids is None:
        return None
    if not ids:
        return Q(pk__in=[])
    return Q(**{f"{field_name}__in": in_units(record_type, ids)})


def scope_rows(record_type: str):
    return RecordScope.objects.filter(record_type=record_type)


class RecordQuerySet(QuerySet):
    """Base queryset of registered records: ``for_user`` is the stored-scope filter."""

    def for_user(self, user, roles=None):
        q = scope_filter(user, kind_of(self.model), roles)
        return self if q is None else self.filter(q)
