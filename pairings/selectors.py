"""Reads for the pairing register, the pair's ledger and the matrix.

Every selector starts from ``Pairing.objects.for_user(user)``, so a pair outside the user's scope
never shows up (and its pages are 404). Aggregation happens in SQL; each selector issues a fixed
number of queries however many pairs and records there are. The ledger is read only through the
registry in :mod:`pairings.ledger`, never through a record model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.utils import timezone

from organizations.models import Unit

from . import ledger
from .models import SILENT_AMBER_DAYS, SILENT_RED_DAYS, Pairing, PairingStatus

MARKS = ("green", "amber", "red")
MARK_LABELS = {"green": "正常", "amber": "黄色预警", "red": "红色预警"}

# Sort keys of the register: key -> ordering (ascending); "-key" sorts descending.
REGISTER_SORTS = {
    "code": "结对编码",
    "village": "结对村",
    "bureau": "帮建单位",
    "start": "开始日期",
    "last": "最近活动",
}
MATRIX_SORTS = {
    "count": "记录数",
    "last": "最近活动",
    "village": "结对村",
    "bureau": "帮建单位",
}


def _ordering(key: str) -> list:
    desc = key.startswith("-")
    key = key.lstrip("-")
    if key == "count":
        first = F("n_records").desc() if desc else F("n_records").asc()
    elif key == "last":
        first = (F("last_logged_on").desc(nulls_last=True) if desc
                 else F("last_logged_on").asc(nulls_first=True))
    else:
        name = {"code": "code", "village": "village__name", "bureau": "bureau__name",
                "start": "start_date"}.get(key, "code")
        first = F(name).desc() if desc else F(name).asc()
    return [first, "code"] if key != "code" else [first]


# --- scope and filter choices ----------------------------------------------------------------------

def pairings_for(user):
    """The pairs the user may see: those whose village or bureau is inside their scope."""
    return Pairing.objects.for_user(user)


def pairing_queryset(user):
    """Scoped pairs with what a pair's page shows (for ``get_object_or_404``)."""
    return pairings_for(user).select_related("campaign", "bureau", "village__parent")


@dataclass
class Choices:
    """Filter choices, built from the user's own pairs (so a posted id outside scope is refused);
    ``townships`` is a queryset (a province has a thousand: the filter searches them)."""

    townships: object = None
    campaigns: list = field(default_factory=list)  # Campaign instances

    @property
    def has_pairings(self) -> bool:
        return bool(self.campaigns)  # every pair belongs to a campaign


def pair_townships(user):
    """The townships (the villages' parents) of the user's pairs: the township filter's choices."""
    return Unit.objects.filter(pk__in=pairings_for(user).values("village__parent_id")).order_by("path")


def filter_choices(user) -> Choices:
    """Townships (``pair_townships``, not read here) and campaigns of the user's pairs."""
    mine = pairings_for(user)
    # The campaign model through the relation: campaigns sits above pairings (no import).
    campaign_model = Pairing.campaign.field.related_model
    campaigns = campaign_model.objects.filter(pk__in=mine.values("campaign_id")).order_by("-start_date", "name")
    return Choices(townships=pair_townships(user), campaigns=list(campaigns))


def _filtered(user, *, q="", township=None, status="", campaign=None, unit=None):
    qs = pairings_for(user)
    if township is not None:
        qs = qs.filter(village__parent=township)
    if unit is not None:  # a dashboard's unit: the pairs of its villages, or of the bureau
        qs = qs.filter(Q(village__path__startswith=unit.path) | Q(bureau__path__startswith=unit.path))
    if status:
        qs = qs.filter(status=status)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(code__icontains=q) | Q(bureau__name__icontains=q) | Q(village__name__icontains=q)
            | Q(bureau_contact__icontains=q) | Q(village_contact__icontains=q)
            | Q(bureau_phone__icontains=q) | Q(village_phone__icontains=q)
        )
    return qs


def silence_mark(today: dt.date | None = None):
    """SQL for :func:`pairings.models.silence_level`: 'green' / 'amber' / 'red' from ``last_logged_on``."""
    today = today or timezone.localdate()
    return Case(
        When(last_logged_on__isnull=True, then=Value("red")),
        When(last_logged_on__lt=today - dt.timedelta(days=SILENT_RED_DAYS), then=Value("red")),
        When(last_logged_on__lt=today - dt.timedelta(days=SILENT_AMBER_DAYS), then=Value("amber")),
        default=Value("green"),
        output_field=CharField(),
    )


def _mark_q(mark: str, today: dt.date) -> Q:
    amber_from = today - dt.timedelta(days=SILENT_AMBER_DAYS)
    red_from = today - dt.timedelta(days=SILENT_RED_DAYS)
    if mark == "green":
        return Q(last_logged_on__gte=amber_from)
    if mark == "amber":
        return Q(last_logged_on__lt=amber_from, last_logged_on__gte=red_from)
    if mark == "red":
        return Q(last_logged_on__isnull=True) | Q(last_logged_on__lt=red_from)
    if mark == "silent":
        return Q(last_logged_on__isnull=True) | Q(last_logged_on__lt=amber_from)
    return Q()


# --- the register ----------------------------------------------------------------------------------

def pairing_register(user, *, q="", township=None, status="", campaign=None, sort="code", today=None,
                     unit=None):
    """The register: the user's pairs, searched, filtered and sorted, each with its ``mark``."""
    sort = sort if sort.lstrip("-") in REGISTER_SORTS else "code"
    return (
        _filtered(user, q=q, township=township, status=status, campaign=campaign, unit=unit)
        .select_related("campaign", "bureau", "village__parent")
        .annotate(mark=silence_mark(today))
        .order_by(*_ordering(sort))
    )


# --- the ledger ------------------------------------------------------------------------------------

def default_period(pairing) -> tuple[dt.date | None, dt.date | None]:
    """The ledger's default period: the campaign's."""
    return pairing.campaign.start_date, pairing.campaign.end_date


@dataclass
class Month:
    month: dt.date  # the first of the month
    entries: list


@dataclass
class Ledger:
    pairing: Pairing
    date_from: dt.date | None
    date_to: dt.date | None
    totals: list[dict]
    months: list[Month]
    count: int


def pairing_ledger(pairing, date_from=None, date_to=None, *, newest_first=False) -> Ledger:
    """Everything recorded under the pair in the period: totals per source and the entries in
    time order grouped by month (one or two queries per registered source)."""
    totals = ledger.totals(pairing, date_from, date_to)
    entries = ledger.entries(pairing, date_from, date_to)  # newest first
    if not newest_first:
        entries.reverse()
    months = [Month(dt.date(y, m, 1), list(group))
              for (y, m), group in groupby(entries, key=lambda e: (e.date.year, e.date.month))]
    return Ledger(pairing, date_from, date_to, totals, months, len(entries))


def ledger_sheets(pairing, date_from=None, date_to=None):
    """For the workbook: (source, records in time order) for every registered source."""
    return [(s, list(s.rows(pairing.pk, date_from, date_to).reverse())) for s in ledger.sources()]


# --- the matrix ------------------------------------------------------------------------------------

def matrix_base(user, *, campaign=None, township=None, status=PairingStatus.ACTIVE):
    """The pairs of the matrix before the mark filter (the summary counts all marks)."""
    return _filtered(user, township=township, status=status, campaign=campaign)


def silence_summary(base, today=None) -> dict:
    """How many pairs are green, amber and red, in one aggregate query."""
    today = today or timezone.localdate()
    counts = base.order_by().aggregate(
        total=Count("pk"), **{m: Count("pk", filter=_mark_q(m, today)) for m in MARKS})
    counts["silent"] = counts["amber"] + counts["red"]
    return counts


#: a matrix of more pairs than this is ordered by latest activity unless asked otherwise: ordering
#: by the record count needs every pair's count in the period (a county's few hundred pairs: fine;
#: a province's 15,000: a second or more), any other order reads only the page's pairs' counts
COUNT_SORT_MAX = 200                # the matrix's page: a scope that fits in one page is counted anyway


def default_matrix_sort(total: int) -> str:
    return "-count" if total <= COUNT_SORT_MAX else "-last"


def _with_counts(qs, date_from, date_to, today):
    qs = qs.select_related("campaign", "bureau", "village__parent").annotate(mark=silence_mark(today))
    return ledger.annotate_record_counts(qs, date_from, date_to)


def _marked(base, mark, today):
    return base.filter(_mark_q(mark, today)) if mark in (*MARKS, "silent") else base


def matrix_rows(base, *, date_from=None, date_to=None, mark="", sort="-count", today=None):
    """Each pair with ``n_records`` (and ``n_<source>``) in the period and its ``mark``."""
    today = today or timezone.localdate()
    sort = sort if sort.lstrip("-") in MATRIX_SORTS else "-count"
    return _with_counts(_marked(base, mark, today), date_from, date_to, today).order_by(*_ordering(sort))


def matrix_ids(base, *, mark="", sort="-last", today=None):
    """The matrix's pair ids in order, for any order but the record count (``matrix_rows``): a
    page of them is then read with ``rows_for_ids``, so the counts are read for that page only."""
    today = today or timezone.localdate()
    if sort.lstrip("-") not in MATRIX_SORTS or sort.lstrip("-") == "count":
        raise ValueError(f"matrix_ids cannot order by {sort!r}")
    return _marked(base, mark, today).order_by(*_ordering(sort)).values_list("pk", flat=True)


_SILENT_ORDER = (F("last_logged_on").asc(nulls_first=True), "village__name", "code")


def silent_pairings(base, *, date_from=None, date_to=None, today=None):
    """Amber and red pairs, longest silent first, with both sides' contacts."""
    today = today or timezone.localdate()
    return _with_counts(base.filter(_mark_q("silent", today)), date_from, date_to, today).order_by(*_SILENT_ORDER)


def silent_ids(base, *, today=None):
    """The ids of ``silent_pairings`` in its order (a page of them: ``rows_for_ids``)."""
    today = today or timezone.localdate()
    return base.filter(_mark_q("silent", today)).order_by(*_SILENT_ORDER).values_list("pk", flat=True)


def rows_for_ids(ids, *, date_from=None, date_to=None, today=None) -> list:
    """The pairs of ``ids`` (a page, already in scope and in order) with their counts in the period
    and their mark, in the order of ``ids``: one query, the counts read for these pairs only."""
    today = today or timezone.localdate()
    ids = list(ids)
    found = {p.pk: p for p in _with_counts(Pairing.objects.filter(pk__in=ids), date_from, date_to, today)}
    return [found[i] for i in ids if i in found]


def days_silent(pairing, today=None) -> int | None:
    """Days since the pair's last record (None: nothing ever logged)."""
    if pairing.last_logged_on is None:
        return None
    return ((today or timezone.localdate()) - pairing.last_logged_on).days
