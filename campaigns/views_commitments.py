"""Pages for campaigns, public commitments (公开承诺, with the 承诺公示 board) and joint meetings
(联席会议) with their decisions (议定事项).

Thin views: resolve scope (out of scope → 404), check the role (→ 403), validate a form, call
one service from ``campaigns.services``, message and redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cobuild.pagination import paginate
from cobuild.params import id_or_404, parse_text
from organizations.models import AREA_KINDS, Unit
from organizations.submissions import AlreadySubmitted, once, with_submit_token
from pairings.forms import add_service_error
from pairings.models import Pairing
from pairings.policy import can_correct
from pairings.views_corrections import (
    correction_page,
    history_rows,
    require_correct,
    save_correction,
    with_reason,
)

from . import selectors_commitments as sel
from .forms_commitments import (
    CampaignForm,
    CommitmentFilterForm,
    CommitmentForm,
    CommitmentStatusForm,
    DecisionCorrectionForm,
    DecisionFilterForm,
    DecisionForm,
    DecisionUpdateForm,
    MeetingFilterForm,
    MeetingForm,
    PhaseForm,
    SurveyCorrectionForm,
)
from .models import Campaign, Commitment, DecisionStatus, JointMeeting, Phase, Survey
from .policy import (
    can_create_campaigns,
    can_edit_campaign,
    can_edit_commitment,
    can_edit_meeting,
    can_log,
    can_log_somewhere,
    can_update_decision,
)
from .services import (
    StaleEdit,
    campaign_save,
    commitment_save,
    decision_add,
    decision_update,
    meeting_save,
    survey_save,
)

PER_PAGE = 30


def _page(request, qs):
    return paginate(request, qs, PER_PAGE)


def _unit_for_new(request):
    """The unit a new record is for: ``?unit=<pk>`` (scoped: 404; not theirs to log: 403), the
    one unit of a village secretary or bureau liaison, or None (then show the unit picker)."""
    if request.GET.get("unit"):
        pk = id_or_404(request.GET["unit"], "没有这个单位。")
        unit = get_object_or_404(Unit.objects.for_user(request.user), pk=pk)
        if not can_log(request.user, unit):
            raise PermissionDenied("您没有权限为该单位登记。")
        return unit
    if not can_log_somewhere(request.user):
        raise PermissionDenied("只有县、乡工作人员、村(社区)书记和机关联络员可以登记。")
    return sel.preselected_unit(request.user)


def _unit_picker(request, title: str, url_name: str):
    units = sel.loggable_units(request.user).select_related("parent")
    q = parse_text(request.GET.get("q"))
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
    page = _page(request, units.order_by("path"))
    return render(request, "campaigns/campaign_unit_picker.html", {
        "title": title, "url_name": url_name, "page": page, "q": q, "area_kinds": AREA_KINDS,
    })


# --- campaigns ------------------------------------------------------------------------------------

def campaign_list(request):
    campaigns = Campaign.objects.for_user(request.user).select_related("owner_unit")
    q = parse_text(request.GET.get("q"))
    if q:
        campaigns = campaigns.filter(Q(name__icontains=q) | Q(slug__icontains=q) | Q(theme__icontains=q))
    return render(request, "campaigns/campaign_list.html", {
        "page": _page(request, campaigns), "q": q, "can_create": can_create_campaigns(request.user),
        "phases": Phase.choices,
    })


def phase_steps(campaign: Campaign):
    """The phase path as (label, state) with state "done", "current" or "todo"."""
    values = [v for v, _ in Phase.choices]
    current = values.index(campaign.phase) if campaign.phase in values else 0
    return [(label, "done" if i < current else "current" if i == current else "todo")
            for i, (_, label) in enumerate(Phase.choices)]


def campaign_detail(request, pk):
    campaign = get_object_or_404(Campaign.objects.for_user(request.user).select_related("owner_unit"), pk=pk)
    user = request.user
    mine = Commitment.objects.for_user(user).filter(campaign=campaign)
    return render(request, "campaigns/campaign_detail.html", {
        "campaign": campaign,
        "steps": phase_steps(campaign),
        "can_edit": can_edit_campaign(user, campaign),
        "phase_form": PhaseForm(initial={"phase": campaign.phase}),
        "counts": sel.commitment_counts(mine),
        "n_pairings": Pairing.objects.for_user(user).filter(campaign=campaign).count(),
        "n_meetings": JointMeeting.objects.for_user(user).filter(campaign=campaign).count(),
    })


def campaign_create(request):
    if not can_create_campaigns(request.user):
        raise PermissionDenied("只有县级组织部管理员可以设立活动。")
    return _campaign_form(request, None)


def campaign_edit(request, pk):
    campaign = get_object_or_404(Campaign.objects.for_user(request.user).select_related("owner_unit"), pk=pk)
    if not can_edit_campaign(request.user, campaign):
        raise PermissionDenied("只有主办单位的县级组织部管理员可以修改活动。")
    return _campaign_form(request, campaign)


def _campaign_form(request, campaign):
    form = CampaignForm(request.POST or None, user=request.user, instance=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign, created = campaign_save(
                actor=request.user, slug=campaign.slug if campaign else data["slug"], name=data["name"],
                owner_unit=data["owner_unit"], start_date=data["start_date"], end_date=data["end_date"],
                theme=data["theme"], phase=data["phase"], description=data["description"])
        except PermissionDenied as exc:
            form.add_error("owner_unit", str(exc))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已{'设立' if created else '保存'}活动“{campaign.name}”。")
            return redirect("campaigns:campaign_detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@require_POST
def campaign_phase(request, pk):
    campaign = get_object_or_404(Campaign.objects.for_user(request.user).select_related("owner_unit"), pk=pk)
    if not can_edit_campaign(request.user, campaign):
        raise PermissionDenied("只有主办单位的县级组织部管理员可以推进活动阶段。")
    form = PhaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择有效的阶段。")
        return redirect("campaigns:campaign_detail", pk=campaign.pk)
    campaign_save(actor=request.user, slug=campaign.slug, name=campaign.name, owner_unit=campaign.owner_unit,
                  start_date=campaign.start_date, end_date=campaign.end_date, phase=form.cleaned_data["phase"],
                  reason="调整阶段")
    campaign.refresh_from_db()
    messages.success(request, f"“{campaign.name}”已进入“{campaign.get_phase_display()}”阶段。")
    return redirect("campaigns:campaign_detail", pk=campaign.pk)


# --- commitments ----------------------------------------------------------------------------------

def _filter_commitments(qs, data):
    if data.get("q"):
        q = data["q"]
        qs = qs.filter(Q(content__icontains=q) | Q(code__icontains=q) | Q(unit__name__icontains=q)
                       | Q(organization__name__icontains=q))
    if data.get("campaign"):
        qs = qs.filter(campaign=data["campaign"])
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("unit"):
        qs = qs.filter(unit__path__startswith=data["unit"].path)
    if data.get("pairing"):
        qs = qs.filter(pairing=data["pairing"])
    if data.get("overdue"):
        qs = qs.overdue()
    return qs


def commitment_list(request):
    user = request.user
    form = CommitmentFilterForm(request.GET, user=user)
    qs = sel.commitments(user)
    qs = _filter_commitments(qs, form.cleaned_data) if form.is_valid() else qs.none()
    page = _page(request, qs)
    for c in page.object_list:
        c.can_edit = can_edit_commitment(user, c)
    return render(request, "campaigns/commitment_list.html", {
        "form": form, "page": page, "counts": sel.commitment_counts(qs),
        "can_create": can_log_somewhere(user), "today": timezone.localdate(),
    })


def commitment_create(request):
    unit = _unit_for_new(request)
    if unit is None:
        return _unit_picker(request, "登记公开承诺:选择承诺单位", "campaigns:commitment_create")
    form = with_submit_token(CommitmentForm(request.POST or None, user=request.user, unit=unit), request)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            with once(request, reverse("campaigns:commitment_list")) as claim:
                commitment, _ = commitment_save(actor=request.user, unit=unit, **data)
                claim.made(commitment, reverse("campaigns:commitment_detail", args=[commitment.pk]))
        except AlreadySubmitted as dup:
            return dup.response(request)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "您没有权限登记该承诺。")
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已登记承诺。")
            return redirect("campaigns:commitment_detail", pk=commitment.pk)
    return render(request, "campaigns/commitment_form.html", {"form": form, "unit": unit, "commitment": None})


def _scoped_commitment(request, pk):
    return get_object_or_404(sel.commitments(request.user), pk=pk)


def _editable_commitment(request, pk):
    commitment = _scoped_commitment(request, pk)
    if not can_edit_commitment(request.user, commitment):
        raise PermissionDenied("您没有权限修改该承诺。")
    return commitment


def commitment_detail(request, pk):
    commitment = _scoped_commitment(request, pk)
    return render(request, "campaigns/commitment_detail.html", {
        "c": commitment, "history": history_rows(commitment, 10),
        "can_edit": can_edit_commitment(request.user, commitment),
        "can_correct": can_correct(request.user, commitment.unit), "today": timezone.localdate(),
    })


def commitment_correct(request, pk):
    """更正 of a commitment by a county admin, with a required reason."""
    commitment = _scoped_commitment(request, pk)
    require_correct(can_correct(request.user, commitment.unit))
    form = with_reason(CommitmentForm(request.POST or None, user=request.user, unit=commitment.unit,
                                      instance=commitment), example="承诺已于10月19日完成,原状态未及时更新")
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason, version = data.pop("reason"), data.pop("version")
        try:
            commitment_save(actor=request.user, commitment=commitment, unit=commitment.unit, reason=reason,
                            correction=True, expected_version=version, **data)
        except StaleEdit:
            extra = {"stale": True}
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已更正承诺,理由已记入历史。")
            return redirect("campaigns:commitment_detail", pk=commitment.pk)
    return correction_page(request, form=form, record=commitment, title=f"更正公开承诺:{commitment.unit.name}",
                           back_url=reverse("campaigns:commitment_detail", args=[commitment.pk]),
                           back_label="承诺详情", extra=extra)


def _stale(request, form, pk):
    """A save refused because someone else saved first: keep the typed values, say so, and
    show what is stored now."""
    form.add_error(None, "保存失败:在您编辑期间,这条承诺已被他人修改,本次修改没有保存(见上方说明)。")
    latest = get_object_or_404(sel.commitments(request.user), pk=pk)
    latest_by = latest.history.select_related("history_user").order_by("-history_date").first()
    return {"stale": True, "latest": latest, "latest_by": latest_by}


def commitment_edit(request, pk):
    commitment = _editable_commitment(request, pk)
    form = CommitmentForm(request.POST or None, user=request.user, unit=commitment.unit, instance=commitment)
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            commitment_save(actor=request.user, commitment=commitment, unit=commitment.unit,
                            expected_version=version, **data)
        except StaleEdit:
            extra = _stale(request, form, pk)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "您没有权限修改该承诺。")
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存承诺。")
            return redirect("campaigns:commitment_detail", pk=commitment.pk)
    return render(request, "campaigns/commitment_form.html",
                  {"form": form, "unit": commitment.unit, "commitment": commitment, **extra})


def commitment_status(request, pk):
    c = _editable_commitment(request, pk)
    form = CommitmentStatusForm(request.POST or None, instance=c)
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commitment_save(actor=request.user, commitment=c, campaign=c.campaign, unit=c.unit,
                            content=c.content, made_on=c.made_on, organization=c.organization,
                            pairing=c.pairing, due_date=c.due_date, status=data["status"],
                            completed_on=data["completed_on"], progress=data["progress"],
                            evidence=data["evidence"], expected_version=data["version"])
        except StaleEdit:
            extra = _stale(request, form, pk)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "您没有权限修改该承诺。")
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已更新承诺进展。")
            return redirect("campaigns:commitment_detail", pk=c.pk)
    return render(request, "campaigns/commitment_status.html", {"form": form, "c": c, **extra})


def board(request, unit_pk):
    """承诺公示: a unit's commitments and their progress, for a phone and for the wall."""
    unit = get_object_or_404(Unit.objects.for_user(request.user).select_related("parent"), pk=unit_pk)
    campaign = None
    if request.GET.get("campaign"):
        pk = id_or_404(request.GET["campaign"], "没有这个专项活动。")
        campaign = get_object_or_404(Campaign.objects.for_user(request.user), pk=pk)
    qs = sel.board_commitments(request.user, unit, campaign)
    rows = list(qs.order_by(sel.STATUS_ORDER, "due_date", "made_on", "pk"))
    return render(request, "campaigns/board_detail.html", {
        "unit": unit, "campaign": campaign, "rows": rows, "counts": sel.commitment_counts(qs),
        "pairings": list(sel.unit_pairings(request.user, unit)),
        "campaigns": Campaign.objects.for_user(request.user), "today": timezone.localdate(),
    })


# --- joint meetings -------------------------------------------------------------------------------

def meeting_list(request):
    user = request.user
    form = MeetingFilterForm(request.GET, user=user)
    qs = sel.meetings(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(title__icontains=data["q"]) | Q(minutes__icontains=data["q"])
                           | Q(host_unit__name__icontains=data["q"]))
        if data["campaign"]:
            qs = qs.filter(campaign=data["campaign"])
        if data["unit"]:
            qs = qs.filter(host_unit__path__startswith=data["unit"].path)
    else:
        qs = qs.none()
    return render(request, "campaigns/meeting_list.html", {
        "form": form, "page": _page(request, qs.order_by("-held_on", "-pk")), "can_create": can_log_somewhere(user),
    })


def meeting_create(request):
    host = _unit_for_new(request)
    if host is None:
        return _unit_picker(request, "登记联席会议:选择召集单位", "campaigns:meeting_create")
    return _meeting_form(request, host, None)


def _scoped_meeting(request, pk):
    return get_object_or_404(sel.meetings(request.user), pk=pk)


def meeting_edit(request, pk):
    meeting = _scoped_meeting(request, pk)
    if not can_edit_meeting(request.user, meeting):
        raise PermissionDenied("您没有权限修改该会议:会议由召集单位维护。")
    return _meeting_form(request, meeting.host_unit, meeting)


def meeting_correct(request, pk):
    """更正 of a joint meeting by a county admin, with a required reason."""
    meeting = _scoped_meeting(request, pk)
    require_correct(can_correct(request.user, meeting.host_unit))
    form = with_reason(MeetingForm(request.POST or None, user=request.user, host=meeting.host_unit,
                                   instance=meeting), example="会议实际于11月28日召开,原填日期有误")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        if save_correction(form, lambda: meeting_save(actor=request.user, meeting=meeting, host_unit=meeting.host_unit,
                                                      reason=reason, correction=True, **data)):
            messages.success(request, "已更正会议记录,理由已记入历史。")
            return redirect("campaigns:meeting_detail", pk=meeting.pk)
    return correction_page(request, form=form, record=meeting, title=f"更正联席会议:{meeting.title}",
                           back_url=reverse("campaigns:meeting_detail", args=[meeting.pk]), back_label=meeting.title)


def _meeting_form(request, host, meeting):
    form = MeetingForm(request.POST or None, user=request.user, host=host, instance=meeting)
    if meeting is None:
        with_submit_token(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            with once(request, reverse("campaigns:meeting_list")) as claim:
                meeting, created = meeting_save(actor=request.user, meeting=meeting, host_unit=host,
                                                **form.cleaned_data)
                claim.made(meeting, reverse("campaigns:meeting_detail", args=[meeting.pk]))
        except AlreadySubmitted as dup:
            return dup.response(request)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "您没有权限登记该会议。")
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已登记联席会议,可以接着添加议定事项。" if created else "已保存会议。")
            return redirect("campaigns:meeting_detail", pk=meeting.pk)
    return render(request, "campaigns/meeting_form.html", {"form": form, "host": host, "meeting": meeting})


def _meeting_page(request, meeting, decision_form=None, status=200):
    user = request.user
    may_log = can_edit_meeting(user, meeting)
    decisions = list(meeting.decisions.select_related("assigned_unit").order_by("deadline", "pk"))
    for d in decisions:
        d.meeting = meeting
        d.can_update = can_update_decision(user, d)
        d.can_correct = can_correct(user, d.assigned_unit, meeting.host_unit)
    if may_log and decision_form is None:
        decision_form = with_submit_token(DecisionForm(user=user, meeting=meeting), request)
    return render(request, "campaigns/meeting_detail.html", {
        "meeting": meeting, "decisions": decisions, "can_edit": may_log,
        "decision_form": decision_form if may_log else None,
        "can_correct": can_correct(user, meeting.host_unit), "history": history_rows(meeting, 10),
        "member_units": list(meeting.member_units.order_by("depth", "name")),
        "member_organizations": list(meeting.member_organizations.select_related("unit")
                                     .order_by("unit__name", "kind", "name")),
        "today": timezone.localdate(),
    }, status=status)


def meeting_detail(request, pk):
    return _meeting_page(request, _scoped_meeting(request, pk))


@require_POST
def meeting_decision_add(request, pk):
    meeting = _scoped_meeting(request, pk)
    if not can_edit_meeting(request.user, meeting):
        raise PermissionDenied("您没有权限为该会议添加议定事项。")
    form = with_submit_token(DecisionForm(request.POST, user=request.user, meeting=meeting), request)
    if form.is_valid():
        back = reverse("campaigns:meeting_detail", args=[meeting.pk]) + "#decisions"
        try:
            with once(request, back) as claim:
                claim.made(decision_add(actor=request.user, meeting=meeting, **form.cleaned_data), back)
        except AlreadySubmitted as dup:
            return dup.response(request)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已添加议定事项。")
            return redirect(reverse("campaigns:meeting_detail", args=[meeting.pk]) + "#decisions")
    return _meeting_page(request, meeting, decision_form=form)


def decision_list(request):
    """The follow-up list: open and overdue decisions in the user's scope."""
    user = request.user
    form = DecisionFilterForm(request.GET, user=user)
    qs = sel.decisions(user)
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        if status == "":
            qs = qs.exclude(status=DecisionStatus.DONE)
        elif status != "all":
            qs = qs.filter(status=status)
        if data["q"]:
            qs = qs.filter(Q(content__icontains=data["q"]) | Q(meeting__title__icontains=data["q"])
                           | Q(assigned_unit__name__icontains=data["q"]))
        if data["unit"]:
            qs = qs.filter(assigned_unit__path__startswith=data["unit"].path)
        if data["overdue"]:
            qs = qs.overdue()
    else:
        qs = qs.none()
    today = timezone.localdate()
    counts = sel.decisions(user).order_by().aggregate(
        open=Count("pk", filter=~Q(status=DecisionStatus.DONE)),
        overdue=Count("pk", filter=~Q(status=DecisionStatus.DONE) & Q(deadline__lt=today)))
    page = _page(request, qs.order_by("deadline", "pk"))
    for d in page.object_list:
        d.can_update = can_update_decision(user, d)
        d.sees_meeting = sel.sees_meeting(user, d.meeting)
    return render(request, "campaigns/decision_list.html", {
        "form": form, "page": page, "counts": counts, "today": today,
    })


def decision_edit(request, pk):
    decision = get_object_or_404(sel.decisions(request.user), pk=pk)
    if not can_update_decision(request.user, decision):
        raise PermissionDenied("您没有权限更新该议定事项。")
    form = DecisionUpdateForm(request.POST or None, instance=decision)
    if request.method == "POST" and form.is_valid():
        try:
            decision_update(actor=request.user, decision=decision, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已更新议定事项的落实情况。")
            if sel.sees_meeting(request.user, decision.meeting):
                return redirect(reverse("campaigns:meeting_detail", args=[decision.meeting_id]) + "#decisions")
            return redirect("campaigns:decision_list")
    return render(request, "campaigns/decision_form.html", {
        "form": form, "d": decision, "sees_meeting": sel.sees_meeting(request.user, decision.meeting),
        "can_correct": can_correct(request.user, decision.assigned_unit, decision.meeting.host_unit),
        "history": history_rows(decision, 10),
    })


def decision_correct(request, pk):
    """更正 of a meeting decision (what, deadline, follow-up) by a county admin, with a reason."""
    decision = get_object_or_404(sel.decisions(request.user).select_related("meeting__host_unit"), pk=pk)
    require_correct(can_correct(request.user, decision.assigned_unit, decision.meeting.host_unit))
    form = with_reason(DecisionCorrectionForm(request.POST or None, instance=decision),
                       example="该事项已于10月底落实,原状态未及时更新")
    if request.method == "POST" and form.is_valid() and save_correction(
            form, lambda: decision_update(actor=request.user, decision=decision, correction=True, **form.cleaned_data)):
        messages.success(request, "已更正议定事项,理由已记入历史。")
        if sel.sees_meeting(request.user, decision.meeting):
            return redirect(reverse("campaigns:meeting_detail", args=[decision.meeting_id]) + "#decisions")
        return redirect("campaigns:decision_list")
    return correction_page(request, form=form, record=decision, title="更正议定事项",
                           back_url=reverse("campaigns:meeting_detail", args=[decision.meeting_id]) + "#decisions",
                           back_label=decision.meeting.title)


# --- democratic appraisal tallies (民主测评): their page is their correction --------------------------

def survey_correct(request, pk):
    """更正 of an appraisal's ballot counts by a county admin, with a required reason."""
    survey = get_object_or_404(Survey.objects.for_user(request.user).select_related("unit", "campaign"), pk=pk)
    require_correct(can_correct(request.user, survey.unit))
    form = with_reason(SurveyCorrectionForm(request.POST or None, instance=survey),
                       example="核对原始测评票,满意应为116张,原填161张系笔误")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        if save_correction(form, lambda: survey_save(actor=request.user, survey=survey, campaign=survey.campaign,
                                                     unit=survey.unit, reason=reason, correction=True, **data)):
            messages.success(request, "已更正测评票数,理由已记入历史。")
            return redirect("campaigns:survey_correct", pk=survey.pk)
    return correction_page(request, form=form, record=survey,
                           title=f"更正民主测评:{survey.unit.name} {survey.subject_name} {survey.held_on:%Y-%m-%d}",
                           back_url=f"{reverse('metrics:survey_list')}?campaign={survey.campaign.slug}",
                           back_label="民主测评")
