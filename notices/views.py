"""Pages of notices, tasks, 信息通报 and the reminders inbox. Thin: scope → form → service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cobuild.pagination import paginate
from cobuild.params import parse_id, parse_text
from organizations.models import EDITOR_ROLES
from organizations.scoping import user_grants
from organizations.submissions import AlreadySubmitted, once, with_submit_token
from pairings.forms import add_service_error

from . import inbox as inbox_mod
from . import policy, selectors, services
from .forms import BriefingForm, NoticeForm, ReplyForm
from .models import Notice, NoticeAttachment, NoticeKind, NoticeReceipt


def _scoped_notice(request, pk) -> Notice:
    return get_object_or_404(Notice.objects.for_user(request.user).select_related(
        "sender_unit", "sender_org__unit", "created_by", "meeting"), pk=pk)


def _scoped_receipt(request, pk) -> NoticeReceipt:
    return get_object_or_404(NoticeReceipt.objects.for_user(request.user).select_related(
        "notice__sender_unit", "notice__sender_org", "unit", "organization"), pk=pk)


def _own_unit_ids(user) -> set[int]:
    return {g.unit_id for g in user_grants(user) if g.role in EDITOR_ROLES}


@require_GET
def inbox(request):
    box = inbox_mod.inbox_for(request.user)
    return render(request, "notices/inbox.html", {"box": box})


@require_GET
def notice_list(request):
    user = request.user
    q = parse_text(request.GET.get("q"))
    kind = request.GET.get("kind", "")
    box = request.GET.get("box", "")
    rows = selectors.notice_list(user, q=q, kind=kind if kind in NoticeKind.values else "",
                                 box=box if box in ("sent", "received") else "")
    page = paginate(request, rows, 30)
    return render(request, "notices/notice_list.html", {
        "page": page, "q": q, "kind": kind, "box": box, "kinds": NoticeKind.choices,
        "can_send": policy.can_send_somewhere(user), "can_brief": policy.can_brief_somewhere(user),
    })


def notice_create(request):
    user = request.user
    if not policy.can_send_somewhere(user):
        raise PermissionDenied("只有县、乡镇的组织部门工作人员可以发送通知和下达任务。")
    if request.method == "POST":
        form = with_submit_token(NoticeForm(request.POST, request.FILES, user=user), request)
        if form.is_valid():
            try:
                with once(request, reverse("notices:notice_list")) as claim:
                    notice = services.notice_send(actor=user, **form.service_kwargs())
                    claim.made(notice, reverse("notices:notice_detail", args=[notice.pk]))
            except AlreadySubmitted as dup:
                return dup.response(request)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"已发送给 {notice.receipts.count()} 个单位。")
                return redirect("notices:notice_detail", notice.pk)
    else:
        form = with_submit_token(NoticeForm(user=user), request)
    return render(request, "notices/notice_form.html", {"form": form})


def briefing_create(request):
    user = request.user
    if not policy.can_brief_somewhere(user):
        raise PermissionDenied("您没有可以发送信息通报的组织。")
    sender = None
    raw = request.POST.get("sender_org") if request.method == "POST" else request.GET.get("org")
    pk = parse_id(raw) if raw else None
    if pk:
        sender = policy.briefing_senders(user).filter(pk=pk).first()
    meeting_pk = parse_id(request.GET.get("meeting") or request.POST.get("meeting") or "")
    meeting = None
    if meeting_pk:
        from campaigns.models import JointMeeting

        meeting = JointMeeting.objects.for_user(user).filter(pk=meeting_pk).first()
    if request.method == "POST":
        form = with_submit_token(BriefingForm(request.POST, request.FILES, user=user, sender_org=sender), request)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with once(request, reverse("notices:notice_list")) as claim:
                    notice = services.briefing_send(actor=user, sender_org=d["sender_org"],
                                                    organizations=list(d["organizations"]), title=d["title"],
                                                    body=d["body"], files=d["files"], meeting=meeting)
                    claim.made(notice, reverse("notices:notice_detail", args=[notice.pk]))
            except AlreadySubmitted as dup:
                return dup.response(request)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "信息通报已发送。")
                return redirect("notices:notice_detail", notice.pk)
    else:
        form = with_submit_token(BriefingForm(user=user, sender_org=sender,
                                              initial={"sender_org": sender.pk if sender else None}), request)
    return render(request, "notices/briefing_form.html", {"form": form, "meeting": meeting})


def notice_detail(request, pk):
    user = request.user
    notice = _scoped_notice(request, pk)
    manage = policy.can_manage(user, notice)
    own = _own_unit_ids(user)
    mine = [r for r in selectors.with_linked(selectors.receipts_for(user, notice).filter(unit_id__in=own))
            .select_related("unit", "organization", "acknowledged_by", "replied_by").prefetch_related("attachments")
            if policy.can_answer(user, r, notice)] if own or user.is_superuser else []
    if request.method == "GET" and mine:
        services.notice_open(actor=user, notice=notice, receipts=mine)
    status = request.GET.get("status", "")
    status = status if status in selectors.RECEIPT_FILTERS else ""
    page = None
    summary = None
    if manage or not mine:
        page = paginate(request, selectors.receipt_rows(user, notice, status=status), 50)
        summary = selectors.receipt_summary(user, notice)
        for r in page.object_list:
            r.state = selectors.state_of(r, notice)
    for r in mine:
        r.state = selectors.state_of(r, notice)
    return render(request, "notices/notice_detail.html", {
        "notice": notice, "manage": manage, "mine": mine, "page": page, "summary": summary,
        "status": status, "filters": selectors.RECEIPT_FILTERS,
        "attachments": notice.attachments.filter(receipt__isnull=True),
        "reply_form": ReplyForm() if notice.asks_reply else None, "today": timezone.localdate(),
    })


@require_POST
def notice_remind(request, pk):
    notice = _scoped_notice(request, pk)
    ids = [i for i in (parse_id(x) for x in request.POST.getlist("receipt")) if i]
    n = services.notice_remind(actor=request.user, notice=notice, receipt_ids=ids or None)
    messages.success(request, f"已催办 {n} 个单位。" if n else "没有需要催办的单位:都已签收并完成。")
    return redirect("notices:notice_detail", notice.pk)


@require_POST
def receipt_acknowledge(request, pk):
    receipt = _scoped_receipt(request, pk)
    try:
        services.receipt_acknowledge(actor=request.user, receipt=receipt)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已签收。" + ("请在办理后填写回执。" if receipt.notice.asks_reply else ""))
    return redirect("notices:notice_detail", receipt.notice_id)


def receipt_reply(request, pk):
    receipt = _scoped_receipt(request, pk)
    notice = receipt.notice
    if not policy.can_answer(request.user, receipt, notice):
        raise PermissionDenied("您不是该通知的接收单位,不能回执。")
    if not notice.asks_reply:
        raise Http404("该通知不需要回执。")
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.receipt_reply(actor=request.user, receipt=receipt, text=form.cleaned_data["text"],
                                       files=form.cleaned_data["files"])
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "回执已提交。")
                return redirect("notices:notice_detail", notice.pk)
    else:
        form = ReplyForm(initial={"text": receipt.reply_text})
    return render(request, "notices/reply_form.html", {"form": form, "receipt": receipt, "notice": notice})


@require_GET
def attachment(request, pk):
    att = get_object_or_404(NoticeAttachment.objects.select_related("notice"), pk=pk)
    notice = get_object_or_404(Notice.objects.for_user(request.user), pk=att.notice_id)
    if att.receipt_id and not selectors.receipts_for(request.user, notice).filter(pk=att.receipt_id).exists():
        raise Http404("没有这个附件。")
    try:
        handle = att.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件不存在。") from None
    response = FileResponse(handle, as_attachment=True, filename=att.name, content_type="application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response
