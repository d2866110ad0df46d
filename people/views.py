"""Pages of the person register (人员名册) and the 推优/发展 pipeline.

Thin views: resolve scope (out of scope → 404), check the role (→ 403), validate a form, call one
service of ``people.services``, message and redirect. Phone numbers are shown through
``policy.shown_phone`` everywhere (page, list, export), and a person's page viewed by staff
outside the person's unit is logged (``services.person_viewed``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cobuild.pagination import paginate
from cobuild.params import id_or_404, parse_id, parse_text
from cobuild.spreadsheets import new_workbook, write_sheet, xlsx_response
from organizations.models import AREA_KINDS, EDITOR_ROLES, Organization, Role, Unit
from organizations.scoping import user_grants
from pairings.forms import add_service_error
from pairings.views_corrections import history_rows

from . import policy, services
from . import selectors as sel
from .forms import PersonFilterForm, PersonForm, PriorityForm, StepForm
from .models import STAGE_ORDER, Person, PersonStatus, Stage
from .views_service import person_sections

PER_PAGE = 30


def _filtered(request):
    user = request.user
    form = PersonFilterForm(request.GET, user=user)
    qs = sel.people(user)
    if not form.is_valid():
        return form, qs.none()
    d = form.cleaned_data
    return form, sel.filter_people(qs, q=d["q"].strip(), status=d["status"], tag=d["tag"], unit=d["unit"])


@require_GET
def person_list(request):
    user = request.user
    form, qs = _filtered(request)
    page = paginate(request, qs, PER_PAGE)
    for p in page.object_list:
        p.shown_phone = policy.shown_phone(user, p)
    return render(request, "people/person_list.html", {
        "form": form, "page": page, "counts": sel.status_counts(qs), "statuses": PersonStatus.choices,
        "can_create": policy.can_add_people(user), "query": request.GET.urlencode(),
    })


EXPORT_HEADERS = ["编码", "姓名", "所在单位", "性别", "出生年份", "学历", "职业", "一线", "联系电话", "政治面貌",
                  "何时起", "所在(培养)党组织", "推优组织", "标签"]


@require_GET
def person_export(request):
    """The register as filtered, as Excel: each phone number as the reader may see it."""
    user = request.user
    _form, qs = _filtered(request)
    qs = qs.select_related("recommended_by").order_by("unit__path", "name", "pk")
    rows = ([p.code, p.name, p.unit.name, p.get_gender_display(), p.birth_year or "", p.get_education_display(),
             p.occupation, "是" if p.frontline else "", policy.shown_phone(user, p), p.get_status_display(),
             p.status_since or "", p.branch.name if p.branch_id else "",
             p.recommended_by.name if p.recommended_by_id else "", "、".join(p.tag_labels)]
            for p in qs.iterator(chunk_size=2000))
    wb = new_workbook()
    ws = wb.create_sheet("人员名册")
    write_sheet(ws, EXPORT_HEADERS, rows, {2: 10, 3: 20, 12: 24, 13: 20, 14: 20})
    return xlsx_response(wb, f"人员名册-{timezone.localdate():%Y%m%d}.xlsx")


def _scoped_person(request, pk):
    return get_object_or_404(sel.people(request.user).select_related("recommended_by", "unit__parent"), pk=pk)


def _masked_history(user, person):
    rows = history_rows(person)
    if not policy.can_see_identity(user, person):
        label = str(Person._meta.get_field("phone").verbose_name)
        for h in rows:
            h.changes = [(lbl, policy.mask_phone(str(b)) if lbl == label else b,
                          policy.mask_phone(str(a)) if lbl == label else a) for lbl, b, a in h.changes]
    return rows


def person_detail(request, pk):
    user = request.user
    person = _scoped_person(request, pk)
    identity = policy.can_see_identity(user, person)
    services.person_viewed(actor=user, person=person, identity_shown=identity)
    steps = list(sel.person_steps(person))
    upcoming = policy.next_stage(person, steps)
    probation = next((s.date for s in steps if s.stage == Stage.PROBATIONARY), None)
    if probation is None and person.status == PersonStatus.PROBATIONARY:
        probation = person.status_since
    return render(request, "people/person_detail.html", {
        "earliest_full": policy.one_year_after(probation) if upcoming == Stage.MEMBER and probation else None,
        "person": person, "phone": policy.shown_phone(user, person), "identity": identity,
        "steps": steps, "next_stage": upcoming,
        "can_step": upcoming is not None and policy.can_record_step(user, person, upcoming),
        "can_edit": policy.can_edit_person(user, person),
        "memberships": person.memberships.select_related("unit").order_by("kind", "name"),
        "stage_table": [(Stage(s).label, "、".join(str(Role(r).label) for r in policy.STEP_ROLES[s]))
                        for s in STAGE_ORDER],
        "history": _masked_history(user, person),
        **person_sections(user, person),
    })


def _unit_for_new(request):
    user = request.user
    if request.GET.get("unit"):
        unit = get_object_or_404(Unit.objects.for_user(user), pk=id_or_404(request.GET["unit"], "没有这个单位。"))
        if not policy.can_edit_unit_records(user, unit):
            raise PermissionDenied("您没有权限在该单位登记人员。")
        return unit
    if not policy.can_add_people(user):
        raise PermissionDenied("只有县、乡工作人员、村(社区)书记和机关联络员可以登记人员。")
    grants = [g for g in user_grants(user) if g.role in EDITOR_ROLES]
    units = {g.unit_id for g in grants}
    if not user.is_superuser and len(units) == 1 and all(
            g.role in (Role.VILLAGE_SECRETARY, Role.BUREAU_LIAISON) for g in grants):
        return Unit.objects.filter(pk=units.pop()).first()
    return None


def _unit_picker(request):
    units = Unit.objects.for_user(request.user, roles=EDITOR_ROLES).exclude(kind__in=AREA_KINDS[:3])
    q = parse_text(request.GET.get("q"))
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return render(request, "campaigns/campaign_unit_picker.html", {
        "title": "登记人员:选择所在单位", "url_name": "people:person_create", "q": q,
        "page": paginate(request, units.select_related("parent").order_by("path"), PER_PAGE),
    })


def _save(request, form, unit, person):
    d = form.cleaned_data
    try:
        saved, _ = services.person_save(
            actor=request.user, person=person, unit=unit, name=d["name"], gender=d["gender"],
            birth_year=d["birth_year"], education=d["education"], occupation=d["occupation"],
            frontline=d["frontline"], phone=d.get("phone"), status=d.get("status"),
            **({"status_since": d["status_since"]} if "status_since" in d else {}),
            branch=d["branch"], recommended_by=d["recommended_by"], tags=d["tags"],
            memberships=list(d["memberships"]), notes=d["notes"])
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "您没有权限。")
    except ValidationError as exc:
        add_service_error(form, exc)
    else:
        return saved
    return None


def person_create(request):
    unit = _unit_for_new(request)
    if unit is None:
        return _unit_picker(request)
    form = PersonForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        person = _save(request, form, unit, None)
        if person is not None:
            messages.success(request, f"已登记{person.name}。")
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "unit": unit, "person": None})


def person_edit(request, pk):
    person = _scoped_person(request, pk)
    if not policy.can_edit_person(request.user, person):
        raise PermissionDenied("人员信息由其所在单位维护,您没有权限修改。")
    form = PersonForm(request.POST or None, unit=person.unit, instance=person,
                      show_phone=policy.can_see_identity(request.user, person),
                      status_locked=person.steps.exists())
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, person.unit, person)
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "unit": person.unit, "person": person})


def step_add(request, pk):
    user = request.user
    person = _scoped_person(request, pk)
    steps = list(sel.person_steps(person))
    stage = policy.next_stage(person, steps)
    if stage is None:
        messages.info(request, f"{person.name}已是正式党员,发展流程已完成。")
        return redirect("people:person_detail", pk=person.pk)
    if not policy.can_record_step(user, person, stage):
        raise PermissionDenied(policy.step_refusals(user, person=person, stage=stage, date=timezone.localdate(),
                                                    steps=steps, today=timezone.localdate())[0].message)
    form = StepForm(request.POST or None, person=person, stage=stage)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.pipeline_step_record(actor=user, person=person, stage=stage, date=d["date"],
                                          branch=d["branch"], recommended_by=d.get("recommended_by"),
                                          contacts=d["contacts"], remarks=d["remarks"])
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已登记:{person.name} {stage.label}。")
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/step_form.html", {
        "form": form, "person": person, "stage": stage, "steps": steps,
        "roles": "、".join(str(Role(r).label) for r in policy.STEP_ROLES[stage]),
    })


@require_GET
def board(request):
    """Per branch: how many people stand at each stage; with ``?branch=`` the people themselves."""
    user = request.user
    qs = sel.people(user)
    branch = None
    branch_id = parse_id(request.GET.get("branch"))
    if request.GET.get("branch"):
        branch = get_object_or_404(Organization.objects.for_user(user).select_related("unit"),
                                   pk=id_or_404(request.GET["branch"], "没有这个党组织。"))
    unit = None
    if request.GET.get("unit"):
        unit = get_object_or_404(Unit.objects.for_user(user), pk=id_or_404(request.GET["unit"], "没有这个单位。"))
        qs = qs.filter(unit__path__startswith=unit.path)
    ctx = {"branch": branch, "unit": unit, "statuses": [PersonStatus(s).label for s in sel.BOARD_STATUSES]}
    if branch is not None and branch_id:
        ctx["columns"] = sel.board_columns(qs.filter(branch=branch))
    else:
        ctx["page"] = paginate(request, sel.board_counts(qs), PER_PAGE)
    return render(request, "people/board.html", ctx)


@require_GET
def priorities(request):
    """四个优先: shares of 高学历, 年轻, 一线, 妇女 among those developed in a year, per unit."""
    user = request.user
    form = PriorityForm(request.GET or None, user=user)
    today = timezone.localdate()
    year, stage, unit = today.year, Stage.PROBATIONARY, None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"] or year
        stage = form.cleaned_data["stage"] or stage
        unit = form.cleaned_data["unit"]
    rows, total = sel.four_priorities(user, year, within=unit, stage=stage)
    page = paginate(request, rows, 50)
    return render(request, "people/priorities.html", {
        "form": form, "year": year, "stage": Stage(stage), "unit": unit, "page": page, "total": total,
        "years": list(range(today.year, today.year - 6, -1)), "today": today,
        "young_max": sel.YOUNG_MAX_AGE, "cutoff": dt.date(year - sel.YOUNG_MAX_AGE, 1, 1).year,
    })
