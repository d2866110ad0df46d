"""Activity pages: the phone-first logging form, lists, detail, scoped photos and the review queue.

Scope first (``Activity.objects.for_user``: not yours = 404), then the role (403), then a form
whose choices are scoped, then the services (``activity_submit``, ``activity_add_photos``,
``activity_review``...), whose ValidationError messages are shown next to the fields.
"""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cobuild.body import require_whole_body
from cobuild.pagination import paginate
from cobuild.params import local_url, parse_id, parse_text
from cobuild.xhr import redirect_as_json
from organizations import records
from organizations.models import Unit
from organizations.submissions import AlreadySubmitted, earlier, once, with_submit_token
from pairings.models import Pairing
from pairings.policy import can_correct
from pairings.views_corrections import history_rows, require_correct, with_reason

from . import activity_selectors as sel
from . import policy, services
from .forms_activities import (
    ActivityFilterForm,
    ActivityForm,
    OrganizerFormSet,
    ReviewForm,
    activity_initial,
)
from .models import Activity, ActivityOutcome, ActivityPhoto, ReviewStatus

PAGE_SIZE = 30
THUMB_SIDE = 320
DRAFT_SESSION_KEY = "activity_clear_draft"
REVIEW_DRAFT_SESSION_KEY = "activity_review_draft:"  # + pk: a review comment kept when its review was stale


def _draft_key(user, activity=None) -> str:
    return f"cobuild:activity-draft:{user.pk}:{f'edit:{activity.pk}' if activity else 'new'}"


# --- the form ------------------------------------------------------------------------------------

def _form_unit(request, units, activity=None):
    """The unit whose pairings and organisers the form offers: the posted one, the requested
    one (``?unit=``), the activity's, or the user's default — always one of ``units``."""
    wanted = parse_id(request.POST.get("unit") if request.method == "POST" else request.GET.get("unit"))
    if wanted:
        unit = units.filter(pk=wanted).first()
        if unit is not None:
            return unit
    if activity is not None:
        return units.filter(pk=activity.unit_id).first() or activity.unit
    return sel.default_unit(request.user, units)


def _activity_form(request, activity=None, correcting=False):
    user = request.user
    units = sel.loggable_units(user)
    unit = _form_unit(request, units, activity)
    if unit is None:
        raise PermissionDenied("您没有填报活动的权限。")
    pairings = sel.unit_pairings(user, unit)
    campaigns = sel.scoped_campaigns(user)
    indicators = sel.outcome_indicators()
    organizer_choices = sel.OrganizerChoices(unit, pairings)
    kwargs = {"user": user, "unit": unit, "units": units, "pairings": pairings, "campaigns": campaigns,
              "indicators": indicators, "usage": sel.outcome_usage(unit)}
    if request.method == "POST":
        form = ActivityForm(request.POST, request.FILES, **kwargs)
        formset = OrganizerFormSet(request.POST, prefix="org", organizer_choices=organizer_choices)
        if activity is not None and not correcting:
            form.fields["version"].required = True
    else:
        if activity is not None:
            initial, organizers = activity_initial(activity, indicators, organizer_choices)
            if unit.pk != activity.unit_id:  # switched unit while editing: start its choices afresh
                initial.update(unit=unit.pk, pairing=None)
                organizers = sel.default_organizers(organizer_choices, unit, None)
        else:
            pairing = sel.default_pairing(pairings)
            campaign = sel.current_campaign(campaigns, pairing)
            initial = {"unit": unit.pk, "pairing": pairing.pk if pairing else None,
                       "campaign": campaign.pk if campaign else None, "date": timezone.localdate()}
            organizers = sel.default_organizers(organizer_choices, unit, pairing)
        form = ActivityForm(initial=initial, **kwargs)
        formset = OrganizerFormSet(initial=organizers, prefix="org", organizer_choices=organizer_choices)
    if correcting:
        del form.fields["photos"]
        with_reason(form)
    return form, formset


class _PhotosRefused(Exception):
    """Photos were refused before the transaction: the activity is checked, then rolled back."""


def _save(request, form, formset, activity=None):
    """Submit the activity and its photos in one transaction; None if a service refused. Photos
    are checked and resized first, outside the transaction (no lock waits on image work); when
    they are refused, the activity is still checked (and rolled back) so that the user hears
    about every problem in one answer. A new activity's form token is claimed in the same
    transaction: a second submit of the form raises AlreadySubmitted (organizations.submissions)."""
    data = form.cleaned_data
    fallback = reverse("campaigns:activity_mine")
    if activity is None:
        earlier(request, fallback)  # a double submit: no need to resize its photos again
    photos = data.get("photos") or []
    staged = _staged(request)
    prepared, photos_ok = [], True
    if photos:
        try:
            prepared = services.photos_prepare(photos)
        except ValidationError as exc:
            form.add_error("photos", exc)
            photos_ok = False
    try:
        with once(request, fallback) if activity is None else transaction.atomic() as claim:
            saved, _ = services.activity_submit(
                actor=request.user, activity=activity, campaign=data["campaign"], date=data["date"],
                unit=data["unit"], pairing=data["pairing"], category=data["category"],
                link_area=data["link_area"], title=data["title"], description=data["description"],
                participants=data["participants"], organizers=formset.organizers(),
                outcomes=data["outcomes"], reason=None if activity is None else "修改后重新提交",
                expected_version=data.get("version") if activity is not None else None,
            )
            if not photos_ok:
                raise _PhotosRefused
            if staged:  # photos uploaded ahead (kept across a refused submit); the user's own only
                prepared = services.staged_photos_take(staged) + prepared
            if prepared:
                try:
                    services.activity_add_photos(actor=request.user, activity=saved, prepared=prepared)
                except ValidationError as exc:
                    form.add_error("photos", exc)
                    raise _PhotosRefused from exc
            if activity is None:
                claim.made(saved, reverse("campaigns:activity_detail", args=[saved.pk]))
    except _PhotosRefused:
        return None
    except ValidationError as exc:
        if isinstance(exc, services.StaleEdit):
            form.stale = True  # the page's own notice says it, once; nothing in the form is wrong
            return None
        if hasattr(exc, "error_dict") and "organizers" in exc.error_dict:
            formset._non_form_errors = formset.error_class(exc.error_dict.pop("organizers"))
        form.add_service_error(exc)
        return None
    return saved


def _staged(request):
    """The user's own unexpired staged photos the form posted (``staged`` ids; others ignored)."""
    if request.method != "POST":
        return []
    ids = [parse_id(v) for v in request.POST.getlist("staged")[:services.PHOTOS_PER_ACTIVITY + 1]]
    return services.staged_photos_of(request.user, ids)


def _form_page(request, form, formset, activity=None, correcting=False):
    photos_lost = request.method == "POST" and bool(request.FILES.getlist("photos"))
    stale = getattr(form, "stale", False)
    return render(request, "campaigns/activity_form.html", {
        "correcting": correcting,
        "stale": stale,
        "stale_by": _latest_change(activity) if stale else None,
        "history": activity_history(activity) if correcting else None,
        "form": form,
        "formset": formset,
        "activity": activity,
        "unit": form.unit_obj,
        "photos": list(activity.photos.order_by("pk")) if activity is not None else [],
        "draft_key": _draft_key(request.user, activity) + (":correct" if correcting else ""),
        "bound": form.is_bound,
        "photos_lost": photos_lost,
        "staged": [] if correcting else _staged(request),
        "max_photo_bytes": services.PHOTO_MAX_BYTES,
        "photo_side": services.PHOTO_MAX_SIDE,
        "outcomes_open": any(f.value() not in (None, "") for f in form.outcome_fields),
    })


def _latest_change(activity):
    """The stored activity's newest history row: who saved it last, and when."""
    return activity.history.select_related("history_user").order_by("-history_date", "-history_id").first()


@require_whole_body
@redirect_as_json
def activity_create(request):
    form, formset = _activity_form(request)
    with_submit_token(form, request)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            activity = _save(request, form, formset)
        except AlreadySubmitted as dup:
            return dup.response(request)
        if activity is not None:
            request.session[DRAFT_SESSION_KEY] = _draft_key(request.user)
            messages.success(request, f"已提交活动“{activity.title}”,等待乡镇审核。")
            return redirect("campaigns:activity_detail", pk=activity.pk)
    return _form_page(request, form, formset)


def _scoped_activity(request, pk, queryset=None):
    qs = queryset if queryset is not None else Activity.objects.for_user(request.user)
    return get_object_or_404(qs.select_related("unit", "pairing__village", "pairing__bureau"), pk=pk)


def _editable(request, pk):
    activity = _scoped_activity(request, pk)
    if not policy.can_edit_activity(request.user, activity):
        if activity.status == ReviewStatus.VERIFIED:
            raise PermissionDenied("该活动已审核通过并锁定。如需更正,请县级组织部管理员在活动页面点“更正”并说明理由。")
        raise PermissionDenied("您没有修改该活动的权限:活动由填报人和本单位的审核人员维护。")
    return activity


@require_whole_body
@redirect_as_json
def activity_edit(request, pk):
    activity = _editable(request, pk)
    form, formset = _activity_form(request, activity)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        saved = _save(request, form, formset, activity)
        if saved is not None:
            request.session[DRAFT_SESSION_KEY] = _draft_key(request.user, activity)
            messages.success(request, f"已修改并重新提交活动“{saved.title}”。")
            return redirect("campaigns:activity_detail", pk=saved.pk)
    return _form_page(request, form, formset, activity)


@redirect_as_json
def activity_correct(request, pk):
    """更正: a county admin (or superuser) corrects an activity, verified ones included, with a
    required reason; its figures follow at once and the history shows the change and why."""
    activity = _scoped_activity(request, pk)
    require_correct(can_correct(request.user, activity.unit))
    form, formset = _activity_form(request, activity, correcting=True)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            services.activity_correct(
                actor=request.user, activity=activity, reason=data["reason"],
                expected_version=data.get("version"), campaign=data["campaign"], date=data["date"],
                unit=data["unit"], pairing=data["pairing"], category=data["category"],
                link_area=data["link_area"], title=data["title"], description=data["description"],
                participants=data["participants"], organizers=formset.organizers(), outcomes=data["outcomes"])
        except PermissionDenied as exc:
            form.add_error("unit", str(exc))
        except services.StaleEdit:
            form.stale = True  # the page's own notice says it, once
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "organizers" in exc.error_dict:
                formset._non_form_errors = formset.error_class(exc.error_dict.pop("organizers"))
            form.add_service_error(exc)
        else:
            messages.success(request, f"已更正活动“{data['title']}”,理由已记入历史。")
            return redirect("campaigns:activity_detail", pk=activity.pk)
    return _form_page(request, form, formset, activity, correcting=True)


@require_POST
def photo_delete(request, pk, photo_pk):
    activity = _editable(request, pk)
    photo = get_object_or_404(ActivityPhoto.objects.filter(activity=activity), pk=photo_pk)
    photo.activity = activity
    services.activity_remove_photo(actor=request.user, photo=photo)
    messages.success(request, "已删除照片。")
    return redirect("campaigns:activity_edit", pk=activity.pk)


# --- lists ---------------------------------------------------------------------------------------

def _page(request, qs):
    return paginate(request, qs, PAGE_SIZE)


@require_GET
def activity_list(request):
    """The activities of the user's scope (or of one unit in it), searchable and filterable."""
    user = request.user
    units = Unit.objects.for_user(user)
    unit = None
    unit_pk = parse_id(request.GET.get("unit"))
    if unit_pk:
        unit = units.filter(pk=unit_pk).first()
        if unit is None:
            raise Http404("没有这个单位。")
    pairings = Pairing.objects.for_user(user).select_related("village", "bureau").order_by("code")
    if unit is not None:
        pairings = pairings.filter(pk__in=records.in_units("pairing", [unit.pk]))  # stored scope: no LIKEs
    form = ActivityFilterForm(request.GET, units=units, pairings=pairings)
    valid = form.is_valid()
    f = form.cleaned_data if valid else {}
    filtered = any(v for k, v in request.GET.items() if k not in ("page", "unit"))
    only_dates = valid and not any(f.get(k) for k in ("q", "category", "status", "pairing"))
    # Newest first within one unit's scope (the unit asked for, or the user's one grant): read in
    # the order of the stored scope's day index, so a page costs a page at any scale. The unit
    # asked for is inside the user's scope (checked above), so its scope is all the user may see.
    scope_unit = unit.pk if unit is not None else records.single_scope_unit(user)
    if scope_unit is not None and (only_dates or not filtered):
        page = _page(request, sel.newest_ids(scope_unit, f.get("date_from"), f.get("date_to")))
        page.object_list = sel.rows_for_ids(page.object_list)
        return render(request, "campaigns/activity_list.html", {
            "page": page, "form": form, "unit": unit, "filtered": filtered,
            "can_log": policy.can_log_somewhere(user),
        })
    qs = sel.activities_for(user)
    if unit is not None:
        qs = sel.in_unit(qs, unit)
    if valid:
        if f["q"]:
            qs = qs.filter(title__icontains=f["q"])
        if f["category"]:
            qs = qs.filter(category=f["category"])
        if f["status"]:
            qs = qs.filter(status=f["status"])
        if f["pairing"]:
            qs = qs.filter(pairing=f["pairing"])
        if f["date_from"]:
            qs = qs.filter(date__gte=f["date_from"])
        if f["date_to"]:
            qs = qs.filter(date__lte=f["date_to"])
    return render(request, "campaigns/activity_list.html", {
        "page": _page(request, qs.order_by("-date", "-pk")),
        "form": form,
        "unit": unit,
        "filtered": filtered,
        "can_log": policy.can_log_somewhere(user),
    })


@require_GET
def activity_mine(request):
    """The user's own records; returned ones first, highlighted with the reviewer's comment."""
    qs = sel.my_activities(request.user)
    counts = sel.status_counts(Activity.objects.for_user(request.user).filter(author=request.user))
    status = request.GET.get("status", "")
    if status in ReviewStatus.values:
        qs = qs.filter(status=status)
    return render(request, "campaigns/activity_mine.html", {
        "page": _page(request, qs),
        "counts": counts,
        "status": status,
        "statuses": ReviewStatus.choices,
        "can_log": policy.can_log_somewhere(request.user),
    })


# --- detail and review ---------------------------------------------------------------------------

@require_GET
def activity_detail(request, pk):
    activity = sel.activity_detail(request.user, pk).first()
    if activity is None:
        raise Http404("没有这个活动。")
    can_review = activity.status == ReviewStatus.SUBMITTED and policy.can_review(request.user, activity)
    return render(request, "campaigns/activity_detail.html", {
        "activity": activity,
        "organizers": list(activity.organizers.all()),
        "outcomes": list(activity.outcomes.all()),
        "photos": list(activity.photos.all()),
        "history": activity_history(activity),
        "can_edit": policy.can_edit_activity(request.user, activity),
        "can_correct": can_correct(request.user, activity.unit),
        "can_review": can_review,
        "is_author": activity.author_id == request.user.pk,
        "review_form": ReviewForm(initial={"version": activity.version}) if can_review else None,
        "review_draft": request.session.pop(f"{REVIEW_DRAFT_SESSION_KEY}{activity.pk}", "") if can_review else "",
        "clear_draft": request.session.pop(DRAFT_SESSION_KEY, None),
    })


def activity_history(activity) -> list:
    """The activity's history (who, when, why, what) with its outcome values' changes folded
    into the save that wrote them (outcomes are written right after their activity)."""
    rows = history_rows(activity)
    if not rows:
        return rows
    last: dict[int, object] = {}
    for h in ActivityOutcome.history.filter(activity_id=activity.pk).select_related("indicator").order_by(
            "history_date", "history_id"):
        before = last.get(h.indicator_id)
        after = None if h.history_type == "-" else h.value
        last[h.indicator_id] = after
        owner = next((r for r in rows if r.history_date <= h.history_date), rows[-1])
        name = h.indicator.name if h.indicator_id and h.indicator else "成效"
        owner.changes.append((name, "—" if before is None else f"{before.normalize():f}",
                              "—" if after is None else f"{after.normalize():f}"))
    return rows


def _next_url(request, default):
    return local_url(request, request.POST.get("next")) or default


@require_POST
def activity_review(request, pk):
    activity = _scoped_activity(request, pk)
    if not policy.can_review(request.user, activity):
        raise PermissionDenied("您没有权限审核该活动(不能审核自己填报的记录)。")
    form = ReviewForm(request.POST)
    detail = reverse("campaigns:activity_detail", args=[activity.pk])
    if not form.is_valid():
        if "version" in form.errors:
            messages.error(request, "审核页面已过期,请重新打开该活动查看后再审核。")
        else:
            messages.error(request, "请选择“审核通过”或“退回修改”。")
        return redirect(detail)
    approve = form.cleaned_data["decision"] == "verify"
    try:
        services.activity_review(actor=request.user, activity=activity, approve=approve,
                                 comment=form.cleaned_data["comment"],
                                 expected_version=form.cleaned_data["version"])
    except services.StaleEdit:
        # Keep what the reviewer wrote; show the version they have not seen, and who made it.
        comment = form.cleaned_data["comment"]
        if comment:
            request.session[f"{REVIEW_DRAFT_SESSION_KEY}{activity.pk}"] = comment
        latest = _latest_change(activity)
        who = str(latest.history_user) if latest is not None and latest.history_user else "他人"
        messages.error(request, f"审核没有生效:该活动在您打开后已被{who}修改。请核对下面的最新内容(改动见“记录历史”)后重新审核"
                                f"{',您写的审核意见已保留' if comment else ''}。")
        return redirect(detail + "#review")
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
        return redirect(detail)
    if approve:
        messages.success(request, f"已审核通过“{activity.title}”,记录已锁定。")
    else:
        messages.success(request, f"已将“{activity.title}”退回填报人修改。")
    return redirect(_next_url(request, reverse("campaigns:review_queue")))


REVIEW_TABS = [
    (ReviewStatus.SUBMITTED, "待审核"),
    (ReviewStatus.RETURNED, "已退回"),
    (ReviewStatus.VERIFIED, "已通过"),
]


@require_GET
def review_queue(request):
    """Submitted activities the user may review (their township, or their county)."""
    if not policy.can_review_somewhere(request.user):
        raise PermissionDenied("只有县、乡工作人员可以审核活动。")
    base = sel.reviewable(request.user)
    counts = sel.status_counts(base)
    status = request.GET.get("status") or ReviewStatus.SUBMITTED
    if status not in ReviewStatus.values:
        status = ReviewStatus.SUBMITTED
    qs = base.filter(status=status)
    q = parse_text(request.GET.get("q"))
    if q:
        qs = qs.filter(title__icontains=q)
    qs = qs.order_by("date", "pk") if status == ReviewStatus.SUBMITTED else qs.order_by("-reviewed_at", "-pk")
    return render(request, "campaigns/review_queue.html", {
        "page": _page(request, qs.select_related("author")),
        "counts": counts,
        "status": status,
        "tabs": [(value, label, counts.get(value, 0)) for value, label in REVIEW_TABS],
        "q": q,
    })


# --- photos: only through scope, never by their stored path ---------------------------------------

def _scoped_photo(request, pk):
    photos = ActivityPhoto.objects.filter(activity__in=Activity.objects.for_user(request.user).values("pk"))
    return get_object_or_404(photos, pk=pk)


@require_POST
@require_whole_body
def photo_stage(request):
    """One photo uploaded ahead of its form (the phone form's script): checked and resized like
    an activity's photos, kept for this user only; answers ``{"id", "thumb"}`` or ``{"error"}``."""
    if not policy.can_log_somewhere(request.user):
        raise PermissionDenied("您没有填报活动的权限。")
    upload = request.FILES.get("photo")
    if upload is None:
        return JsonResponse({"error": "请求无效:没有收到照片。"}, status=400, json_dumps_params={"ensure_ascii": False})
    try:
        staged = services.photo_stage(actor=request.user, upload=upload)
    except ValidationError as exc:
        return JsonResponse({"error": ";".join(exc.messages)}, status=422, json_dumps_params={"ensure_ascii": False})
    return JsonResponse({"id": staged.pk, "thumb": reverse("campaigns:staged_photo", args=[staged.pk])})


@require_GET
def staged_photo(request, pk):
    """A staged photo, to its uploader only (anyone else: 404)."""
    staged = next(iter(services.staged_photos_of(request.user, [parse_id(pk)])), None)
    if staged is None:
        raise Http404("没有这张照片。")
    try:
        handle = staged.image.open("rb")
    except FileNotFoundError:
        raise Http404("照片文件不存在。") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _image_headers(response, photo, suffix=""):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="activity-{photo.activity_id}-{photo.pk}{suffix}.jpg"'
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_GET
def photo(request, pk):
    p = _scoped_photo(request, pk)
    try:
        handle = p.image.open("rb")
    except FileNotFoundError:
        raise Http404("照片文件不存在。") from None
    return _image_headers(FileResponse(handle, content_type="image/jpeg"), p)


@require_GET
def photo_thumb(request, pk):
    """A small JPEG for lists, made on the fly (stored photos are at most 1600 px; the JPEG
    draft mode decodes them at a fraction of their size)."""
    from PIL import Image

    p = _scoped_photo(request, pk)
    try:
        with p.image.open("rb") as fh, Image.open(fh) as img:
            img.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
            img = img.convert("RGB")
            img.thumbnail((THUMB_SIDE, THUMB_SIDE))
            buf = BytesIO()
            img.save(buf, "JPEG", quality=75)
    except FileNotFoundError:
        raise Http404("照片文件不存在。") from None
    return _image_headers(HttpResponse(buf.getvalue(), content_type="image/jpeg"), p, "-thumb")
