"""Pages of 双培双带, volunteer teams and hours, and 流动党员 (issue 12, part B).

Thin views like ``people.views``: scope (out of scope → 404), role (→ 403), a form, one service of
``people.services_service``. Contact numbers go through ``policy_service.shown_contact`` (the
register's masking rule) on the page and in the export.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cobuild.pagination import paginate
from cobuild.spreadsheets import new_workbook, write_sheet, xlsx_response
from pairings.forms import add_service_error

from . import policy_service as pol
from . import selectors as sel
from . import selectors_service as ssel
from . import services_service as svc
from .forms_service import ContactForm, RichLinkForm, ServiceFilterForm, ServiceRecordForm
from .models_service import MigrantRecord, RichLinkKind, VolunteerTeam

PER_PAGE = 30


def _filters(request):
    form = ServiceFilterForm(request.GET, user=request.user)
    if form.is_valid():
        return form, form.cleaned_data
    return form, {k: None for k in form.fields}


def _call(form, fn, **kwargs):
    try:
        return fn(**kwargs)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "您没有权限。")
    except ValidationError as exc:
        add_service_error(form, exc)
    return None


# --- 双培双带 -------------------------------------------------------------------------------------

@require_GET
def rich_list(request):
    user = request.user
    form, d = _filters(request)
    within, year = d.get("unit"), d.get("year")
    rows, total = ssel.rich_figures(user, within=within, year=year)
    links = ssel.rich_links(user, within=within, kind=d.get("kind") or "", q=(d.get("q") or "").strip())
    return render(request, "people/rich_list.html", {
        "form": form, "rows": rows, "total": total, "year": year,
        "page": paginate(request, links.order_by("-started_on", "pk"), PER_PAGE),
        "kinds": RichLinkKind.choices, "query": request.GET.urlencode(),
    })


def rich_add(request, pk):
    person = get_object_or_404(sel.people(request.user), pk=pk)
    if not pol.can_edit_people_of(request.user, person.unit):
        raise PermissionDenied("双培双带由人员所在单位维护,您没有权限登记。")
    form = RichLinkForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        link = _call(form, svc.rich_link_save, actor=request.user, person=person, kind=d["kind"],
                     started_on=d["started_on"], goal=d["goal"], responsible=d["responsible"],
                     help_pair=d["help_pair"], result=d["result"], achieved_on=d["achieved_on"])
        if link is not None:
            messages.success(request, f"已登记:{person.name} {link.get_kind_display()}。")
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/service_form.html", {
        "form": form, "title": f"登记双培双带:{person.name}", "back": person, "back_url": "people:person_detail",
        "note": f"{person.unit.name} · {person.get_status_display()}{' · 致富能手' if person.is_rich_leader else ''}",
    })


# --- volunteers ----------------------------------------------------------------------------------

@require_GET
def team_list(request):
    form, d = _filters(request)
    qs = ssel.teams(request.user, q=(d.get("q") or "").strip(), within=d.get("unit"))
    return render(request, "people/team_list.html", {
        "form": form, "page": paginate(request, qs.order_by("unit__path", "name", "pk"), PER_PAGE),
    })


def _scoped_team(request, pk):
    return get_object_or_404(VolunteerTeam.objects.for_user(request.user).select_related("unit", "leader"), pk=pk)


@require_GET
def team_detail(request, pk):
    team = _scoped_team(request, pk)
    year = timezone.localdate().year
    totals = {r["ref"]: r for r in ssel.volunteer_hours(request.user, year=year).filter(record__team=team)}
    members = list(team.members.select_related("unit").order_by("name"))
    for m in members:
        m.year_hours = totals.get(m.pk, {}).get("total") or 0
    return render(request, "people/team_detail.html", {
        "team": team, "members": members, "year": year,
        "page": paginate(request, ssel.team_services(team), PER_PAGE),
        "can_edit": pol.can_edit_people_of(request.user, team.unit),
        "team_total": sum((m.year_hours for m in members), 0),
    })


def service_add(request, pk):
    team = _scoped_team(request, pk)
    if not pol.can_edit_people_of(request.user, team.unit):
        raise PermissionDenied("服务记录由服务队所在单位维护,您没有权限登记。")
    members = team.members.order_by("name")
    form = ServiceRecordForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        record = _call(form, svc.service_record_save, actor=request.user, team=team, date=d["date"],
                       place=d["place"], content=d["content"], hours=form.hours())
        if record is not None:
            messages.success(request, f"已登记{team.name} {record.date:%Y-%m-%d} 的服务记录。")
            return redirect("people:team_detail", pk=team.pk)
    return render(request, "people/service_form.html", {
        "form": form, "title": f"登记服务记录:{team.name}", "back": team, "back_url": "people:team_detail",
        "note": "在参加服务的队员后填写时长(小时),未参加的留空。",
    })


def _hours_rows(request):
    form, d = _filters(request)
    year = d.get("year") or timezone.localdate().year
    by = d.get("by") or "person"
    rows = ssel.volunteer_hours(request.user, year=year, by=by, within=d.get("unit"), q=(d.get("q") or "").strip())
    return form, year, by, rows


@require_GET
def volunteer_hours(request):
    form, year, by, rows = _hours_rows(request)
    return render(request, "people/volunteer_hours.html", {
        "form": form, "year": year, "by": by, "page": paginate(request, rows, PER_PAGE),
        "query": request.GET.urlencode(),
    })


@require_GET
def volunteer_hours_export(request):
    """The hours report as Excel: names and totals only (no phone numbers leave in it)."""
    _form, year, by, rows = _hours_rows(request)
    headers = (["服务队", "所属单位", "服务次数", "参加人数", "服务时长(小时)"] if by == "team"
               else ["志愿者", "所在单位", "服务次数", "服务时长(小时)"])
    data = ([r["name"], r["unit"], r["services"], r["people"], float(r["total"] or 0)] if by == "team"
            else [r["name"], r["unit"], r["services"], float(r["total"] or 0)] for r in rows.iterator())
    wb = new_workbook()
    ws = wb.create_sheet("志愿服务时长")
    write_sheet(ws, headers, data, {1: 20, 2: 20})
    return xlsx_response(wb, f"志愿服务时长-{year}-{'服务队' if by == 'team' else '志愿者'}.xlsx")


# --- 流动党员 -------------------------------------------------------------------------------------

@require_GET
def migrant_list(request):
    user = request.user
    form, d = _filters(request)
    days = d.get("days") or ssel.OVERDUE_DAYS
    today = timezone.localdate()
    qs = ssel.migrants(user, q=(d.get("q") or "").strip(), within=d.get("unit"))
    overdue_qs = ssel.overdue_migrants(qs, days=days, today=today)
    shown = overdue_qs if d.get("overdue") else qs
    page = paginate(request, shown.order_by("person__unit__path", "person__name", "pk"), PER_PAGE)
    overdue_ids = set(overdue_qs.filter(pk__in=[m.pk for m in page.object_list]).values_list("pk", flat=True))
    for m in page.object_list:
        m.shown_contact = pol.shown_contact(user, m)
        m.can_edit = pol.can_edit_people_of(user, m.person.unit)
        m.is_overdue = m.pk in overdue_ids
        m.days_since = (today - (m.last_contact or m.since)).days
    return render(request, "people/migrant_list.html", {
        "form": form, "page": page, "days": days, "n_overdue": overdue_qs.count(), "n_all": qs.count(),
        "overdue": bool(d.get("overdue")),
    })


def contact_add(request, pk):
    m = get_object_or_404(MigrantRecord.objects.for_user(request.user).select_related("person__unit"), pk=pk)
    if not pol.can_edit_people_of(request.user, m.person.unit):
        raise PermissionDenied("流动党员由其所在单位联系管理,您没有权限登记联系记录。")
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        c = _call(form, svc.migrant_contact_add, actor=request.user, migrant=m, date=d["date"], way=d["way"],
                  content=d["content"], remote_meeting=d["remote_meeting"])
        if c is not None:
            messages.success(request, f"已登记与{m.person.name}的联系。")
            return redirect("people:migrant_list")
    return render(request, "people/service_form.html", {
        "form": form, "title": f"登记联系记录:{m.person.name}", "back": m.person, "back_url": "people:person_detail",
        "note": f"外出至{m.place}{'(' + m.employer + ')' if m.employer else ''},{m.since:%Y-%m-%d}起;联系人:{m.liaison or '—'}",
    })


# --- the person page's sections ---------------------------------------------------------------------

def person_sections(user, person) -> dict:
    """Context for the part-B sections of the person page (a few queries, whatever the person)."""
    migrations = list(person.migrations.select_related("keeper").prefetch_related("contacts").order_by("-since"))
    for m in migrations:
        m.shown_contact = pol.shown_contact(user, m)
    year = timezone.localdate().year
    return {
        "rich_links": list(person.rich_links.select_related("help_pair").order_by("-started_on")),
        "teams": list(person.volunteer_teams.select_related("unit").order_by("name")),
        "hours_year": year, "hours": ssel.person_hours(person, year),
        "hours_all": ssel.person_hours(person),
        "activities": list(person.activities.select_related("activity").order_by("-activity__date")[:20]),
        "migrations": migrations,
        "can_edit_b": pol.can_edit_people_of(user, person.unit),
    }
