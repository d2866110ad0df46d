"""The pairing ledger (共建工作台帐): every record linked to a pairing, whatever its model.

The ledger does not know the record models in advance. Each app declares its sources in its own
``ledger.py`` (discovered like ``admin.py``) by calling :func:`register` with a
:class:`LedgerSource`: the model, the path from the record to its pairing, the date field, how to
title a row, the totals to show and the columns of its workbook sheet. The ledger page, the
workbook, the matrix's record counts and each pairing's ``last_logged_on`` are built from the
registered sources, with one query per source however many records there are.

Registering from another app (``campaigns/ledger.py``)::

    from pairings.ledger import LedgerSource, register
    register(LedgerSource(
        key="activities", label="共建活动", model=Activity, date_field="date",
        title=lambda a: a.title, totals={"参与人次": Sum("participants")},
        columns=[("日期", lambda a: a.date), ("活动", lambda a: a.title)],
    ))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.module_loading import autodiscover_modules

_REGISTRY: dict[str, LedgerSource] = {}
_discovered = False


@dataclass
class LedgerSource:
    key: str                                   # stable id, e.g. "inspections"
    label: str                                 # Chinese name, e.g. "督查指导"
    model: type[models.Model]
    date_field: str                            # the record's date, e.g. "held_on"
    title: Callable[[Any], str]                # one line for the ledger
    pairing_field: str = "pairing"             # path from the record to its Pairing
    condition: Q | None = None                 # only these rows (e.g. kind="inspection")
    detail: Callable[[Any], str] = lambda obj: ""
    totals: dict[str, Any] = field(default_factory=dict)   # label -> aggregate expression
    # More totals computed from the period's queryset (e.g. outcome values by indicator):
    extra_totals: Callable[[Any], list[tuple[str, Any]]] | None = None
    columns: list[tuple[str, Callable[[Any], Any]]] = field(default_factory=list)
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    url: Callable[[Any], str] | None = None
    order: int = 100
    # The one silence rule (matrix, dashboard, bulletin alike): a pair is silent when it has no
    # *counted co-building activity* lately. Only sources that say so keep it active, and only
    # their rows matching ``active_condition`` (e.g. activities not returned to their author).
    keeps_pair_active: bool = False
    active_condition: Q | None = None

    def queryset(self):
        qs = self.model._default_manager.all()
        if self.condition is not None:
            qs = qs.filter(self.condition)
        return qs

    def for_pairing(self, pairing_id, date_from=None, date_to=None):
        qs = self.queryset().filter(**{self.pairing_field: pairing_id})
        return _in_period(qs, self.date_field, date_from, date_to)

    def rows(self, pairing_id, date_from=None, date_to=None):
        """The records to show (ledger page, workbook sheet), with what their columns need."""
        return (self.for_pairing(pairing_id, date_from, date_to)
                .select_related(*self.select_related).prefetch_related(*self.prefetch_related)
                .order_by(f"-{self.date_field}", "-pk"))


def _in_period(qs, date_field, date_from, date_to):
    if date_from:
        qs = qs.filter(**{f"{date_field}__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{date_field}__lte": date_to})
    return qs


def register(source: LedgerSource) -> LedgerSource:
    _REGISTRY[source.key] = source
    return source


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def sources() -> list[LedgerSource]:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("ledger")
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))


@dataclass
class Entry:
    date: dt.date
    source: LedgerSource
    obj: Any

    @property
    def title(self):
        return self.source.title(self.obj)

    @property
    def detail(self):
        return self.source.detail(self.obj)

    @property
    def url(self):
        return self.source.url(self.obj) if self.source.url else ""


def entries(pairing, date_from=None, date_to=None) -> list[Entry]:
    """Every record of the pairing in the period, newest first (one query per source)."""
    out: list[Entry] = []
    for s in sources():
        for obj in s.rows(pairing.pk, date_from, date_to):
            value = obj
            for part in s.date_field.split("__"):
                value = getattr(value, part)
            out.append(Entry(value, s, obj))
    out.sort(key=lambda e: (e.date, e.source.order), reverse=True)
    return out


def totals(pairing, date_from=None, date_to=None) -> list[dict]:
    """Per source: the record count and its declared totals, aggregated in SQL."""
    rows = []
    for s in sources():
        agg = s.for_pairing(pairing.pk, date_from, date_to).aggregate(
            _count=Count("pk"), **{f"t{i}": expr for i, expr in enumerate(s.totals.values())})
        extra = s.extra_totals(s.for_pairing(pairing.pk, date_from, date_to)) if s.extra_totals else []
        rows.append({
            "source": s, "count": agg["_count"],
            "totals": [(label, agg[f"t{i}"] or 0) for i, label in enumerate(s.totals)] + list(extra),
        })
    return rows


def _count_subquery(s: LedgerSource, date_from, date_to):
    qs = _in_period(s.queryset().filter(**{f"{s.pairing_field}": OuterRef("pk")}), s.date_field,
                    date_from, date_to)
    return Coalesce(Subquery(qs.order_by().values(s.pairing_field).annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def annotate_record_counts(pairings_qs, date_from=None, date_to=None):
    """Add ``n_records`` (all ledger records in the period) and ``n_<key>`` per source."""
    annotations = {f"n_{s.key}": _count_subquery(s, date_from, date_to) for s in sources()}
    qs = pairings_qs.annotate(**annotations)
    total = Value(0)
    for name in annotations:
        total = total + F(name)
    return qs.annotate(n_records=total)


def last_logged(pairing_id) -> dt.date | None:
    """The date of the pairing's newest record that keeps it active (its last counted activity):
    ``Pairing.last_logged_on``, the matrix's silence mark (one query per such source)."""
    return last_logged_many([pairing_id]).get(pairing_id)


def last_logged_many(pairing_ids) -> dict[int, dt.date]:
    """``last_logged`` of many pairings (one grouped query per such source; pairings without
    such a record are left out)."""
    out: dict[int, dt.date] = {}
    ids = sorted(set(pairing_ids))
    if not ids:
        return out
    for s in sources():
        if not s.keeps_pair_active:
            continue
        qs = s.queryset()
        if s.active_condition is not None:
            qs = qs.filter(s.active_condition)
        rows = (qs.filter(**{f"{s.pairing_field}__in": ids}).order_by().values(s.pairing_field)
                .annotate(m=models.Max(s.date_field)).values_list(s.pairing_field, "m"))
        for pid, d in rows:
            if d is None:
                continue
            d = d.date() if isinstance(d, dt.datetime) else d
            if pid not in out or d > out[pid]:
                out[pid] = d
    return out


# --- per-pair summaries from the layers above (e.g. campaigns' annual plan) ----------------------

_SUMMARIES: dict[str, PairSummary] = {}


@dataclass
class PairSummary:
    """Something the pair's ledger page, its workbook and the matrix tiles show beside the records,
    computed by an app above this one (which this app may not import). ``for_pairings(ids, year,
    as_of)`` returns {pairing id: object} in a fixed number of queries however many ids;
    ``ledger_template`` renders ``summary`` (the object) on the pair's page, ``tile_template`` on
    the matrix tile; ``sheet(obj)`` gives the workbook sheet's (headers, rows); ``can_edit(user,
    pairing)`` whether the page offers its edit link."""

    key: str
    label: str
    for_pairings: Callable[[list[int], int, dt.date], dict[int, Any]]
    ledger_template: str = ""
    tile_template: str = ""
    sheet: Callable[[Any], tuple[list[str], list[list]]] | None = None
    can_edit: Callable[[Any, Any], bool] = lambda user, pairing: False  # (user, pairing): show the edit link


def register_summary(summary: PairSummary) -> PairSummary:
    _SUMMARIES[summary.key] = summary
    return summary


def summaries() -> list[PairSummary]:
    sources()  # discovers the apps' ledger modules, which register their summaries too
    return sorted(_SUMMARIES.values(), key=lambda s: s.key)


def summaries_for(pairing_ids, year: int, as_of: dt.date) -> list[tuple[PairSummary, dict[int, Any]]]:
    ids = list(pairing_ids)
    return [(s, s.for_pairings(ids, year, as_of) if ids else {}) for s in summaries()]


# --- this app's own sources ---------------------------------------------------------------------

def _register_own():
    from django.db.models import Sum
    from django.urls import reverse

    from .models import HelpPair, Inspection, InspectionKind, RectificationItem

    register(LedgerSource(
        key="leader_visits", label="领导联系点走访", model=Inspection, date_field="held_on",
        condition=Q(kind=InspectionKind.LEADER_VISIT), order=60,
        title=lambda i: f"{i.inspector or '领导'}走访{i.unit.name}({i.visitors}人次)",
        detail=lambda i: i.findings, select_related=("unit",),
        totals={"人次": Sum("visitors")},
        url=lambda i: reverse("pairings:inspection_detail", args=[i.pk]),
        columns=[("编码", lambda i: i.code), ("日期", lambda i: i.held_on), ("地点", lambda i: i.unit.name),
                 ("带队领导", lambda i: i.inspector), ("人次", lambda i: i.visitors),
                 ("情况", lambda i: i.findings)],
    ))
    register(LedgerSource(
        key="inspections", label="督查指导", model=Inspection, date_field="held_on",
        condition=Q(kind=InspectionKind.INSPECTION), order=70,
        title=lambda i: f"{i.get_method_display() or '督查指导'}:{i.unit.name}",
        detail=lambda i: i.findings, select_related=("unit",),
        totals={"人次": Sum("visitors")},
        url=lambda i: reverse("pairings:inspection_detail", args=[i.pk]),
        columns=[("编码", lambda i: i.code), ("日期", lambda i: i.held_on), ("地点", lambda i: i.unit.name),
                 ("方式", lambda i: i.get_method_display()), ("检查人", lambda i: i.inspector),
                 ("人次", lambda i: i.visitors), ("发现问题", lambda i: i.findings)],
    ))
    register(LedgerSource(
        key="rectifications", label="整改事项", model=RectificationItem, date_field="inspection__held_on",
        pairing_field="inspection__pairing", order=80,
        title=lambda r: f"整改:{r.description[:30]}({r.get_status_display()})",
        detail=lambda r: r.evidence or r.progress, select_related=("inspection", "responsible_unit"),
        totals={"已销号": Count("pk", filter=Q(status="closed"))},
        url=lambda r: reverse("pairings:rectification_detail", args=[r.pk]),
        columns=[("提出日期", lambda r: r.inspection.held_on), ("整改事项", lambda r: r.description),
                 ("责任单位", lambda r: r.responsible_unit.name), ("整改时限", lambda r: r.deadline),
                 ("状态", lambda r: r.get_status_display()), ("销号日期", lambda r: r.closed_on),
                 ("销号佐证", lambda r: r.evidence)],
    ))
    register(LedgerSource(
        key="help_pairs", label="帮扶对子", model=HelpPair, date_field="started_on", order=90,
        title=lambda h: f"{h.member_name}帮扶{h.household_name}({h.get_household_kind_display()})",
        detail=lambda h: h.measures,
        totals={"帮扶中": Count("pk", filter=Q(status="active"))},
        url=lambda h: reverse("pairings:helppair_list") + f"?pairing={h.pairing_id}",
        columns=[("结对日期", lambda h: h.started_on), ("帮扶党员", lambda h: h.member_name),
                 ("帮扶对象", lambda h: h.household_name), ("类别", lambda h: h.get_household_kind_display()),
                 ("帮扶措施", lambda h: h.measures), ("状态", lambda h: h.get_status_display())],
    ))


_register_own()
