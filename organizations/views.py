from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cobuild.pagination import paginate
from cobuild.params import parse_text

from . import selectors, services
from .forms import LeaderForm
from .job_views import workbook_response
from .models import COVERAGE_LABELS, Leader, Organization, Unit, UnitKind
from .policy import can_edit_unit_records, can_manage_unit


@login_not_required
@never_cache
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


def _scoped_unit(request, pk):
    return get_object_or_404(Unit.objects.for_user(request.user), pk=pk)


def unit_detail(request, pk):
    unit = _scoped_unit(request, pk)
    children = selectors.children_with_counts(unit, request.user)
    kind = request.GET.get("kind", "")
    if kind in UnitKind.values:
        children = children.filter(kind=kind)
    q = parse_text(request.GET.get("q"))
    if q:
        children = children.filter(Q(name__icontains=q) | Q(code__icontains=q))
    page = paginate(request, children, 50)
    page.object_list = selectors.attach_child_counts(unit, page.object_list)
    organizations = (
        Organization.objects.for_user(request.user).filter(unit=unit)
        .select_related("led_by").order_by("kind", "name")
    )
    leaders = unit.leaders.select_related("organization").order_by("position", "name")
    coverage = selectors.unit_coverage(unit)
    return render(request, "organizations/unit_detail.html", {
        "unit": unit,
        "breadcrumbs": selectors.ancestors(unit, request.user),
        "totals": selectors.subtree_totals(unit) if unit.is_area else None,
        "page": page,
        "kind": kind,
        "q": q,
        "child_kinds": UnitKind.choices,
        "organizations": organizations,
        "leaders": leaders,
        "coverage": [(key, COVERAGE_LABELS[key], present) for key, present in coverage.items()],
        "can_manage": can_manage_unit(request.user, unit),
        "can_edit": can_edit_unit_records(request.user, unit),
    })


def unit_list(request):
    units = Unit.objects.for_user(request.user).select_related("parent")
    q = parse_text(request.GET.get("q"))
    kind = request.GET.get("kind", "")
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if kind in UnitKind.values:
        units = units.filter(kind=kind)
    page = paginate(request, units.order_by("path"), 50)
    return render(request, "organizations/unit_list.html", {
        "page": page, "q": q, "kind": kind, "kinds": UnitKind.choices,
    })


def coverage(request, pk):
    unit = _scoped_unit(request, pk)
    rows, total = selectors.coverage_rows(unit, request.user)
    spots = selectors.blank_spots(unit, request.user)
    if request.GET.get("export") == "xlsx":
        # A big scope's workbook is built by the worker (progress page, then the download).
        return workbook_response(request, workbook="coverage", label=f"党群组织覆盖情况-{unit.name}",
                                 params={"unit": unit.pk},
                                 rows=total.villages["total"] + total.enterprises["total"])
    page = paginate(request, spots, 50)
    return render(request, "organizations/coverage.html", {
        "unit": unit,
        "breadcrumbs": selectors.ancestors(unit, request.user),
        "rows": rows,
        "total": total,
        "page": page,
        "labels": COVERAGE_LABELS,
    })


def _editable_unit(request, pk):
    unit = _scoped_unit(request, pk)
    if not can_edit_unit_records(request.user, unit):
        raise PermissionDenied
    return unit


def leader_create(request, pk):
    unit = _editable_unit(request, pk)
    form = LeaderForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.leader_save(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, f"已添加负责人“{form.cleaned_data['name']}”。")
            return redirect("organizations:unit_detail", pk=unit.pk)
    return render(request, "organizations/leader_form.html", {"form": form, "unit": unit, "leader": None})


def _editable_leader(request, pk):
    leader = get_object_or_404(Leader.objects.for_user(request.user).select_related("unit"), pk=pk)
    if not can_edit_unit_records(request.user, leader.unit):
        raise PermissionDenied
    return leader


def leader_edit(request, pk):
    leader = _editable_leader(request, pk)
    form = LeaderForm(request.POST or None, unit=leader.unit, instance=leader)
    if request.method == "POST" and form.is_valid():
        try:
            services.leader_save(actor=request.user, leader=leader, unit=leader.unit, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, f"已保存负责人“{leader.name}”。")
            return redirect("organizations:unit_detail", pk=leader.unit_id)
    return render(request, "organizations/leader_form.html",
                  {"form": form, "unit": leader.unit, "leader": leader})


def leader_delete(request, pk):
    leader = _editable_leader(request, pk)
    if request.method == "POST":
        unit_id, name = leader.unit_id, leader.name
        services.leader_delete(actor=request.user, leader=leader)
        messages.success(request, f"已删除负责人“{name}”。")
        return redirect("organizations:unit_detail", pk=unit_id)
    return render(request, "organizations/leader_confirm_delete.html", {"leader": leader, "unit": leader.unit})
