"""Annual plans per pairing (共建计划): the plan form and the county's list of pairs behind plan.

Thin views: the pair comes from the user's scope (404 outside it), the form is checked, one
service writes (``plan_save``), the figures come from ``campaigns.plans``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cobuild.pagination import paginate
from cobuild.params import parse_id
from cobuild.spreadsheets import new_workbook, write_sheet, xlsx_response
from pairings import selectors as pairing_selectors

from . import plans
from .forms_plans import BehindFilterForm, PlanForm
from .models import PairingPlan
from .policy import can_edit_plan
from .services import plan_save

BEHIND_PAGE = 50


def _year(value, today) -> int:
    year = parse_id(value)
    return year if year and 2000 <= year <= 2100 else today.year


def plan_edit(request, pk):
    pairing = get_object_or_404(pairing_selectors.pairing_queryset(request.user), pk=pk)
    if not can_edit_plan(request.user, pairing):
        raise PermissionDenied("您没有权限编制该结对的共建计划。")
    today = timezone.localdate()
    year = _year(request.POST.get("year") or request.GET.get("year"), today)
    plan = PairingPlan.objects.filter(pairing=pairing, year=year).prefetch_related("items").first()
    form = PlanForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plan_save(actor=request.user, pairing=pairing, year=year, items=form.items(),
                      note=form.cleaned_data["note"], expected_version=form.cleaned_data.get("version"))
        except ValidationError as e:
            for msg in e.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, f"{year}年共建计划已保存。")
            return redirect(reverse("pairings:detail", args=[pairing.pk]) + f"?year={year}#plan")
    return render(request, "campaigns/plan_form.html", {
        "pairing": pairing, "year": year, "plan": plan, "form": form,
        "years": [today.year - 1, today.year, today.year + 1],
    })


def _behind(request):
    user = request.user
    today = timezone.localdate()
    choices = pairing_selectors.filter_choices(user)
    years = list(range(today.year + 1, today.year - 4, -1))
    data = request.GET.copy()
    data.setdefault("year", str(today.year))
    form = BehindFilterForm(data, choices=choices, years=years)
    year = form.value("year", today.year)
    base = pairing_selectors.pairings_for(user)
    if form.township_unit is not None:
        base = base.filter(village__parent=form.township_unit)
    if form.campaign_obj is not None:
        base = base.filter(campaign=form.campaign_obj)
    q = form.value("q", "").strip()
    if q:
        base = base.filter(Q(code__icontains=q) | Q(village__name__icontains=q) | Q(bureau__name__icontains=q))
    measure = form.value("measure", "")
    progress = plans.progress(base, year, today)
    behind = {pid: p for pid, p in progress.items()
              if p.behind and (not measure or any(line.measure == measure for line in p.behind_lines))}
    rows = (base.filter(pk__in=list(behind)).select_related("campaign", "bureau", "village__parent")
            .order_by("village__parent__path", "village__name", "code"))
    stats = {"planned": len(progress), "behind": len(behind),
             "without": base.exclude(plans__year=year).count(),
             "due": plans.quarters_ended(year, today)}
    return form, year, rows, behind, stats, today


@require_GET
def plan_behind(request):
    form, year, rows, behind, stats, today = _behind(request)
    page = paginate(request, rows, BEHIND_PAGE)
    page.object_list = list(page.object_list)
    for p in page.object_list:
        p.plan = behind[p.pk]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "campaigns/plan_behind.html", {
        "form": form, "year": year, "page": page, "stats": stats, "today": today,
        "export_query": query.urlencode(),
    })


@require_GET
def plan_behind_xlsx(request):
    form, year, rows, behind, stats, today = _behind(request)
    wb = new_workbook()
    ws = wb.create_sheet("滞后于计划的结对")
    headers = ["结对编码", "所属乡镇", "结对村(社区)", "帮建单位", "滞后项目", "截至目前计划", "截至目前完成", "差额",
               "全年计划", "全年完成"]

    def body():
        for p in rows.iterator(chunk_size=500):
            for line in behind[p.pk].behind_lines:
                yield [p.code, p.village.parent.name if p.village.parent_id else "", p.village.name, p.bureau.name,
                       line.label, line.planned_to_date, line.done_to_date, line.shortfall,
                       line.planned_year, line.done_year]

    write_sheet(ws, headers, body(), {3: 20, 4: 24, 5: 22})
    ws.append([])
    ws.append([f"{year}年共建计划,截至第{stats['due']}季度末(已结束的季度)统计;完成数按已提交、已审核的共建活动"
               f"及其成效(退回的不算);导出日期 {today:%Y-%m-%d}。"])
    return xlsx_response(wb, f"滞后于计划的结对-{year}-{today:%Y%m%d}.xlsx")


__all__ = ["plan_behind", "plan_behind_xlsx", "plan_edit"]
