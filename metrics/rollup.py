"""Keeping ``Fact`` in step with the records (see metrics/models.py).

``organizations.records`` re-scopes every written record and hands each flushed group to
``on_records`` with the record's unit ids before and after. Here the record's contributions
(``values``) are compared with what it added before (``Contribution``); the difference, for
every unit of the old and the new scope, is applied to ``Fact`` with atomic upserts
(``INSERT … ON CONFLICT DO UPDATE SET value = value + excluded.value``) in one fixed key order, so
concurrent writers never read-then-write a shared row, never collide on a first write and never
deadlock each other. Everything happens in the writer's transaction (once per batch: an import
or a service call), so a record saved now shows in every level's figures on the next page load.

``rebuild()`` re-derives everything from the records in short transactions, so it can run on a
live site: first each record's scope and contributions (records locked a chunk at a time, as a
writer would), then ``Fact`` itself, a chunk of units at a time, from the stored contributions, under the same
per-unit locks (PostgreSQL advisory locks) that writers take before touching a unit's rows.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction

from campaigns.catalogue import INTERNAL_KEYS
from campaigns.models import (
    COMMITMENT_OPEN,
    Activity,
    ActivityOutcome,
    Category,
    Commitment,
    CommitmentStatus,
    Indicator,
    JointMeeting,
    ReviewStatus,
    Survey,
)
from cobuild import bulk
from organizations import records
from organizations.models import RecordScope, Unit
from pairings.models import PAIRING_VILLAGE_KINDS, Inspection, InspectionKind, Pairing

from .models import DAY, MONTH, TOTAL, TOTAL_DAY, Contribution, Fact, FactSpan, VillageYear

ONE = Decimal(1)
CATEGORY_KEYS = {
    Category.ORG_LIFE: "org_life_sessions",
    Category.DEMOCRATIC_LIFE_MEETING: "democratic_life_meetings",
    Category.TECH_TO_COUNTRYSIDE: "tech_visits",
}
# Keys behind the rates: numerator and denominator summed separately, divided at read time.
SURVEY_KEYS = {"party_org": ("sat_party_org_ok", "sat_party_org_ballots"),
               "cobuild": ("sat_cobuild_ok", "sat_cobuild_ballots")}
if not {k for pair in SURVEY_KEYS.values() for k in pair} <= INTERNAL_KEYS:  # kept under python -O
    raise ImportError("metrics.rollup: the survey keys must be internal keys")
OPEN_KEY = "commitments_open"
if OPEN_KEY not in INTERNAL_KEYS:
    raise ImportError("metrics.rollup: the open-commitments key must be an internal key")

# The record types whose contributions the summary keeps (pairings and the help-pair register are
# counted live from their stored scope, see selectors).
COUNTED = {"pairing": Pairing, "activity": Activity, "commitment": Commitment, "inspection": Inspection, "survey": Survey,
           "meeting": JointMeeting}


def values(record, outcomes=()) -> tuple[int, object, dict[str, Decimal], bool]:
    """(campaign id, day, {key: value}, verified) of one record; ``outcomes`` are an activity's
    (indicator code, value) pairs. Only activities are reviewed: the other records count as
    verified (officials enter them)."""
    if isinstance(record, Activity):
        if record.status == ReviewStatus.RETURNED:
            return record.campaign_id, record.date, {}, False
        vals = {"activities": ONE}
        if record.category in CATEGORY_KEYS:
            vals[CATEGORY_KEYS[record.category]] = ONE
        for code, value in outcomes:
            vals[code] = vals.get(code, Decimal(0)) + value
        return record.campaign_id, record.date, vals, record.status == ReviewStatus.VERIFIED
    if isinstance(record, Commitment):
        vals = {}
        if record.status != CommitmentStatus.CANCELLED:
            vals["commitments_made"] = ONE
        if record.status == CommitmentStatus.DONE:
            vals["commitments_done"] = ONE
        return record.campaign_id, record.made_on, vals, True
    if isinstance(record, JointMeeting):
        return record.campaign_id, record.held_on, {"joint_meetings_held": ONE}, True
    if isinstance(record, Inspection):
        if record.kind == InspectionKind.LEADER_VISIT:
            vals = {"leader_visits": Decimal(record.visitors)}
        else:
            vals = {"inspections": ONE}
        return record.campaign_id, record.held_on, vals, True
    if isinstance(record, Survey):
        if record.subject not in SURVEY_KEYS:
            # a subject beyond the contract's two has no indicator: its tallies are read as they
            # are (metrics.reports.survey_years), nothing enters the summary
            return record.campaign_id, record.held_on, {}, True
        ok_key, ballots_key = SURVEY_KEYS[record.subject]
        return record.campaign_id, record.held_on, {
            ok_key: Decimal(record.satisfied + record.basically_satisfied),
            ballots_key: Decimal(record.ballots)}, True
    raise TypeError(f"no contributions for {type(record).__name__}")


# Every key ``values`` and ``_contributions`` can write besides outcome codes.
FIXED_KEYS = frozenset({"activities", "commitments_made", "commitments_done", OPEN_KEY, "joint_meetings_held",
                        "leader_visits", "inspections", "pairings_started", "pairings_ended",
                        *CATEGORY_KEYS.values(), *(k for pair in SURVEY_KEYS.values() for k in pair)})
# Running counts, read by name by their own selectors (selectors.pairing_counts, overdue_commitments).
RUNNING_KEYS = frozenset({"pairings_started", "pairings_ended", OPEN_KEY})


def summary_keys() -> list[str]:
    """Every key the figures read: the fixed keys but the running counts, and the indicators'
    codes (an activity's outcomes are kept under their indicator's code). A read of "every key"
    names them, so each key is one index range of a unit's days instead of a scan of all its
    keys' days."""
    return sorted((FIXED_KEYS - RUNNING_KEYS) | set(Indicator.objects.values_list("code", flat=True)))


def _contributions(record, outcomes=()) -> dict[tuple, Decimal]:
    if isinstance(record, Pairing):
        # Two running counts: a pair is active in a period when it started by the period's end
        # and did not end before its start (selectors.pairing_counts).
        out = {(record.campaign_id, record.start_date, "pairings_started", True): ONE}
        if record.end_date is not None:
            out[(record.campaign_id, record.end_date + dt.timedelta(days=1), "pairings_ended", True)] = ONE
        return out
    campaign_id, day, vals, verified = values(record, outcomes)
    out = {(campaign_id, day, k, verified): v for k, v in vals.items() if v}
    if isinstance(record, Commitment) and record.status in COMMITMENT_OPEN and record.due_date is not None:
        # A running count of open commitments by due date: those overdue on a day are the ones
        # due before it (selectors.overdue_commitments), a few rows for any scope.
        out[(campaign_id, record.due_date, OPEN_KEY, True)] = ONE
    return out


def _outcomes_of(ids) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for aid, code, value in ActivityOutcome.objects.filter(activity_id__in=list(ids)).values_list(
            "activity_id", "indicator__code", "value"):
        out[aid].append((code, value))
    return out


def on_records(record_type: str, changes: dict) -> None:
    """Listener of ``organizations.records``: apply what the changed records now add."""
    if record_type not in COUNTED or not changes:
        return
    ids = list(changes)
    outcomes = _outcomes_of(ids) if record_type == "activity" else {}
    old: dict[int, dict] = defaultdict(dict)
    for c in Contribution.objects.filter(record_type=record_type, record_id__in=ids):
        key = (c.campaign_id, c.day, c.key, c.verified)
        old[c.record_id][key] = old[c.record_id].get(key, Decimal(0)) + c.value
    delta: dict[tuple, Decimal] = defaultdict(Decimal)
    replaced, new_rows = [], []
    for rid, ch in changes.items():
        new = _contributions(ch.record, outcomes.get(rid, ())) if ch.record is not None else {}
        before = old.get(rid, {})
        if new != before:
            replaced.append(rid)
            new_rows.extend((record_type, rid, c, d, k, ok, v) for (c, d, k, ok), v in new.items())
        elif ch.old_units == ch.new_units:
            continue
        for (c, d, k, ok), v in new.items():
            for u in ch.new_units:
                delta[(u, c, d, k, ok)] += v
        for (c, d, k, ok), v in before.items():
            for u in ch.old_units:
                delta[(u, c, d, k, ok)] -= v
    if replaced:
        Contribution.objects.filter(record_type=record_type, record_id__in=replaced).delete()
        bulk.insert(Contribution, ("record_type", "record_id", "campaign_id", "day", "key", "verified", "value"),
                    new_rows)
    pending = _pending()
    for k, v in delta.items():
        pending[k] += v


_state = threading.local()


def _pending() -> dict:
    if not hasattr(_state, "delta"):
        _state.delta = defaultdict(Decimal)
    return _state.delta


def on_flush_done(ok: bool = True) -> None:
    """Apply every change gathered in one flush at once: one ordered set of locks per flush."""
    delta, _state.delta = _pending(), defaultdict(Decimal)
    if ok:
        apply(delta)


# Writers and the repair of ``rebuild`` take these per-unit locks (PostgreSQL advisory locks,
# released at commit) before touching a unit's summary rows, always in unit order.
LOCK_CLASS = 7291


def lock_units(unit_ids) -> None:
    if connection.vendor != "postgresql" or not unit_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, u) FROM (SELECT unnest(%s::int[]) AS u ORDER BY 1) s",
                       [LOCK_CLASS, sorted(unit_ids)])


def expand(delta: dict[tuple, Decimal]) -> dict[tuple, Decimal]:
    """Day-grain changes ``{(unit, campaign, day, key, verified): change}`` as the rows of ``Fact``
    they touch: ``{(unit, grain, campaign, key, day, verified): change}``, each day's row, its
    month's row and the total row (keyed in the order of the unique index)."""
    out: dict[tuple, Decimal] = defaultdict(Decimal)
    for (u, c, d, k, ok), v in delta.items():
        if v:
            out[(u, DAY, c, k, d, ok)] += v
            out[(u, MONTH, c, k, d.replace(day=1), ok)] += v
            out[(u, TOTAL, c, k, TOTAL_DAY, ok)] += v
    return {k: v for k, v in out.items() if v}


def apply(delta: dict[tuple, Decimal]) -> None:
    """Add day-grain changes ``{(unit, campaign, day, key, verified): change}`` to ``Fact``."""
    write(expand(delta))


def write(rows: dict[tuple, Decimal]) -> None:
    """Add ``{(unit, grain, campaign, key, day, verified): change}`` to ``Fact`` with atomic upserts
    in the order of the unique key, after taking the units' locks; then drop rows that reached zero."""
    keys = sorted(k for k, v in rows.items() if v)
    if not keys:
        return
    units = sorted({k[0] for k in keys})
    lock_units(units)
    bulk.upsert_add(Fact, ("unit", "grain", "campaign", "key", "day", "verified"), "value",
                    [(*k, rows[k]) for k in keys])
    widen_spans(k for k in keys if k[1] == DAY)
    # Every column of the unique key is narrowed, so each (unit, grain, campaign, key) is one index
    # descent to its days: with the unit and day alone a province's row scanned all its facts.
    Fact.objects.filter(value=0, unit_id__in=units, grain__in=sorted({k[1] for k in keys}),
                        campaign_id__in=sorted({k[2] for k in keys}), key__in=sorted({k[3] for k in keys}),
                        day__in=sorted({k[4] for k in keys})).delete()
    refresh_village_years({(k[0], k[2], k[4].year) for k in keys if k[1] == MONTH and k[3] == "activities"})


def widen_spans(day_rows) -> None:
    """Widen ``FactSpan`` to hold the days of some day rows ``(unit, grain, campaign, key, day,
    verified)`` (in the writer's transaction, after its units' locks)."""
    spans: dict[tuple, list] = {}
    for _u, _g, c, k, d, _ok in day_rows:
        span = spans.setdefault((c, k), [d, d])
        span[0], span[1] = min(span[0], d), max(span[1], d)
    bulk.upsert_widen(FactSpan, ("campaign", "key"), "first_day", "last_day",
                      [(c, k, lo, hi) for (c, k), (lo, hi) in spans.items()])


# --- each village's reporting by year (VillageYear) ----------------------------------------------

FIELDS = ("months", "verified_months", "first_on", "last_on", "verified_first_on", "verified_last_on")


def _village_years(village_ids, campaign_ids, years) -> dict[tuple, tuple]:
    """``{(village, campaign, year): values of FIELDS}`` from the villages' ``activities`` day rows
    of ``Fact`` (complete for every combination of the arguments)."""
    out: dict[tuple, list] = {}
    qs = Fact.objects.filter(unit_id__in=list(village_ids), grain=DAY, key="activities", value__gt=0,
                             day__gte=f"{min(years)}-01-01", day__lte=f"{max(years)}-12-31")
    if campaign_ids is not None:
        qs = qs.filter(campaign_id__in=list(campaign_ids))
    for u, c, d, ok in qs.values_list("unit_id", "campaign_id", "day", "verified").iterator(chunk_size=5000):
        if d.year not in years:
            continue
        row = out.setdefault((u, c, d.year), [0, 0, d, d, None, None])
        bit = 1 << (d.month - 1)
        row[0] |= bit
        row[2], row[3] = min(row[2], d), max(row[3], d)
        if ok:
            row[1] |= bit
            row[4], row[5] = min(row[4] or d, d), max(row[5] or d, d)
    return {k: tuple(v) for k, v in out.items()}


def _village_year_rows(values: dict) -> list[VillageYear]:
    return [VillageYear(unit_id=u, campaign_id=c, year=y, **dict(zip(FIELDS, v, strict=True)))
            for (u, c, y), v in sorted(values.items())]


def refresh_village_years(touched) -> None:
    """Bring ``VillageYear`` of the ``(unit, campaign, year)`` whose ``activities`` rows changed up
    to date (units that are not villages are skipped). Called by ``write`` while it holds the
    units' locks, so no other writer changes these villages' rows meanwhile."""
    if not touched:
        return
    villages = set(Unit.objects.filter(pk__in={u for u, _c, _y in touched}, kind__in=PAIRING_VILLAGE_KINDS)
                   .values_list("pk", flat=True))
    touched = {t for t in touched if t[0] in villages}
    if not touched:
        return
    campaigns, years = {c for _u, c, _y in touched}, {y for _u, _c, y in touched}
    now = _village_years(villages, campaigns, years)
    # Every combination of the arguments was read in full: replace them all.
    VillageYear.objects.filter(unit_id__in=villages, campaign_id__in=campaigns, year__in=years).delete()
    VillageYear.objects.bulk_create(_village_year_rows(now))


def repair_village_years(chunk: int = 500, progress=None) -> int:
    """Make ``VillageYear`` equal to what the villages' summary rows say, a chunk of villages at a
    time under their locks; drop the rows of units that are no longer villages. Returns rows fixed."""
    fixed = VillageYear.objects.exclude(unit__kind__in=PAIRING_VILLAGE_KINDS).delete()[0]
    ids = list(Unit.objects.filter(kind__in=PAIRING_VILLAGE_KINDS).order_by("pk").values_list("pk", flat=True))
    years = {d.year for d in Fact.objects.filter(key="activities", grain=MONTH).dates("day", "year")} if ids else set()
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        with transaction.atomic():
            lock_units(part)
            expected = _village_years(part, None, years) if years else {}
            current = {(u, c, y): tuple(rest) for u, c, y, *rest in VillageYear.objects.filter(
                unit_id__in=part).values_list("unit_id", "campaign_id", "year", *FIELDS)}
            wrong = {k for k in set(expected) | set(current) if expected.get(k) != current.get(k)}
            if wrong:
                fixed += len(wrong)
                VillageYear.objects.filter(unit_id__in={k[0] for k in wrong}).delete()
                redo = {k[0] for k in wrong}
                VillageYear.objects.bulk_create(_village_year_rows({k: v for k, v in expected.items() if k[0] in redo}))
        if progress is not None:
            progress(min(start + chunk, len(ids)), len(ids), "核对各村报送月份")
    return fixed


records.add_listener(on_records, on_flush_done)


# --- rebuild on a live site ------------------------------------------------------------------------

def _ids_to_check(record_type: str, model) -> list[int]:
    """Every id with a record or with stored scope/contributions (records deleted behind our back)."""
    ids = set(model._default_manager.values_list("pk", flat=True))
    ids.update(RecordScope.objects.filter(record_type=record_type).values_list("record_id", flat=True).distinct())
    if record_type in COUNTED:
        ids.update(Contribution.objects.filter(record_type=record_type).values_list("record_id", flat=True)
                   .distinct())
    return sorted(ids)


def _expected(unit_ids) -> dict[tuple, Decimal]:
    """``Fact`` as the stored scopes and contributions say it should be, for some units."""
    out: dict[tuple, Decimal] = defaultdict(Decimal)
    scopes: dict[tuple, list[int]] = defaultdict(list)
    for rtype, rid, uid in RecordScope.objects.filter(
            unit_id__in=unit_ids, record_type__in=list(COUNTED)).values_list("record_type", "record_id", "unit_id"):
        scopes[(rtype, rid)].append(uid)
    by_type: dict[str, list[int]] = defaultdict(list)
    for rtype, rid in scopes:
        by_type[rtype].append(rid)
    for rtype, rids in by_type.items():
        for start in range(0, len(rids), 5000):
            for rid, c, d, k, ok, v in Contribution.objects.filter(
                    record_type=rtype, record_id__in=rids[start:start + 5000]).values_list(
                    "record_id", "campaign_id", "day", "key", "verified", "value"):
                for u in scopes[(rtype, rid)]:
                    out[(u, c, d, k, ok)] += v
    return out


def _repair_units(unit_ids) -> int:
    """Make ``Fact`` of ``unit_ids`` equal to what the ledger says, in one short transaction
    holding those units' locks (writers to them wait for it; the rest go on). Returns rows fixed."""
    with transaction.atomic():
        lock_units(unit_ids)
        expected = expand(_expected(unit_ids))
        current: dict[tuple, Decimal] = defaultdict(Decimal)
        for u, g, c, k, d, ok, v in Fact.objects.filter(unit_id__in=unit_ids).values_list(
                "unit_id", "grain", "campaign_id", "key", "day", "verified", "value"):
            current[(u, g, c, k, d, ok)] += v
        delta = {k: expected.get(k, Decimal(0)) - current.get(k, Decimal(0)) for k in set(expected) | set(current)}
        delta = {k: v for k, v in delta.items() if v}
        write(delta)
        return len(delta)


def rebuild(chunk: int = 500, progress=None) -> dict[str, int]:
    """Re-derive scopes, contributions and ``Fact`` from the records, in short transactions.

    Safe beside live writers: each chunk of records is locked while it is re-derived (as a writer
    would lock it), and each chunk of units' summary rows is repaired from one snapshot.
    Returns counts of rows and of records/rows that had to be fixed. ``progress(done, total,
    stage)`` is called after every chunk (the web's background rebuild shows it)."""
    for record_type in list(records.KINDS):
        model = records.KINDS[record_type].model
        ids = _ids_to_check(record_type, model)
        for start in range(0, len(ids), chunk):
            records.sync((record_type, rid) for rid in ids[start:start + chunk])
            if progress is not None:
                progress(min(start + chunk, len(ids)), len(ids), f"核对记录({model._meta.verbose_name})")
    fixed = 0
    unit_ids = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    orphan_units = set(Fact.objects.exclude(unit_id__in=unit_ids).values_list("unit_id", flat=True))
    unit_ids.extend(sorted(orphan_units))
    for start in range(0, len(unit_ids), 50):
        fixed += _repair_units(unit_ids[start:start + 50])
        if progress is not None:
            progress(min(start + 50, len(unit_ids)), len(unit_ids), "核对各单位汇总")
    fixed += repair_village_years(progress=progress)
    return {"facts": Fact.objects.count(), "contributions": Contribution.objects.count(),
            "scopes": RecordScope.objects.count(), "fixed": fixed}


def snapshot() -> dict[tuple, Decimal]:
    """``Fact`` as a dict (tests and checks compare it with a rebuild)."""
    out = {(u, g, c, k, d, ok): v for u, g, c, k, d, ok, v in Fact.objects.exclude(value=0).values_list(
        "unit_id", "grain", "campaign_id", "key", "day", "verified", "value")}
    out.update({("village_year", u, c, y): tuple(rest) for u, c, y, *rest in VillageYear.objects.values_list(
        "unit_id", "campaign_id", "year", *FIELDS)})
    return out
