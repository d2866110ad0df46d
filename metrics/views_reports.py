"""Report pages: reporting completeness, the bulletin, the dashboard workbook, the appraisal
tallies and the assessment. Every page takes ``?unit=CODE&campaign=SLUG&from=&to=``; a unit or
campaign outside the user's scope is a 404, like a missing one. Without parameters a page shows
the default unit, campaign and period of every page (metrics.figures); ``campaign=`` left empty
means all campaigns; ``verified=1`` counts verified records only (kept in every link and form), and
each page says how many activities await review."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from campaigns import services as campaign_services
from campaigns.models import Campaign, Survey, subject_choices
from campaigns.policy import can_enter_surveys, can_record_survey
from cobuild.pagination import paginate
from cobuild.params import code_or_404
from organizations.job_views import workbook_response
from organizations.models import Unit, UnitKind
from organizations.selectors import ancestors
from organizations.submissions import AlreadySubmitted, once, with_submit_token
from pairings.forms import add_service_error

from . import charts as charts_svg
from . import dashboard as dash
from . import figures, reports
from .forms_reports import AssessmentForm, PeriodForm, SurveyCompareForm, SurveyForm
from .jobs import dashboard_params

BULLETIN_CODES = ("pairings", "activities", "org_life_sessions", "democratic_life_meetings", "tech_visits",
                  "commitments_made", "commitments_done", "commitment_rate", "problems_solved")
COMPLETENESS_CODES = ("pairings", "activities", "org_life_sessions", "commitments_made")
HEADLINE_CODES = ("pairings", "activities", "org_life_sessions", "commitments_made", "commitment_rate",
                  "leader_visits", "problems_solved", "satisfaction_party_org")


@dataclass
class Scope:
    form: PeriodForm
    unit: Unit
    campaign: Campaign | None
    period: figures.Period

    @property
    def date_from(self):
        return self.period.date_from

    @property
    def date_to(self):
        return self.period.date_to

    @property
    def as_of(self):
        return self.period.as_of

    @property
    def args(self) -> tuple:
        return self.campaign, self.date_from, self.date_to

    @property
    def verified(self) -> bool:
        """The verified-only switch (仅统计已审核)."""
        return self.form.verified_only

    def query(self, **extra) -> str:
        q = {"unit": self.unit.code, "from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
             "campaign": self.campaign.slug if self.campaign is not None else ""}
        if self.verified:
            q["verified"] = "1"
        q.update(extra)
        return urlencode({k: v for k, v in q.items() if v is not None})


def _scope(request, form_class=PeriodForm) -> Scope:
    """Unit, campaign and period of a report page; what is not asked for follows the default
    rule of every page (metrics.figures): the scope's top, the default campaign, campaign to date."""
    data = request.GET.copy()
    if (data.get("unit") or "").strip():
        unit = get_object_or_404(Unit.objects.for_user(request.user),
                                 code=code_or_404(data["unit"], "没有这个单位。"))
    else:
        unit = figures.default_unit(request.user)
        if unit is None:
            raise Http404("没有可查看的单位")
    if "campaign" not in data:
        default = figures.default_campaign(figures.campaigns_for(request.user), unit, figures.today())
        if default is not None:
            data["campaign"] = default.slug
    form = form_class(data, user=request.user)
    form.is_valid()
    if "campaign" in form.errors:
        raise Http404("没有这个专项活动")
    return Scope(form, unit, form.cleaned_data.get("campaign"), form.period())


def _context(request, s: Scope, **extra) -> dict:
    """What every report page shows: unit, campaign, period, the switch (``vq`` keeps it in
    hand-built links, ``switch_qs`` flips it) and where the number awaiting review leads."""
    return {"unit": s.unit, "campaign": s.campaign, "date_from": s.date_from, "date_to": s.date_to,
            "as_of": s.as_of, "form": s.form, "query": s.query(), "breadcrumbs": ancestors(s.unit, request.user),
            "xlsx_url": f"{reverse('metrics:dashboard_xlsx')}?{s.query()}", "silent_days": figures.SILENT_DAYS,
            "verified_only": s.verified, "vq": "&verified=1" if s.verified else "",
            "switch_qs": s.query(verified=None if s.verified else "1"),
            "review_links": dash.review_links(request.user, s.unit, s.date_from, s.date_to),
            **extra}


# --- reporting completeness -------------------------------------------------------------------------

def completeness(request):
    s = _scope(request)
    months = figures.display_months(s.date_from, s.date_to)
    rows, total = figures.completeness_rates(s.unit, request.user, *s.args, verified_only=s.verified)
    villages = reports.village_list(s.unit, request.user)
    page = paginate(request, villages, 100)
    grid = figures.completeness_grid(page.object_list, *s.args, verified_only=s.verified)
    grid_rows = [(v, [grid[v.pk].get(m) for m in months]) for v in page.object_list]
    silent = Paginator(figures.silent_villages(s.unit, request.user, s.campaign, s.as_of, base=villages), 200
                       ).get_page(request.GET.get("spage"))
    summary = figures.summary(s.unit, *s.args, inds=figures.indicators(COMPLETENESS_CODES),
                              verified_only=s.verified)
    return render(request, "metrics/completeness.html", _context(
        request, s, months=months, rows=rows, total=total, page=page, grid_rows=grid_rows, silent=silent,
        headline=summary.figures, summary=summary))


# --- bulletin --------------------------------------------------------------------------------------

def bulletin(request):
    s = _scope(request)
    inds = figures.indicators()
    summary = figures.summary(s.unit, *s.args, inds=inds, verified_only=s.verified)
    figs = summary.by_code
    table_inds = [i for i in inds if i.code in BULLETIN_CODES]
    drill = figures.drill_down(s.unit, request.user, *s.args, table_inds, groups=("area", "village"),
                               verified_only=s.verified)
    rates = figures.reporting_total(s.unit, request.user, *s.args, verified_only=s.verified)
    silence = figures.silence(s.unit, request.user, s.campaign, s.as_of)
    charts = []  # (caption, inline SVG) from metrics.charts
    area_rows = [r for r in drill if r.kind == "child"]
    if area_rows:
        charts.append(("各单位共建活动(次)", charts_svg.bar_chart(
            [charts_svg.Bar(r.label, r.by_code["activities"].value) for r in area_rows],
            title="各单位共建活动", unit="次")))
    for t in figures.trends(s.unit, *s.args, [i for i in inds if i.code == "activities"], verified_only=s.verified):
        charts.append(("每月共建活动(次,折线为累计)", charts_svg.column_chart(
            [charts_svg.month_label(m) for m in t.months], t.values,
            title="每月共建活动", unit="次", cumulative=True)))
    title = f"{s.unit.name}{s.campaign.name if s.campaign else '党群共建'}活动简报"
    return render(request, "metrics/bulletin.html", _context(
        request, s, title=title, headline=[figs[c] for c in HEADLINE_CODES if c in figs], summary=summary,
        help_pairs=figs.get("help_pairs"),
        paragraphs=reports.summary_text(s.unit, figs, silence, rates, summary),
        table_inds=table_inds, drill=drill, silence=silence, rates=rates, charts=charts))


# --- dashboard workbook ----------------------------------------------------------------------------

def dashboard_xlsx(request):
    """Straight away for a small scope; a big one (units below) is built by the worker."""
    s = _scope(request)
    return workbook_response(
        request, workbook="dashboard", label=f"{s.unit.name}共建指标-{s.date_from:%Y%m%d}-{s.date_to:%Y%m%d}",
        params=dashboard_params(s.unit, s.campaign, s.period, s.verified),
        rows=Unit.objects.filter(path__startswith=s.unit.path).count())


# --- appraisal tallies (民主测评) --------------------------------------------------------------------

def survey_list(request):
    s = _scope(request)
    page = paginate(request, reports.surveys_for(request.user, s.unit, *s.args), 50)
    for row in page.object_list:  # the rows shown: each tally's own rate
        row.rate = reports.q2((row.satisfied + row.basically_satisfied) * 100 / row.ballots) if row.ballots else "—"
    return render(request, "metrics/survey_list.html", _context(
        request, s, page=page, satisfaction=reports.satisfaction(s.unit, *s.args),
        can_enter=can_enter_surveys(request.user), no_verified_switch=True))   # tallies are entered by officials


def _survey_form(request, survey: Survey | None):
    if not can_enter_surveys(request.user):
        raise PermissionDenied
    initial = {}
    if survey is not None:
        initial = {f: getattr(survey, f) for f in ("campaign", "unit", "subject", "held_on", "satisfied",
                                                   "basically_satisfied", "dissatisfied")}
    form = SurveyForm(request.POST or None, user=request.user, initial=initial)
    if survey is not None:
        form.fields["subject"].choices = subject_choices(include=survey.subject)   # a retired subject stays
    if survey is None:
        with_submit_token(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            with once(request, reverse("metrics:survey_list")) as claim:
                saved, created = campaign_services.survey_save(actor=request.user, survey=survey,
                                                               **form.cleaned_data)
                claim.made(saved, f"{reverse('metrics:survey_list')}?{urlencode({'unit': saved.unit.code})}")
        except AlreadySubmitted as dup:
            return dup.response(request)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, f"已{'登记' if created else '修改'}“{saved.unit.name}”的民主测评票数。")
            return redirect(f"{reverse('metrics:survey_list')}?{urlencode({'unit': saved.unit.code})}")
    return render(request, "metrics/survey_form.html", {"form": form, "survey": survey})


def survey_create(request):
    return _survey_form(request, None)


def survey_edit(request, pk):
    survey = get_object_or_404(Survey.objects.for_user(request.user).select_related("unit", "campaign"), pk=pk)
    if not can_record_survey(request.user, survey.unit):
        raise PermissionDenied
    return _survey_form(request, survey)


# --- assessment (考核) -------------------------------------------------------------------------------

def assessment(request):
    s = _scope(request, AssessmentForm)
    form = s.form
    level = form.cleaned_data.get("level") or (
        "village" if s.unit.kind == UnitKind.TOWNSHIP else "township")
    weights = form.weights() if not form.errors else {}
    scored, best = (reports.assess(s.unit, request.user, level, weights, *s.args, verified_only=s.verified)
                    if weights else ([], {}))
    summary = figures.summary(s.unit, *s.args, inds=[], verified_only=s.verified)
    page = paginate(request, scored, 100)
    first, rest = form.weight_rows()
    return render(request, "metrics/assessment.html", _context(
        request, s, level=level, level_label=figures.LEVEL_LABELS[level], levels=figures.LEVEL_LABELS,
        page=page, leader=scored[0] if scored else None, best=best, weights=weights,
        weight_first=first, weight_rest=rest, total_weight=sum(weights.values()) if weights else 0,
        summary=summary, weights_qs=_weights_qs(form),
        switch_qs=s.query(level=level, verified=None if s.verified else "1") + _weights_qs(form)))


def _weights_qs(form) -> str:
    """The weights asked for (kept in the links that flip the switch or climb the tree)."""
    if form.use_defaults or form.errors:
        return ""
    return "&" + urlencode({f"w_{code}": f"{w.normalize():f}" for code, w in form.weights().items()})


# --- 民主测评 year on year -------------------------------------------------------------------------

def survey_compare(request):
    """Each unit's satisfaction rate and ballots in a year beside the year before, the change in
    points coloured (``reports.survey_years``); ``?unit=&level=&year=&campaign=&subject=``."""
    data = request.GET
    if (data.get("unit") or "").strip():
        unit = get_object_or_404(Unit.objects.for_user(request.user), code=code_or_404(data["unit"], "没有这个单位。"))
    else:
        unit = figures.default_unit(request.user)
        if unit is None:
            raise Http404("没有可查看的单位")
    data = data.copy()
    data.setdefault("year", str(figures.today().year))
    form = SurveyCompareForm(data, user=request.user)
    cleaned = form.cleaned_data if form.is_valid() else {}
    if "campaign" in form.errors:
        raise Http404("没有这个专项活动")
    year = cleaned.get("year") or figures.today().year
    level = cleaned.get("level") or ("village" if unit.kind == UnitKind.TOWNSHIP else "township")
    subjects = reports.survey_subjects(cleaned.get("subject") or None)
    units = figures.level_units(unit, request.user, level).order_by("path")
    if cleaned.get("q"):
        units = units.filter(name__icontains=cleaned["q"])
    page = paginate(request, units, 50)
    campaign = cleaned.get("campaign")
    total = reports.survey_years([unit], year, subjects, campaign)[0]
    rows = reports.survey_years(list(page.object_list), year, subjects, campaign)
    return render(request, "metrics/survey_compare.html", {
        "unit": unit, "form": form, "year": year, "last_year": year - 1, "level": level,
        "level_label": figures.LEVEL_LABELS[level], "subjects": subjects, "total": total, "rows": rows,
        "page": page, "breadcrumbs": ancestors(unit, request.user),
        "has_below": unit.kind not in (*figures.VILLAGE_KINDS, *figures.BUREAU_KINDS),
        "query": urlencode({k: v for k, v in {"level": level, "year": year, "subject": cleaned.get("subject") or "",
                                              "campaign": campaign.slug if campaign else ""}.items() if v})})
