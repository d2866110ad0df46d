"""The pairing register, the pair's ledger (共建工作台帐) and the matrix of all pairs.

Thin views: resolve scope (``selectors.pairing_queryset``: out of scope is 404), read the GET
filters through forms whose id choices come from the user's own pairs, call the selectors.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cobuild.pagination import paginate
from cobuild.params import parse_id
from cobuild.spreadsheets import xlsx_response
from organizations.job_views import workbook_response
from organizations.models import Unit
from organizations.scoping import in_scope

from . import selectors
from .filters import MatrixFilterForm, PeriodForm, RegisterFilterForm, this_year
from .workbooks import silent_workbook

REGISTER_PAGE = 50
MATRIX_PAGE = selectors.COUNT_SORT_MAX   # a scope that fits in one page is ordered by its record count
SILENT_PAGE = 50


def _query(request, drop=("page",), **changes) -> str:
    """The current query string with ``changes`` applied (``None`` removes a key)."""
    q = request.GET.copy()
    for key in drop:
        q.pop(key, None)
    for key, value in changes.items():
        if value is None:
            q.pop(key, None)
        else:
            q[key] = value
    return f"?{q.urlencode()}"


def _sort_headers(request, sorts, current, descending_first=("count",)) -> dict:
    """For each sort key: the link that sorts by it (toggling the direction) and the current one."""
    out = {}
    for key in sorts:
        if current == key:
            nxt, direction = f"-{key}", "asc"
        elif current == f"-{key}":
            nxt, direction = key, "desc"
        else:
            nxt, direction = (f"-{key}" if key in descending_first else key), ""
        out[key] = {"url": _query(request, sort=nxt), "dir": direction, "label": sorts[key]}
    return out


@require_GET
def pairing_list(request):
    choices = selectors.filter_choices(request.user)
    form = RegisterFilterForm(request.GET, choices=choices)
    filters = form.filters()
    unit_pk = parse_id(request.GET.get("unit"))  # a dashboard's unit (its figure 结对数 leads here)
    filters["unit"] = Unit.objects.for_user(request.user).filter(pk=unit_pk).first() if unit_pk else None
    pairings = selectors.pairing_register(request.user, **filters)
    page = paginate(request, pairings, REGISTER_PAGE)
    return render(request, "pairings/pairing_list.html", {
        "form": form, "filters": filters, "choices": choices, "page": page,
        "sorts": _sort_headers(request, selectors.REGISTER_SORTS, filters["sort"]),
        "filtered": any(v for k, v in filters.items() if k != "sort"),
    })


def _pairing_and_period(request, pk):
    pairing = get_object_or_404(selectors.pairing_queryset(request.user), pk=pk)
    period = PeriodForm(request.GET, default=selectors.default_period(pairing))
    return pairing, period, *period.period()


def _summary_year(request, today: dt.date) -> int:
    """The year of the pair summaries (annual plan): ``?year=`` or this year."""
    year = parse_id(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else today.year


@require_GET
def pairing_detail(request, pk):
    from . import ledger

    pairing, period, date_from, date_to = _pairing_and_period(request, pk)
    newest_first = request.GET.get("order") == "desc"
    data = selectors.pairing_ledger(pairing, date_from, date_to, newest_first=newest_first)
    today = timezone.localdate()
    year = _summary_year(request, today)
    summaries = [{"summary": s, "value": values.get(pairing.pk), "can_edit": s.can_edit(request.user, pairing)}
                 for s, values in ledger.summaries_for([pairing.pk], year, today)]
    return render(request, "pairings/pairing_detail.html", {
        "pairing": pairing, "ledger": data, "period": period, "newest_first": newest_first,
        "summaries": summaries, "summary_year": year,
        "campaign_period": selectors.default_period(pairing),
        "bureau_link": in_scope(request.user, pairing.bureau),
        "village_link": in_scope(request.user, pairing.village),
        "export_query": request.GET.urlencode(),
        "query_order": _query(request, order=None if newest_first else "desc"),
        "all_time": _query(request, **{"from": "", "to": ""}),
        "campaign_query": _query(request, **{"from": None, "to": None}),
    })


@require_GET
def ledger_xlsx(request, pk):
    from . import ledger

    pairing, _, date_from, date_to = _pairing_and_period(request, pk)
    records = sum(row["count"] for row in ledger.totals(pairing, date_from, date_to))
    # A pair with many records gets its workbook from the worker (progress page, download).
    return workbook_response(
        request, workbook="ledger", label=f"共建工作台帐-{pairing.village.name}-{pairing.bureau.name}",
        params={"pairing": pairing.pk, "from": date_from.isoformat() if date_from else "",
                "to": date_to.isoformat() if date_to else ""}, rows=records)


def _matrix_filters(request):
    today = timezone.localdate()
    choices = selectors.filter_choices(request.user)
    form = MatrixFilterForm(request.GET, choices=choices)
    period = PeriodForm(request.GET, default=this_year(today))
    base = selectors.matrix_base(request.user, **form.filters())
    return today, choices, form, period, base, *period.period()


def _presets(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    return [
        ("近30天", today - dt.timedelta(days=30), today),
        ("近90天", today - dt.timedelta(days=90), today),
        ("本年", dt.date(today.year, 1, 1), today),
        ("上年", dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
    ]


@require_GET
def matrix(request):
    today, choices, form, period, base, date_from, date_to = _matrix_filters(request)
    summary = selectors.silence_summary(base, today)
    tab = "silent" if request.GET.get("tab") == "silent" else "grid"
    default_sort = selectors.default_matrix_sort(summary["total"])
    sort = form.value("sort", default_sort)
    mark = form.value("mark", "")
    if tab == "grid" and sort.lstrip("-") == "count":
        page = paginate(request, selectors.matrix_rows(base, date_from=date_from, date_to=date_to, mark=mark,
                                                       sort=sort, today=today), MATRIX_PAGE)
        page.object_list = list(page.object_list)
    else:
        # a page of ids in order, then that page's pairs with their counts
        ids = (selectors.silent_ids(base, today=today) if tab == "silent"
               else selectors.matrix_ids(base, mark=mark, sort=sort, today=today))
        page = paginate(request, ids, SILENT_PAGE if tab == "silent" else MATRIX_PAGE)
        page.object_list = selectors.rows_for_ids(page.object_list, date_from=date_from, date_to=date_to,
                                                  today=today)
    from . import ledger

    year = (date_to or today).year
    found = ledger.summaries_for([p.pk for p in page.object_list], year, today)
    for p in page.object_list:
        p.days_silent = selectors.days_silent(p, today)
        p.summaries = [(s, values.get(p.pk)) for s, values in found]
    return render(request, "pairings/matrix.html", {
        "form": form, "period": period, "date_from": date_from, "date_to": date_to, "today": today,
        "summary": summary, "tab": tab, "page": page, "choices": choices, "summary_year": year,
        "mark": mark, "sort": sort, "sort_is_default": sort == default_sort, "default_sort": default_sort,
        "sorts": _sort_headers(request, selectors.MATRIX_SORTS, sort),
        "marks": selectors.MARK_LABELS,
        "presets": [(label, _query(request, **{"from": a.isoformat(), "to": b.isoformat()}))
                    for label, a, b in _presets(today)],
        "mark_links": {m: _query(request, mark=None if form.value("mark") == m else m)
                       for m in (*selectors.MARKS, "silent")} | {"all": _query(request, mark=None)},
        "mark_label": {**selectors.MARK_LABELS, "silent": "沉默(黄+红)"}.get(mark, ""),
        "tab_links": {"grid": _query(request, tab=None), "silent": _query(request, tab="silent")},
        "all_time": _query(request, **{"from": "", "to": ""}),
    })


@require_GET
def silent_xlsx(request):
    today, _, _, _, base, date_from, date_to = _matrix_filters(request)
    rows = selectors.silent_pairings(base, date_from=date_from, date_to=date_to, today=today)
    return xlsx_response(silent_workbook(rows.iterator(chunk_size=500), today, date_from, date_to),
                         f"沉默结对清单-{today:%Y%m%d}.xlsx")
