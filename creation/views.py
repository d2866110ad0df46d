"""Pages of 三级联创: goals per year and level with their progress, the entries (filters, search,
pagination), an entry's page with its steps and history, and the four step forms.

Thin views: resolve scope (out of scope → 404), check the role (→ 403), validate a form, call one
service of ``creation.services``, message and redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cobuild.pagination import paginate
from cobuild.spreadsheets import new_workbook, write_sheet, xlsx_response
from pairings.forms import add_service_error
from pairings.views_corrections import history_rows

from . import policy, services
from . import selectors as sel
from .forms import DeclareForm, EntryFilterForm, GoalFilterForm, GoalForm, InspectForm, NameForm, ReturnForm
from .models import LEVEL_ORDER, Action, CreationEvidence, EntryStatus, Level

PER_PAGE = 30


def _latest_year(user) -> int | None:
    return sel.goals(user).order_by("-year").values_list("year", flat=True).first()


@require_GET
def goal_list(request):
    """Goals of a year (the latest with goals by default), per level, each with its progress."""
    user = request.user
    form = GoalFilterForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_bound and form.is_valid() and form.cleaned_data["year"] else None
    year = year or _latest_year(user) or timezone.localdate().year
    form = GoalFilterForm({"year": year})
    form.is_valid()
    goals = list(sel.goals(user).filter(year=year).order_by("county__path", "level"))
    goals.sort(key=lambda g: (g.county.path, LEVEL_ORDER.index(Level(g.level))))
    counts = sel.progress_for_goals(user, goals)
    for g in goals:
        g.progress = counts[g.pk]
    todo = sel.todo_counts(user, year) if policy.inspects_somewhere(user) else None
    mine = list(sel.own_entries(user, year))
    for e in mine:
        e.can_declare = policy.can_act(user, e, Action.DECLARE)
    return render(request, "creation/goal_list.html", {
        "form": form, "year": year, "goals": goals, "can_set": policy.can_set_goals_somewhere(user), "mine": mine,
        "todo": todo,
    })


@require_GET
def goal_detail(request, pk):
    user = request.user
    goal = get_object_or_404(sel.goals(user), pk=pk)
    return render(request, "creation/goal_detail.html", {
        "goal": goal, "progress": sel.progress(user, goal), "rows": sel.progress_by_township(user, goal),
        "can_edit": policy.can_set_goals(user, goal.county),
        "by_township": goal.level == Level.VILLAGE,
    })


def _goal_form(request, goal=None):
    user = request.user
    if goal is None and not policy.can_set_goals_somewhere(user):
        raise PermissionDenied("三级联创目标由县委组织部制定。")
    if goal is not None and not policy.can_set_goals(user, goal.county):
        raise PermissionDenied("三级联创目标由县委组织部制定,您没有权限修改。")
    initial = {}
    if goal is not None:
        initial = {f: getattr(goal, f) for f in ("county", "year", "level", "title", "standards", "target_count",
                                                 "target_percent")}
    form = GoalForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved, created = services.goal_save(
                actor=user, goal=goal, county=d["county"], year=d["year"], level=d["level"], title=d["title"],
                standards=d["standards"], target_count=d["target_count"], target_percent=d["target_percent"])
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已{'制定' if created else '保存'}:{saved}。")
            return redirect("creation:goal_detail", pk=saved.pk)
    return render(request, "creation/goal_form.html", {"form": form, "goal": goal})


def goal_create(request):
    return _goal_form(request)


def goal_edit(request, pk):
    goal = get_object_or_404(sel.goals(request.user), pk=pk)
    return _goal_form(request, goal)


def _filtered(request):
    user = request.user
    form = EntryFilterForm(request.GET, user=user)
    qs = sel.entries(user)
    if form.is_valid():
        d = form.cleaned_data
        qs = sel.filter_entries(qs, year=d["year"], level=d["level"], status=d["status"], township=d["township"],
                                q=(d["q"] or "").strip(), todo=d["todo"], user=user)
    else:
        qs = qs.none()
    return form, qs.order_by("-goal__year", "goal__level", "unit__path")


@require_GET
def entry_list(request):
    form, qs = _filtered(request)
    return render(request, "creation/entry_list.html", {
        "form": form, "page": paginate(request, qs, PER_PAGE), "counts": sel.status_counts(qs),
        "statuses": EntryStatus.choices, "query": request.GET.urlencode(),
    })


EXPORT_HEADERS = ["年度", "层级", "创建目标", "所属", "创建单位", "状态", "一把手", "一把手职务", "联系领导", "申报日期",
                  "验收日期", "命名日期", "命名单位", "命名文号"]


@require_GET
def entry_export(request):
    """The list as filtered, as Excel (for reporting upward)."""
    _form, qs = _filtered(request)
    rows = ([e.goal.year, e.goal.get_level_display(), e.goal.title, e.unit.parent.name if e.unit.parent_id else "",
             e.unit.name, e.get_status_display(), e.leader_name, e.leader_post, e.contact_leader,
             e.declared_on or "", e.inspected_on or "", e.named_on or "", e.naming_unit, e.doc_number]
            for e in qs.iterator(chunk_size=2000))
    wb = new_workbook()
    ws = wb.create_sheet("三级联创")
    write_sheet(ws, EXPORT_HEADERS, rows, {3: 16, 4: 14, 5: 18, 7: 10, 9: 16, 13: 16, 14: 20})
    return xlsx_response(wb, f"三级联创-{timezone.localdate():%Y%m%d}.xlsx")


def _entry(request, pk):
    return get_object_or_404(sel.entries(request.user).select_related("goal__county", "leader"), pk=pk)


@require_GET
def entry_detail(request, pk):
    user = request.user
    entry = _entry(request, pk)
    steps = list(sel.entry_steps(entry))
    level = Level(entry.goal.level)
    declare_who, upper_who = policy.WHO[level]
    return render(request, "creation/entry_detail.html", {
        "entry": entry, "steps": steps, "history": history_rows(entry),
        "can_declare": policy.can_act(user, entry, Action.DECLARE),
        "can_inspect": policy.can_act(user, entry, Action.PASS),
        "can_name": policy.can_act(user, entry, Action.NAME),
        "can_return": policy.can_act(user, entry, Action.RETURN),
        "declare_who": declare_who, "upper_who": upper_who,
        "last_fail": next((s for s in reversed(steps) if s.action in (Action.FAIL, Action.RETURN)), None),
    })


def _step_page(request, pk, action, form_class, template_title, call, form_kwargs=None):
    """The shared shape of the four step forms: role (403) before state, then the form."""
    user = request.user
    entry = _entry(request, pk)
    if not policy.may(user, entry, action):
        raise PermissionDenied(f"“{template_title}”只能由{policy.who_label(entry, action)}办理。")
    if entry.status not in policy.TRANSITIONS[action][0]:
        messages.warning(request, f"{entry.unit.name}现为“{entry.get_status_display()}”,不能{template_title}。")
        return redirect("creation:entry_detail", pk=entry.pk)
    form = form_class(request.POST or None, request.FILES or None, **(form_kwargs(entry) if form_kwargs else {}))
    if request.method == "POST" and form.is_valid():
        try:
            message = call(user, entry, form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, message)
            return redirect("creation:entry_detail", pk=entry.pk)
    declaration = None
    if action != Action.DECLARE:   # the upper level decides on what was declared: show it
        declaration = sel.entry_steps(entry).filter(action=Action.DECLARE).order_by("-date", "-pk").first()
    return render(request, "creation/step_form.html", {"form": form, "entry": entry, "title": template_title,
                                                       "who": policy.who_label(entry, action),
                                                       "declaration": declaration})


def entry_declare(request, pk):
    def call(user, entry, d):
        services.entry_declare(actor=user, entry=entry, date=d["date"], statement=d["statement"],
                               leader=d["leader"], leader_name=d["leader_name"], leader_post=d["leader_post"],
                               contact_leader=d["contact_leader"], links=d["links"], files=d["files"])
        return f"已申报:{entry.unit.name} {entry.goal.title},等待{policy.who_label(entry, Action.PASS)}验收。"
    return _step_page(request, pk, Action.DECLARE, DeclareForm, "申报", call, form_kwargs=lambda e: {"entry": e})


def entry_inspect(request, pk):
    def call(user, entry, d):
        services.entry_inspect(actor=user, entry=entry, date=d["date"], passed=d["result"],
                               inspectors=d["inspectors"], findings=d["findings"], reasons=d["reasons"],
                               files=d["files"])
        return f"已登记验收结论:{entry.unit.name} {'验收通过' if d['result'] else '验收未通过'}。"
    return _step_page(request, pk, Action.PASS, InspectForm, "验收", call)


def entry_name(request, pk):
    def call(user, entry, d):
        services.entry_name(actor=user, entry=entry, date=d["date"], doc_number=d["doc_number"],
                            naming_unit=d["naming_unit"], award_ref=d["award_ref"], files=d["files"])
        return f"已命名:{entry.unit.name}为“{entry.goal.title}”({d['doc_number']})。"
    return _step_page(request, pk, Action.NAME, NameForm, "命名", call, form_kwargs=lambda e: {"entry": e})


def entry_return(request, pk):
    def call(user, entry, d):
        services.entry_return(actor=user, entry=entry, date=d["date"], reason=d["reason"])
        return f"已退回:{entry.unit.name},需重新申报。"
    return _step_page(request, pk, Action.RETURN, ReturnForm, "退回", call)


@require_GET
def evidence(request, pk):
    ev = get_object_or_404(CreationEvidence.objects.select_related("step"), pk=pk)
    get_object_or_404(sel.entries(request.user), pk=ev.step.entry_id)
    try:
        handle = ev.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件不存在。") from None
    response = FileResponse(handle, as_attachment=True, filename=ev.name, content_type="application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response
