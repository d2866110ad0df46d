"""Pages for leaders' contact points, inspections (督查), rectification (整改) and help pairs.

Thin views: fetch through the user's scope (not yours = 404), check the verb's predicate from
``pairings.services`` (wrong role = 403), validate a scoped form, call one service, message and
redirect. A service's ValidationError becomes a form error.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cobuild.pagination import paginate
from cobuild.params import local_url, parse_id, parse_text
from organizations.submissions import AlreadySubmitted, once, with_submit_token

from . import policy, services
from . import supervision_selectors as sel
from .forms import (
    ContactPointForm,
    HelpPairForm,
    HelpPairStatusForm,
    InspectionForm,
    RectificationCloseForm,
    RectificationForm,
    RectificationProgressForm,
    VisitForm,
    add_service_error,
)
from .models import (
    ContactPoint,
    HelpPair,
    HelpStatus,
    Inspection,
    InspectionKind,
    RectificationItem,
)
from .supervision_filters import HelpPairFilterForm, InspectionFilterForm, RectificationFilterForm
from .views_corrections import correction_page, history_rows, require_correct, save_correction, with_reason

PER_PAGE = 30


def _render(request, template, context):
    """Render with what the section's tabs need (``pairings/supervision_nav.html``)."""
    context.setdefault("nav_supervisor", policy.can_supervise(request.user))
    return render(request, template, context)


def _page(request, qs, per_page=PER_PAGE):
    return paginate(request, qs, per_page)


def _history(obj):
    return obj.history.select_related("history_user").order_by("-history_date", "-history_id")


# --- contact points (联系点) -------------------------------------------------------------------------

def contactpoint_list(request):
    qs = sel.contact_points(request.user)
    q = parse_text(request.GET.get("q"))
    if q:
        qs = qs.filter(Q(leader_name__icontains=q) | Q(unit__name__icontains=q) | Q(leader_title__icontains=q))
    return _render(request, "pairings/contactpoint_list.html", {
        "page": _page(request, qs), "q": q, "tab": "contactpoints",
        "can_create": policy.can_create_contact_points(request.user),
    })


def _contact_point(request, pk):
    return get_object_or_404(ContactPoint.objects.for_user(request.user).select_related("unit", "campaign"), pk=pk)


def contactpoint_detail(request, pk):
    cp = _contact_point(request, pk)
    visits = cp.visits.select_related("pairing__bureau", "pairing__village").order_by("-held_on", "-pk")
    totals = cp.visits.aggregate(n=Count("pk"), people=Coalesce(Sum("visitors"), 0))
    return _render(request, "pairings/contactpoint_detail.html", {
        "cp": cp, "page": _page(request, visits), "totals": totals, "tab": "contactpoints",
        "can_visit": policy.can_record_inspection(request.user, cp.unit),
        "can_edit": policy.can_set_contact_point(request.user, cp.unit),
    })


def contactpoint_create(request):
    if not policy.can_create_contact_points(request.user):
        raise PermissionDenied("只有县级组织部管理员可以设置领导联系点。")
    return _contactpoint_form(request, None)


def contactpoint_edit(request, pk):
    cp = _contact_point(request, pk)
    if not policy.can_set_contact_point(request.user, cp.unit):
        raise PermissionDenied("只有县级组织部管理员可以修改领导联系点。")
    return _contactpoint_form(request, cp)


def _contactpoint_form(request, cp):
    form = ContactPointForm(request.POST or None, user=request.user, instance=cp)
    if request.method == "POST" and form.is_valid():
        try:
            cp = services.contact_point_save(actor=request.user, contact_point=cp,
                                             user=cp.user if cp else None, **form.cleaned_data)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, f"已保存{cp.leader_name}的联系点“{cp.unit.name}”。")
            return redirect("pairings:contactpoint_detail", pk=cp.pk)
    return _render(request, "pairings/contactpoint_form.html", {"form": form, "cp": cp, "tab": "contactpoints"})


def contactpoint_visit(request, pk):
    """Record a leader's visit to the contact point (an inspection of kind leader_visit)."""
    cp = _contact_point(request, pk)
    if not policy.can_record_inspection(request.user, cp.unit):
        raise PermissionDenied("只有督查人员或县级组织部管理员可以登记联系点走访。")
    form = with_submit_token(VisitForm(request.POST or None, user=request.user, contact_point=cp), request)
    if request.method == "POST" and form.is_valid():
        back = reverse("pairings:contactpoint_detail", args=[cp.pk])
        try:
            with once(request, back) as claim:
                visit, _ = services.inspection_save(actor=request.user, unit=cp.unit, contact_point=cp,
                                                    kind=InspectionKind.LEADER_VISIT, **form.cleaned_data)
                claim.made(visit, back)
        except AlreadySubmitted as dup:
            return dup.response(request)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, f"已登记{form.cleaned_data['held_on']:%Y-%m-%d}的走访。")
            return redirect("pairings:contactpoint_detail", pk=cp.pk)
    return _render(request, "pairings/contactpoint_visit_form.html", {"form": form, "cp": cp, "tab": "contactpoints"})


# --- inspections (督查) ----------------------------------------------------------------------------

def inspection_list(request):
    form = InspectionFilterForm(request.GET or None, user=request.user)
    qs = form.filter(sel.inspections(request.user))
    return _render(request, "pairings/inspection_list.html", {
        "page": _page(request, qs), "filter": form, "filtered": bool(request.GET.dict().keys() - {"page"}),
        "can_create": policy.can_supervise(request.user), "tab": "inspections",
    })


def _inspection(request, pk):
    return get_object_or_404(
        Inspection.objects.for_user(request.user).select_related(
            "unit__parent", "campaign", "pairing__bureau", "pairing__village", "contact_point", "created_by"),
        pk=pk)


def inspection_detail(request, pk):
    inspection = _inspection(request, pk)
    items = inspection.rectifications.select_related("responsible_unit", "created_by").order_by("deadline", "pk")
    can_record = policy.can_record_inspection(request.user, inspection.unit)
    return _render(request, "pairings/inspection_detail.html", {
        "inspection": inspection, "items": items, "can_edit": can_record, "can_add_item": can_record,
        "can_correct": policy.can_correct(request.user, inspection.unit),
        "history": history_rows(inspection, 10), "tab": "inspections",
    })


def inspection_correct(request, pk):
    """更正 of an inspection record by a county admin, with a required reason."""
    inspection = _inspection(request, pk)
    require_correct(policy.can_correct(request.user, inspection.unit))
    form = with_reason(InspectionForm(request.POST or None, user=request.user, instance=inspection),
                       example="实际参加检查4人次,原填2人次系笔误")
    if request.method == "POST" and form.is_valid() and save_correction(
            form, lambda: services.inspection_save(actor=request.user, inspection=inspection, correction=True,
                                                   **form.cleaned_data)):
        messages.success(request, "已更正督查记录,理由已记入历史。")
        return redirect("pairings:inspection_detail", pk=inspection.pk)
    return correction_page(request, form=form, record=inspection, title="更正督查走访记录",
                           back_url=reverse("pairings:inspection_detail", args=[inspection.pk]),
                           back_label=f"{inspection.held_on:%Y-%m-%d} {inspection.unit.name}")


def inspection_create(request):
    if not policy.can_supervise(request.user):
        raise PermissionDenied("只有督查人员或县级组织部管理员可以登记督查走访。")
    return _inspection_form(request, None)


def inspection_edit(request, pk):
    inspection = _inspection(request, pk)
    if not policy.can_record_inspection(request.user, inspection.unit):
        raise PermissionDenied("您没有权限修改该督查记录。")
    return _inspection_form(request, inspection)


def _inspection_form(request, inspection):
    form = InspectionForm(request.POST or None, user=request.user, instance=inspection)
    if inspection is None:
        with_submit_token(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            with once(request, reverse("pairings:inspection_list")) as claim:
                inspection, created = services.inspection_save(actor=request.user, inspection=inspection,
                                                               **form.cleaned_data)
                claim.made(inspection, reverse("pairings:inspection_detail", args=[inspection.pk]))
        except AlreadySubmitted as dup:
            return dup.response(request)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, "已登记督查走访,可继续提出整改事项。" if created else "已保存督查记录。")
            return redirect("pairings:inspection_detail", pk=inspection.pk)
    return _render(request, "pairings/inspection_form.html",
                  {"form": form, "inspection": inspection, "tab": "inspections"})


# --- rectification (整改) --------------------------------------------------------------------------

def rectification_create(request, pk):
    inspection = _inspection(request, pk)
    if not policy.can_raise_rectification(request.user, inspection):
        raise PermissionDenied("只有督查人员或县级组织部管理员可以提出整改事项。")
    form = with_submit_token(RectificationForm(request.POST or None, user=request.user, inspection=inspection),
                             request)
    if request.method == "POST" and form.is_valid():
        back = reverse("pairings:inspection_detail", args=[inspection.pk])
        try:
            with once(request, back) as claim:
                item = services.rectification_create(actor=request.user, inspection=inspection, **form.cleaned_data)
                claim.made(item, back)
        except AlreadySubmitted as dup:
            return dup.response(request)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, f"已提出整改事项,责任单位:{item.responsible_unit.name}。")
            return redirect("pairings:inspection_detail", pk=inspection.pk)
    return _render(request, "pairings/rectification_form.html",
                  {"form": form, "inspection": inspection, "tab": "rectifications"})


def _item(request, pk):
    return get_object_or_404(
        RectificationItem.objects.for_user(request.user).select_related(
            "inspection__unit", "inspection__campaign", "responsible_unit__parent", "created_by", "closed_by"),
        pk=pk)


def _followable_item(request, pk):
    item = _item(request, pk)
    if not policy.can_follow_up(request.user, item):
        raise PermissionDenied("只有责任单位和督查人员可以更新整改事项。")
    return item


def rectification_detail(request, pk):
    item = _item(request, pk)
    return _render(request, "pairings/rectification_detail.html", {
        "item": item, "history": _history(item), "can_follow_up": policy.can_follow_up(request.user, item),
        "tab": "rectifications",
    })


def rectification_update(request, pk):
    item = _followable_item(request, pk)
    may_move = policy.can_move_deadline(request.user, item)
    form = RectificationProgressForm(request.POST or None, item=item, may_move_deadline=may_move)
    if request.method == "POST" and form.is_valid():
        try:
            services.rectification_update(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, "已保存整改进展。")
            return redirect("pairings:rectification_detail", pk=item.pk)
    return _render(request, "pairings/rectification_update.html", {"form": form, "item": item, "tab": "rectifications"})


def rectification_close(request, pk):
    """销号 in two steps: fill in date and evidence, then confirm on a summary page."""
    item = _followable_item(request, pk)
    form = RectificationCloseForm(request.POST or None)
    if request.method == "POST" and "back" not in request.POST and form.is_valid():
        if "confirm" not in request.POST:
            return _render(request, "pairings/rectification_confirm_close.html",
                          {"form": form, "item": item, "tab": "rectifications"})
        try:
            services.rectification_close(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, f"整改事项已销号({item.closed_on:%Y-%m-%d})。")
            return redirect("pairings:rectification_detail", pk=item.pk)
    return _render(request, "pairings/rectification_close.html", {"form": form, "item": item, "tab": "rectifications"})


def _rectification_page(request, qs, *, title, tab, empty, with_status=True):
    form = RectificationFilterForm(request.GET or None, user=request.user, with_status=with_status)
    page = _page(request, form.filter(qs))
    today = timezone.localdate()
    for item in page.object_list:
        item.days_overdue = (today - item.deadline).days if item.is_overdue else 0
    return _render(request, "pairings/rectification_list.html", {
        "page": page, "filter": form, "title": title, "tab": tab, "empty": empty,
        "filtered": bool(request.GET.dict().keys() - {"page"}),
    })


def rectification_list(request):
    return _rectification_page(
        request, sel.rectifications(request.user), title="整改事项", tab="rectifications",
        empty="您的范围内还没有整改事项。督查人员在督查记录页点“提出整改事项”后,会列在这里。")


def rectification_overdue(request):
    qs = sel.rectifications(request.user).overdue()
    return _rectification_page(
        request, qs, title="逾期未销号的整改事项", tab="overdue", with_status=False,
        empty="没有逾期的整改事项。到期未销号的事项会自动列在这里,请责任单位及时报送进展并销号。")


def rectification_mine(request):
    qs = sel.rectifications(request.user).filter(created_by=request.user)
    return _rectification_page(
        request, qs, title="我督办的整改事项", tab="mine",
        empty="您还没有提出整改事项。打开一条督查记录,点“提出整改事项”即可开始督办。")


# --- help pairs (帮扶对子) -------------------------------------------------------------------------

def helppair_list(request):
    form = HelpPairFilterForm(request.GET or None, user=request.user)
    qs = form.filter(sel.help_pairs(request.user))
    counts = qs.order_by().aggregate(
        total=Count("pk"), **{s: Count("pk", filter=Q(status=s)) for s in HelpStatus.values})
    page = _page(request, qs)
    for hp in page.object_list:
        hp.can_edit = policy.can_edit_help_pair(request.user, hp.village, hp.pairing, hp.member_unit)
    d = form.cleaned_data if form.is_bound else {}
    return _render(request, "pairings/helppair_list.html", {
        "page": page, "filter": form, "total": counts["total"], "statuses": HelpStatus.choices,
        "status_counts": [(value, label, counts[value]) for value, label in HelpStatus.choices],
        "village": d.get("village"), "pairing": d.get("pairing"),
        "filtered": bool(request.GET.dict().keys() - {"page"}),
        "can_create": policy.can_record_help_pairs(request.user), "tab": "helppairs",
    })


def helppair_create(request):
    if not policy.can_record_help_pairs(request.user):
        raise PermissionDenied("只有村(社区)、乡镇、县级工作人员和结对单位联络员可以登记帮扶对子。")
    village = None
    village_pk = parse_id(request.GET.get("village"))
    if village_pk:
        village = sel.help_pair_villages(request.user).filter(pk=village_pk).first()
    return _helppair_form(request, None, village)


def _helppair(request, pk):
    return get_object_or_404(
        HelpPair.objects.for_user(request.user).select_related("village", "member_unit", "pairing__bureau", "pairing__village"),
        pk=pk)


def helppair_edit(request, pk):
    hp = _helppair(request, pk)
    if not policy.can_edit_help_pair(request.user, hp.village, hp.pairing, hp.member_unit):
        raise PermissionDenied("您没有权限修改该帮扶对子。")
    return _helppair_form(request, hp, None)


def _helppair_form(request, hp, village):
    form = HelpPairForm(request.POST or None, user=request.user, instance=hp, village=village)
    if hp is None:
        with_submit_token(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            with once(request, reverse("pairings:helppair_list")) as claim:
                hp, created = services.help_pair_save(actor=request.user, help_pair=hp, **form.cleaned_data)
                claim.made(hp, f"{reverse('pairings:helppair_list')}?village={hp.village_id}")
        except AlreadySubmitted as dup:
            return dup.response(request)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, f"已{'登记' if created else '保存'}帮扶对子:{hp.member_name} → {hp.household_name}。")
            return redirect(f"{reverse('pairings:helppair_list')}?village={hp.village_id}")
    return _render(request, "pairings/helppair_form.html", {"form": form, "hp": hp, "tab": "helppairs"})


@require_POST
def helppair_status(request, pk):
    """Change only the status (帮扶中 / 已脱困 / 已结束) from the list."""
    hp = _helppair(request, pk)
    if not policy.can_edit_help_pair(request.user, hp.village, hp.pairing, hp.member_unit):
        raise PermissionDenied("您没有权限修改该帮扶对子。")
    form = HelpPairStatusForm(request.POST)
    if form.is_valid():
        try:
            services.help_pair_save(
                actor=request.user, help_pair=hp, village=hp.village, pairing=hp.pairing,
                member_name=hp.member_name, member_unit=hp.member_unit, household_name=hp.household_name,
                household_kind=hp.household_kind, started_on=hp.started_on, measures=hp.measures,
                status=form.cleaned_data["status"])
        except ValidationError as e:
            messages.error(request, "; ".join(e.messages))
        else:
            messages.success(request, f"{hp.member_name} → {hp.household_name}:状态改为“{hp.get_status_display()}”。")
    else:
        messages.error(request, "请选择有效的状态。")
    return redirect(local_url(request, request.POST.get("next"))
                    or f"{reverse('pairings:helppair_list')}?village={hp.village_id}")

