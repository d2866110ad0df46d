"""Assessment pages (考核方案): the list, a new scheme, a scheme's page (items, deduction rules,
review adjustments, the steps, and the live ranking or the frozen result beside the live one),
its POST endpoints and the frozen result's workbook.

A scheme outside ``AssessmentScheme.objects.for_user`` is a 404 (township, village and bureau
users see it only once published, and only their units' rows); a step or edit the user may not
make is a 403 (the services decide; ``policy.can_manage_assessment``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cobuild.pagination import paginate
from cobuild.spreadsheets import new_workbook, write_sheet, xlsx_response
from pairings.forms import add_service_error

from . import assessment
from . import services_assessment as services
from .forms_assessment import AdjustmentForm, ItemForm, RuleForm, SchemeFilter, SchemeForm
from .models import (
    AssessmentAdjustment,
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    DeductionRule,
    ScoringMethod,
)
from .policy import can_create_assessments, can_manage_assessment, sees_whole_scheme
from .reports import DEFAULT_WEIGHTS

ZERO = Decimal(0)


def _scheme(request, pk) -> AssessmentScheme:
    return get_object_or_404(AssessmentScheme.objects.for_user(request.user)
                             .select_related("unit", "campaign", "reviewed_by", "frozen_by", "published_by"), pk=pk)


def _error_text(e: ValidationError) -> str:
    if hasattr(e, "message_dict"):
        return ";".join(m for ms in e.message_dict.values() for m in ms)
    return ";".join(e.messages)


@require_GET
def scheme_list(request):
    f = SchemeFilter(request.GET or None)
    qs = AssessmentScheme.objects.for_user(request.user).select_related("unit", "campaign")
    if f.is_valid():
        if f.cleaned_data.get("q"):
            qs = qs.filter(Q(title__icontains=f.cleaned_data["q"]) | Q(unit__name__icontains=f.cleaned_data["q"]))
        if f.cleaned_data.get("status"):
            qs = qs.filter(status=f.cleaned_data["status"])
        if f.cleaned_data.get("year"):
            qs = qs.filter(year=f.cleaned_data["year"])
    page = paginate(request, qs.order_by("-year", "-pk"), 30)
    return render(request, "metrics/assessment_list.html", {
        "page": page, "filter": f, "can_create": can_create_assessments(request.user)})


def scheme_create(request):
    if not can_create_assessments(request.user):
        raise PermissionDenied
    form = SchemeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            scheme, _ = services.scheme_save(actor=request.user, title=d["title"], campaign=d["campaign"],
                                             unit=d["unit"], year=d["year"], level=d["level"],
                                             date_from=d["date_from"], date_to=d["date_to"])
        except ValidationError as e:
            add_service_error(form, e)
        else:
            if d.get("default_items"):
                from campaigns.models import Indicator

                for ind in Indicator.objects.filter(code__in=DEFAULT_WEIGHTS, active=True):
                    services.item_save(actor=request.user, scheme=scheme, indicator=ind, method=ScoringMethod.BEST,
                                       max_points=DEFAULT_WEIGHTS[ind.code])
            messages.success(request, f"已新建考核方案“{scheme.title}”。")
            return redirect("metrics:scheme_detail", pk=scheme.pk)
    return render(request, "metrics/assessment_form.html", {"form": form})


@require_GET
def scheme_detail(request, pk):
    scheme = _scheme(request, pk)
    whole = sees_whole_scheme(request.user, scheme)
    manage = can_manage_assessment(request.user, scheme.unit)
    items = list(scheme.items.select_related("indicator"))
    ctx = {"scheme": scheme, "whole": whole, "manage": manage, "items": items,
           "rules": list(scheme.rules.all()), "max_total": assessment.max_total(scheme),
           "steps": services.allowed_steps(request.user, scheme), "step_labels": services.STEP_LABELS}
    if scheme.is_frozen:
        results = AssessmentResult.objects.filter(scheme=scheme).for_user(request.user).select_related("unit__parent")
        page = paginate(request, results.order_by("rank", "unit_name"), 50)
        live = {s.unit.pk: s for s in assessment.score(scheme, scheme.frozen_as_of)}
        rows = [_frozen_row(r, live.get(r.unit_id)) for r in page.object_list]
        ctx.update(page=page, rows=rows, changed=any(x["changed"] for x in rows))
    elif whole:
        page = paginate(request, assessment.score(scheme), 50)
        ctx.update(page=page, rows=[_live_row(s) for s in page.object_list])
    else:  # for_user shows the others published schemes only
        raise Http404
    if manage and not scheme.is_frozen:
        units = assessment.assessed_units(scheme)
        ctx.update(item_form=ItemForm(), rule_form=RuleForm(), adjust_form=AdjustmentForm(units=units),
                   adjustments=list(scheme.adjustments.select_related("unit", "made_by")))
    elif whole:
        ctx["adjustments"] = list(scheme.adjustments.select_related("unit", "made_by"))
    return render(request, "metrics/assessment_scheme.html", ctx)


def _part(p: dict) -> dict:
    target, value = p["target"], p["value"]
    return {**p, "gap": max(ZERO, Decimal(target) - Decimal(value or 0)) if target is not None else None}


def _live_row(s: assessment.UnitScore) -> dict:
    return {"rank": s.rank, "unit": s.unit, "score": s.score, "base_points": s.base_points, "deducted": s.deducted,
            "adjusted": s.adjusted, "parts": [_part(p.as_json()) for p in s.parts], "deductions": s.deductions,
            "adjustments": s.adjustments}


def _frozen_row(r: AssessmentResult, now: assessment.UnitScore | None) -> dict:
    """The frozen row, each figure beside the live one now (``changed``: records moved since)."""
    live_parts = {p.code: p for p in now.parts} if now else {}
    parts = []
    for p in r.parts:
        lp = live_parts.get(p["code"])
        parts.append({**_part(p), "live_text": lp.text if lp else "—", "changed": lp is None or lp.text != p["text"]})
    diff = (now.score - r.score) if now else None
    return {"rank": r.rank, "unit": r.unit, "unit_name": r.unit_name, "score": r.score, "base_points": r.base_points,
            "deducted": r.deducted, "adjusted": r.adjusted, "parts": parts, "deductions": r.deductions,
            "adjustments": r.adjustments, "live_score": now.score if now else None, "diff": diff,
            "live_rank": now.rank if now else None,
            "changed": now is None or bool(diff) or any(p["changed"] for p in parts)
            or now.deducted != r.deducted}


def _pk(value: str) -> int:
    """A posted row id: ASCII digits only (anything else finds nothing)."""
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else 0


def _back(scheme):
    return redirect("metrics:scheme_detail", pk=scheme.pk)


def _run(request, scheme, fn, ok: str):
    try:
        fn()
    except ValidationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, ok)
    return _back(scheme)


def _manager(request, pk) -> AssessmentScheme:
    scheme = _scheme(request, pk)
    if not can_manage_assessment(request.user, scheme.unit):
        raise PermissionDenied
    return scheme


@require_POST
def scheme_item(request, pk):
    scheme = _manager(request, pk)
    if request.POST.get("delete"):
        item = get_object_or_404(AssessmentItem, scheme=scheme, pk=_pk(request.POST["delete"]))
        return _run(request, scheme, lambda: services.item_delete(actor=request.user, item=item),
                    f"已删除指标“{item.indicator.name}”。")
    form = ItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "添加指标失败:" + ";".join(f"{form[k].label}:{v[0]}" for k, v in form.errors.items()))
        return _back(scheme)
    d = form.cleaned_data
    return _run(request, scheme, lambda: services.item_save(
        actor=request.user, scheme=scheme, indicator=d["indicator"], method=d["method"], max_points=d["max_points"],
        cap_percent=d.get("cap_percent") or 100), f"已保存指标“{d['indicator'].name}”。")


@require_POST
def scheme_rule(request, pk):
    scheme = _manager(request, pk)
    if request.POST.get("delete"):
        rule = get_object_or_404(DeductionRule, scheme=scheme, pk=_pk(request.POST["delete"]))
        return _run(request, scheme, lambda: services.rule_delete(actor=request.user, rule=rule),
                    f"已删除扣分规则“{rule.get_kind_display()}”。")
    form = RuleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "保存扣分规则失败:" + ";".join(f"{form[k].label}:{v[0]}" for k, v in form.errors.items()))
        return _back(scheme)
    d = form.cleaned_data
    return _run(request, scheme, lambda: services.rule_save(
        actor=request.user, scheme=scheme, kind=d["kind"], points_each=d["points_each"], cap=d["cap"]),
        "已保存扣分规则。")


@require_POST
def scheme_adjust(request, pk):
    scheme = _manager(request, pk)
    if request.POST.get("delete"):
        adj = get_object_or_404(AssessmentAdjustment, scheme=scheme, pk=_pk(request.POST["delete"]))
        return _run(request, scheme, lambda: services.adjustment_delete(actor=request.user, adjustment=adj),
                    f"已撤销对“{adj.unit.name}”的调整。")
    form = AdjustmentForm(request.POST, units=assessment.assessed_units(scheme))
    if not form.is_valid():
        messages.error(request, "调整失败:" + ";".join(f"{form[k].label if k in form.fields else ''}:{v[0]}"
                                                     for k, v in form.errors.items()))
        return _back(scheme)
    d = form.cleaned_data
    return _run(request, scheme, lambda: services.adjustment_add(
        actor=request.user, scheme=scheme, unit=d["unit"], points=d["points"], reason=d["reason"]),
        f"已调整“{d['unit'].name}”{d['points']:+}分。")


@require_POST
def scheme_step(request, pk):
    scheme = _manager(request, pk)
    step = request.POST.get("step", "")
    label = services.STEP_LABELS.get(step, "操作")
    return _run(request, scheme, lambda: services.scheme_step(
        actor=request.user, scheme=scheme, step=step, note=request.POST.get("note", "")), f"考核方案已{label}。")


@require_GET
def scheme_xlsx(request, pk):
    """The frozen result as a workbook (the rows the user may see)."""
    scheme = _scheme(request, pk)
    if not scheme.is_frozen:
        messages.error(request, "考核结果冻结后才能导出。")
        return _back(scheme)
    results = list(AssessmentResult.objects.filter(scheme=scheme).for_user(request.user)
                   .select_related("unit__parent").order_by("rank", "unit_name"))
    names = [p["name"] for p in results[0].parts] if results else [i.indicator.name for i in scheme.items.all()]
    headers = ["名次", "单位", "所属", "总分", "指标得分", "扣分", "审核调整"]
    for n in names:
        headers += [f"{n}(数值)", f"{n}(目标)", f"{n}(得分)"]
    headers += ["扣分明细", "调整理由"]
    rows = []
    for r in results:
        row = [r.rank, r.unit_name, r.unit.parent.name if r.unit.parent else "", float(r.score),
               float(r.base_points), float(r.deducted), float(r.adjusted)]
        for p in r.parts:
            row += [p["text"], p["target"] or "", float(Decimal(p["points"]))]
        row += ["；".join(f"{d['label']}{d['count']}项 −{d['points']}" for d in r.deductions),
                "；".join(f"{a['points']}:{a['reason']}" for a in r.adjustments)]
        rows.append(row)
    wb = new_workbook()
    ws = wb.create_sheet("考核结果")
    write_sheet(ws, headers, rows)
    info = wb.create_sheet("说明")
    write_sheet(info, ["项目", "内容"], [
        ["方案", f"{scheme.year}年{scheme.title}"], ["专项活动", scheme.campaign.name],
        ["统计期间", f"{scheme.date_from:%Y-%m-%d} 至 {scheme.date_to:%Y-%m-%d}"],
        ["冻结时间", f"{scheme.frozen_at:%Y-%m-%d %H:%M}"],
        ["冻结人", scheme.frozen_by_name],
        ["状态", scheme.get_status_display()]])
    return xlsx_response(wb, f"{scheme.year}年{scheme.title}-考核结果.xlsx")

