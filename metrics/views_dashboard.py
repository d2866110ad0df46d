"""The dashboard (看板) and the targets page (目标任务).

``/metrics/dashboard/?unit=<pk>&campaign=<slug>&from=&to=&verified=1`` — any unit of the user's
scope (else 404); by default the user's scope root, the default campaign and period of every page
(:mod:`metrics.figures`: the campaign's start to today); ``campaign=`` empty: all campaigns;
``verified=1``: verified records only (kept in every link and form of the page). ``/metrics/targets/?unit=&campaign=`` — the targets set below a unit, with
progress, and for county admins and township staff the form that sets them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.models import IndicatorKind
from cobuild.pagination import paginate
from cobuild.params import id_or_404, parse_id
from organizations.models import AREA_KINDS, Unit
from organizations.selectors import ancestors

from . import charts, figures, policy, services
from . import dashboard as dash
from .forms_targets import TargetForm
from .models import Target
from .views import _date, verified_asked

TARGETS_PAGE = 100


def _unit(request) -> Unit:
    raw = request.GET.get("unit") or request.POST.get("unit")
    if raw:
        return get_object_or_404(Unit.objects.for_user(request.user), pk=id_or_404(raw, "没有这个单位。"))
    unit = figures.default_unit(request.user)
    if unit is None:
        raise Http404("您的账号还没有授权单位。")
    return unit


def _campaign(request, unit, on, allow_all=True):
    """The campaign asked for; ``campaign=`` left empty: all campaigns (where allowed); without
    the parameter: the default campaign (metrics.figures)."""
    campaigns = list(figures.campaigns_for(request.user))
    asked = "campaign" in request.GET or "campaign" in request.POST
    slug = request.GET.get("campaign") or request.POST.get("campaign")
    if slug:
        found = next((c for c in campaigns if c.slug == slug), None)
        if found is None:
            raise Http404("没有这个专项活动。")
        return found, campaigns
    if asked and allow_all:
        return None, campaigns
    return figures.default_campaign(campaigns, unit, on), campaigns


def _indicator(indicators, code, default):
    return next((i for i in indicators if i.code == code), None) or next(
        (i for i in indicators if i.code == default), indicators[0] if indicators else None)


def dashboard(request):
    on = figures.today()
    unit = _unit(request)
    campaign, campaigns = _campaign(request, unit, on)
    period = figures.period(campaign, _date(request.GET.get("from")), _date(request.GET.get("to")), on)
    date_from, date_to, as_of = period.date_from, period.date_to, period.as_of
    verified = verified_asked(request.GET)
    indicators = figures.indicators()

    # Headline figures for the period (with the number awaiting review and the registers), and
    # progress against the unit's targets (campaign to date).
    summary = figures.summary(unit, campaign, date_from, date_to, indicators, verified_only=verified)
    figs = summary.figures
    targets = {}
    cumulative = {}
    if campaign is not None:
        targets = {t.indicator_id: t for t in Target.objects.filter(campaign=campaign, unit=unit)}
        if (date_from, date_to) == (campaign.start_date, as_of):
            cumulative = {f.indicator.pk: f for f in figs}     # the default period: campaign to date
        elif targets:
            cumulative = {f.indicator.pk: f for f in figures.figures(
                unit, campaign, campaign.start_date, as_of, [i for i in indicators if i.pk in targets],
                verified_only=verified)}

    def link(code, kind=""):
        return dash.record_link(code, kind, unit, campaign, date_from, date_to, verified)

    cards = []
    for f in figs:
        t = targets.get(f.indicator.pk)
        if f.indicator.code not in dash.HEADLINE and t is None:
            continue
        progress = figures.target_progress(t, cumulative[f.indicator.pk], campaign, as_of) if t else None
        cards.append(dash.Card(f, link(f.indicator.code, f.indicator.kind), progress))
    all_rows = [(f, link(f.indicator.code, f.indicator.kind)) for f in figs]
    register_links = {code: link(code) for code in ("help_pairs_registered", "joint_meetings_held")}

    prog_ind = _indicator(indicators, request.GET.get("ind"), "activities")
    drill_cols = [i for i in indicators if i.code in dash.DRILL]
    drill = figures.drill_down(unit, request.user, campaign, date_from, date_to, drill_cols, fold=dash.DRILL_SHOWN,
                               expand=request.GET.get("expand", ""), progress_indicator=prog_ind, as_of=as_of,
                               verified_only=verified)

    trends = figures.trends(unit, campaign, date_from, max(as_of, date_from),
                            [i for i in indicators if i.code in dash.TREND], verified_only=verified)
    trend_charts = [(t, charts.column_chart([charts.month_label(m) for m in t.months], t.values,
                                            title=f"{t.indicator.name}(按月)", unit=t.indicator.unit,
                                            cumulative=True)) for t in trends]

    rank_ind = _indicator(indicators, request.GET.get("rank"), "activities")
    window = request.GET.get("window") if request.GET.get("window") in dash.RANK_WINDOWS else "period"
    r_from, r_to = dash.rank_window(window, period)
    prev_from, prev_to = figures.previous_period(r_from, r_to)
    ranks = figures.rankings(unit, request.user, campaign, rank_ind, r_from, r_to,
                             verified_only=verified) if rank_ind else []
    rank_charts = []
    for r in ranks:
        if r.total < 2:
            continue
        bars = [charts.Bar(row.unit.name, row.value, charts.COLOURS["series"],
                           note=_moved(row), href=_dash_url(row.unit, campaign, date_from, date_to, verified))
                for row in r.top]
        rank_charts.append((r, charts.bar_chart(bars, title=f"{r.label}排名:{rank_ind.name}",
                                                unit=rank_ind.unit)))

    warn = figures.warnings(unit, request.user, campaign, as_of, on, listed=dash.SILENT_LISTED)
    return render(request, "metrics/dashboard.html", {
        "unit": unit, "breadcrumbs": ancestors(unit, request.user), "campaign": campaign, "campaigns": campaigns,
        "date_from": date_from, "date_to": date_to, "as_of": as_of, "today": on,
        "cards": cards, "figures": figs, "all_rows": all_rows, "summary": summary, "verified_only": verified,
        "register_links": register_links, "review_links": dash.review_links(request.user, unit, date_from, date_to),
        "vq": "&verified=1" if verified else "",
        "drill": drill, "drill_cols": drill_cols, "prog_ind": prog_ind, "indicators": indicators,
        "trend_charts": trend_charts,
        "rank_ind": rank_ind, "rank_charts": rank_charts, "window": window, "windows": dash.RANK_WINDOWS,
        "rank_from": r_from, "rank_to": r_to, "prev_from": prev_from, "prev_to": prev_to,
        "warn": warn, "warn_links": dash.warning_links(unit, campaign, as_of), "silent_days": figures.SILENT_DAYS,
        "rank_shown": dash.RANK_SHOWN,
        "expected": figures.expected_share(campaign.start_date, campaign.end_date, as_of) if campaign else None,
        "rate_kind": IndicatorKind.RATE,
        "base_qs": _base_qs(unit, campaign, date_from, date_to, verified),
        "switch_qs": _base_qs(unit, campaign, date_from, date_to, not verified),
        "report_qs": _base_qs(unit, campaign, date_from, date_to, verified, by_code=True),
    })


def _base_qs(unit, campaign, date_from, date_to, verified=False, by_code=False) -> str:
    """The dashboard's own query (for the links that keep unit, campaign, period and the
    verified-only switch); ``by_code``: the report pages' query (they name the unit by its code,
    CONTRACT.md)."""
    params = {"unit": unit.code if by_code else unit.pk, "from": date_from.isoformat(), "to": date_to.isoformat(),
              "campaign": campaign.slug if campaign is not None else ""}
    if verified:
        params["verified"] = "1"
    return urlencode(params)


def _moved(row) -> str:
    if row.moved > 0:
        return f"↑{row.moved}"
    if row.moved < 0:
        return f"↓{-row.moved}"
    return "–"


def _dash_url(unit, campaign, date_from, date_to, verified=False) -> str:
    return reverse("metrics:dashboard") + "?" + _base_qs(unit, campaign, date_from, date_to, verified)


# --- targets -----------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def targets(request):
    today = figures.today()
    unit = _unit(request)
    campaign, campaigns = _campaign(request, unit, today, allow_all=False)
    if campaign is None:
        raise Http404("还没有专项活动。")
    can_set = policy.can_set_targets_below(request.user, unit)
    children = list(Unit.objects.for_user(request.user).filter(parent=unit).order_by("sort_order", "kind", "name"))
    form = None
    if can_set:
        form = TargetForm(request.POST or None, unit=unit, children=children)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            what, target_of = d["apply_to"]
            try:
                if what == "kind":
                    n = services.targets_apply(actor=request.user, campaign=campaign, parent=unit, kind=target_of,
                                               indicator=d["indicator"], value=d["value"], due_date=d["due_date"],
                                               note=d["note"])
                    messages.success(request, f"已下达:新增{n['created']}个,调整{n['updated']}个,"
                                              f"未变{n['unchanged']}个。")
                else:
                    _, created = services.target_save(actor=request.user, campaign=campaign, unit=target_of,
                                                      indicator=d["indicator"], value=d["value"],
                                                      due_date=d["due_date"], note=d["note"])
                    messages.success(request, f"已{'下达' if created else '调整'}“{target_of.name}”的目标。")
                return redirect(f"{reverse('metrics:targets')}?unit={unit.pk}&campaign={campaign.slug}")
            except PermissionDenied as e:
                form.add_error(None, str(e))
            except ValidationError as e:
                form.add_error(None, e)
    elif request.method == "POST":
        raise PermissionDenied("您没有权限下达目标任务。")

    as_of = figures.period(campaign, on=today).as_of
    qs = (Target.objects.for_user(request.user).filter(campaign=campaign, unit__path__startswith=unit.path)
          .select_related("unit", "indicator").order_by("indicator__order", "unit__path"))
    page = paginate(request, qs, TARGETS_PAGE)
    rows = list(page.object_list)
    progress = figures.targets_progress(rows, campaign, as_of)
    for t in rows:
        t.figure, t.progress = progress[t.pk]
        t.bar = charts.progress_bar(t.progress.percent, rag=t.progress.rag, expected=t.progress.expected)
        t.can_delete = policy.can_set_target(request.user, t.unit)
    return render(request, "metrics/dashboard_targets.html", {
        "unit": unit, "breadcrumbs": ancestors(unit, request.user), "campaign": campaign, "campaigns": campaigns,
        "form": form, "page": page, "rows": rows, "as_of": as_of, "area_children": [c for c in children if c.kind in AREA_KINDS],
        "expected": figures.expected_share(campaign.start_date, campaign.end_date, as_of),
    })


@require_POST
def target_delete(request, pk):
    target = get_object_or_404(Target.objects.for_user(request.user).select_related("unit", "campaign"), pk=pk)
    services.target_delete(actor=request.user, target=target)
    messages.success(request, f"已撤销“{target.unit.name}”的目标。")
    back = parse_id(request.POST.get("unit")) or target.unit_id
    return redirect(f"{reverse('metrics:targets')}?unit={back}&campaign={target.campaign.slug}")
