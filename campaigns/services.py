"""Writes for campaigns: permission, validation, history, in one transaction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cobuild import bulk
from cobuild.batching import batched
from cobuild.uploads import open_image
from organizations import records
from organizations.models import Unit, User
from pairings.policy import refuse
from pairings.services import correction_reason, new_code, refresh_last_logged

from .models import (
    Activity,
    ActivityOrganizer,
    ActivityOutcome,
    ActivityPhoto,
    AppraisalSubject,
    BoardKind,
    BoardStatus,
    Campaign,
    Category,
    Commitment,
    CommitmentStatus,
    DecisionStatus,
    Indicator,
    IndicatorKind,
    JointMeeting,
    MeetingDecision,
    OrganizerRole,
    PairingPlan,
    PlanItem,
    PlanMeasure,
    PublicBoard,
    ReviewStatus,
    StagedPhoto,
    Survey,
    SurveySubject,
    subject_choices,
)
from .policy import (
    activity_refusals,
    board_refusals,
    can_assign_decision,
    can_edit_activity,
    can_edit_meeting,
    can_log_somewhere,
    can_review,
    can_set_appraisal_subjects,
    can_set_campaign,
    can_update_decision,
    commitment_refusals,
    meeting_refusals,
    plan_refusals,
    survey_refusals,
)


@transaction.atomic
def campaign_save(*, actor: User | None, slug: str, name: str, owner_unit: Unit, start_date,
                  end_date=None, theme: str | None = None, phase: str | None = None,
                  description: str | None = None, reason: str | None = None) -> tuple[Campaign, bool]:
    """Create the campaign with ``slug`` or update it; only the owner unit's county admins."""
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("owner_unit").filter(slug=slug).first()
    created = campaign is None
    for unit in (owner_unit, None if created else campaign.owner_unit):
        if unit is not None and not can_set_campaign(actor, unit):
            raise PermissionDenied("只有县级组织部管理员可以设立或修改活动。")
    campaign = campaign or Campaign(slug=slug)
    campaign.name, campaign.owner_unit = name, owner_unit
    campaign.start_date, campaign.end_date = start_date, end_date
    if theme is not None:
        campaign.theme = theme
    if phase is not None:
        campaign.phase = phase
    if description is not None:
        campaign.description = description
    campaign.full_clean()
    campaign._change_reason = reason or ("新建活动" if created else "修改活动")
    campaign.save()
    return campaign, created


class StaleEdit(ValidationError):
    """Someone else saved the record since this edit began (optimistic locking)."""


# --- activities ----------------------------------------------------------------------------------

PHOTO_MAX_BYTES = settings.PHOTO_MAX_BYTES
PHOTO_MAX_SIDE = 1600
PHOTOS_PER_ACTIVITY = settings.PHOTOS_PER_ACTIVITY
#: a staged photo (uploaded before its form was accepted) is kept this long
STAGED_PHOTO_HOURS = 24
#: staged photos one user may hold at once
STAGED_PER_USER = 3 * PHOTOS_PER_ACTIVITY


STALE_MESSAGE = "保存失败:在您编辑期间,该活动已被他人修改。您填写的内容仍保留在表单中,请查看最新版本后再决定如何保存。"
STALE_REVIEW_MESSAGE = "该记录在您打开后已被修改,请重新查看后再审核。"


def _check_pairing(unit: Unit, pairing) -> None:
    if pairing is not None and unit.pk not in (pairing.village_id, pairing.bureau_id):
        raise ValidationError({"pairing": "活动地点必须是该结对的村(社区)或帮建单位。"})


def validate_outcomes(outcomes: dict, indicators: dict | None = None) -> dict:
    """{indicator code: value} → {Indicator: Decimal}; unknown codes, negatives and implausible
    values are refused with a message naming the indicator. ``indicators`` (code → active outcome
    Indicator) saves the lookup when checking many rows."""
    if not outcomes:
        return {}
    if indicators is None:
        indicators = {i.code: i for i in Indicator.objects.filter(kind=IndicatorKind.OUTCOME, active=True)}
    errors, clean = {}, {}
    for code, raw in outcomes.items():
        if raw in (None, ""):
            continue
        ind = indicators.get(code)
        if ind is None:
            errors[code] = f"“{code}”不是可填报的成效指标。"
            continue
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors[code] = f"{ind.name}:请填写数字。"
            continue
        if not value.is_finite():
            errors[code] = f"{ind.name}:请填写数字。"
            continue
        if value < 0:
            errors[code] = f"{ind.name}:不能为负数。"
        elif ind.max_per_activity is not None and value > ind.max_per_activity:
            errors[code] = (f"{ind.name}:{value.normalize():f}{ind.unit}超过单次活动的合理上限"
                            f"{ind.max_per_activity.normalize():f}{ind.unit},请核对。")
        elif value != value.to_integral_value() and not ind.is_money:
            errors[code] = f"{ind.name}:请填写整数。"
        else:
            clean[ind] = value
    if errors:
        raise ValidationError(errors)
    return clean


def _write_outcomes(activity: Activity, outcomes: dict, history: str | None = None) -> None:
    """Set the values of the active outcome indicators; values of indicators switched off since
    are kept as they were. ``history`` is the change reason their history rows carry."""
    existing = {o.indicator_id: o for o in activity.outcomes.filter(indicator__active=True)}
    created, changed = [], []
    for ind, value in outcomes.items():
        o = existing.pop(ind.pk, None)
        if o is None:
            created.append(ActivityOutcome(activity=activity, indicator=ind, value=value))
        elif o.value != value:
            o.value = value
            changed.append(o)
    # In bulk (a constant number of queries however many outcomes), with their history rows.
    if created:
        bulk_create_with_history(created, ActivityOutcome, default_change_reason=history)
    if changed:
        bulk_update_with_history(changed, ActivityOutcome, ["value"], default_change_reason=history)
    for o in existing.values():
        o._change_reason = history
        o.delete()
    if created or changed:
        records.changed("activity", activity.pk)


def _lock_activity(activity: Activity | None, code: str | None) -> Activity | None:
    """Re-read and lock the stored record: a stale copy must not get round the review lock."""
    qs = Activity.objects.select_for_update(of=("self",)).select_related("unit", "pairing__village", "pairing__bureau")
    if activity is not None:
        return qs.get(pk=activity.pk)
    return qs.filter(code=code).first() if code else None


def _check_version(activity: Activity | None, expected_version: int | None, message: str = STALE_MESSAGE) -> None:
    if activity is not None and expected_version is not None and expected_version != activity.version:
        raise StaleEdit(message)


@batched
def activity_submit(*, actor: User | None, campaign: Campaign, date, unit: Unit, category: str, title: str,
                    activity: Activity | None = None, code: str | None = None, pairing=None,
                    link_area: str = "", description: str = "", participants: int = 0,
                    organizers: list[tuple] | None = None, outcomes: dict | None = None,
                    verified: bool = False, reason: str | None = None,
                    expected_version: int | None = None) -> tuple[Activity, bool]:
    """Record (or resubmit) an activity with its organisers and outcome values.

    ``organizers`` is a list of (unit, organization or None, role). ``verified=True`` (imports of
    reviewed figures) needs a reviewer's role over the unit, and over somebody else's stored
    record it is a review (``can_review``). ``expected_version`` (from the edit form) refuses
    a save when someone else saved in between. The rules: ``activity_refusals``.
    """
    activity = _lock_activity(activity, code)
    created = activity is None
    refuse(activity_refusals(actor, activity=activity, unit=unit, pairing=pairing, verified=verified))
    _check_version(activity, expected_version)
    activity = activity or Activity(code=code or new_code("ACT", date), author=actor)
    if verified:
        activity.status, activity.reviewed_by, activity.reviewed_at = ReviewStatus.VERIFIED, actor, timezone.now()
        activity.review_comment = activity.review_comment or "导入已审核数据"
    else:
        activity.status = ReviewStatus.SUBMITTED
    return _activity_write(
        activity, created=created, campaign=campaign, date=date, unit=unit, pairing=pairing, category=category,
        link_area=link_area, title=title, description=description, participants=participants,
        organizers=organizers, outcomes=outcomes,
        history=reason or ("填报活动" if created else "修改活动")), created


def _check_activity(*, campaign, date, unit, pairing, outcomes, indicators=None) -> dict:
    """The rules of an activity's own values (no query): returns its outcomes validated."""
    if date > timezone.localdate():
        raise ValidationError({"date": "活动日期不能晚于今天。"})
    if campaign.start_date and date < campaign.start_date:
        raise ValidationError({"date": f"活动日期早于“{campaign.name}”的开始日期{campaign.start_date}。"})
    _check_pairing(unit, pairing)
    return validate_outcomes(outcomes or {}, indicators)


@batched
def activity_create_many(*, actor: User | None, items: list[dict], reason: str = "导入活动",
                         indicators: dict | None = None) -> list[Activity]:
    """Record many *new* activities at once (imports): the rules of ``activity_submit`` for each
    item (``activity_refusals``, ``_check_activity``), then the rows, their history and outcomes
    written in bulk and the summary brought up to date once. Each item holds the keyword
    arguments of ``activity_submit`` (``code`` required). A refused item raises with
    ``item_index`` set, and nothing is written."""
    now = timezone.now()
    activities, outcome_values = [], []
    for i, item in enumerate(items):
        try:
            verified = item.get("verified", False)
            refuse(activity_refusals(actor, activity=None, unit=item["unit"], pairing=item.get("pairing"),
                                     verified=verified))
            outcome_values.append(_check_activity(
                campaign=item["campaign"], date=item["date"], unit=item["unit"], pairing=item.get("pairing"),
                outcomes=item.get("outcomes"), indicators=indicators))
            a = Activity(code=item["code"], author=actor, campaign=item["campaign"], date=item["date"],
                         unit=item["unit"], pairing=item.get("pairing"), category=item["category"],
                         link_area=item.get("link_area", ""), title=item["title"],
                         description=item.get("description", ""), participants=item.get("participants") or 0)
            if verified:
                a.status, a.reviewed_by, a.reviewed_at = ReviewStatus.VERIFIED, actor, now
                a.review_comment = "导入已审核数据"
            # Field rules here; foreign keys, uniqueness and constraints by the database.
            a.clean_fields(exclude=["campaign", "unit", "pairing", "author", "reviewed_by"])
        except (ValidationError, PermissionDenied) as exc:
            exc.item_index = i
            raise
        activities.append(a)
    activities = bulk.create_with_history(activities, Activity, batch_size=1000, user=actor, reason=reason)
    outcomes = [ActivityOutcome(activity=a, indicator=ind, value=value)
                for a, values in zip(activities, outcome_values, strict=True) for ind, value in values.items()]
    if outcomes:
        bulk.create_with_history(outcomes, ActivityOutcome, batch_size=2000, user=actor, reason=reason)
    for a in activities:
        records.changed("activity", a.pk)
    for pid in sorted({a.pairing_id for a in activities if a.pairing_id}):
        refresh_last_logged(pid)
    return activities


def _activity_write(activity: Activity, *, created: bool, campaign, date, unit, pairing, category, link_area,
                    title, description, participants, organizers, outcomes, history: str) -> Activity:
    """The one validation and write of an activity (submit and correction alike)."""
    clean_outcomes = _check_activity(campaign=campaign, date=date, unit=unit, pairing=pairing, outcomes=outcomes)
    old_pairing_id = None if created else activity.pairing_id
    activity.campaign, activity.date, activity.unit, activity.pairing = campaign, date, unit, pairing
    activity.category, activity.link_area, activity.title = category, link_area, title
    activity.description, activity.participants = description, participants
    if not created:
        activity.version += 1
    activity.full_clean()
    activity._change_reason = history
    activity.save()
    if organizers is not None:
        _write_organizers(activity, organizers)
    if outcomes is not None:
        _write_outcomes(activity, clean_outcomes, history)
    for pid in {old_pairing_id, activity.pairing_id}:
        refresh_last_logged(pid)
    return activity


def _write_organizers(activity: Activity, organizers: list[tuple]) -> None:
    wanted = []
    for unit, organization, role in organizers:
        if organization is not None and organization.unit_id != unit.pk:
            raise ValidationError({"organizers": f"“{organization.name}”不属于“{unit.name}”。"})
        wanted.append((unit.pk, organization.pk if organization else None, role))
    if sum(1 for w in wanted if w[2] == OrganizerRole.LEADS) > 1:
        raise ValidationError({"organizers": "一个活动只能有一个牵头单位。"})
    current = {(o.unit_id, o.organization_id, o.role): o for o in activity.organizers.all()}
    for key in wanted:
        if key not in current:
            ActivityOrganizer.objects.create(activity=activity, unit_id=key[0], organization_id=key[1], role=key[2])
    for key, o in current.items():
        if key not in wanted:
            o.delete()


@batched
def activity_review(*, actor: User, activity: Activity, approve: bool, comment: str = "",
                    expected_version: int | None = None) -> Activity:
    """Verify (locks the record) or return to its author with a comment. ``expected_version``
    is the version the reviewer saw: a record changed since is refused (StaleEdit)."""
    activity = _lock_activity(activity, None)
    if not can_review(actor, activity):
        raise PermissionDenied("您没有权限审核该活动(不能审核自己填报的记录)。")
    _check_version(activity, expected_version, STALE_REVIEW_MESSAGE)
    if activity.status != ReviewStatus.SUBMITTED:
        raise ValidationError("只能审核“待审核”的活动。")
    if not approve and not comment.strip():
        raise ValidationError({"review_comment": "退回时请写明需要修改的地方。"})
    activity.status = ReviewStatus.VERIFIED if approve else ReviewStatus.RETURNED
    activity.review_comment = comment.strip()
    activity.reviewed_by, activity.reviewed_at = actor, timezone.now()
    activity.version += 1
    activity._change_reason = "审核通过" if approve else f"退回:{comment.strip()}"
    activity.save()
    if not approve:
        refresh_last_logged(activity.pairing_id)   # a returned activity keeps no pair active
    return activity


ACTIVITY_FIELDS = ("campaign", "date", "unit", "pairing", "category", "link_area", "title", "description",
                   "participants")


@batched
def activity_correct(*, actor: User | None, activity: Activity, reason: str, expected_version: int | None = None,
                     **changes) -> Activity:
    """A county admin's (or superuser's) correction (更正) of a record, verified ones included:
    the same validation as a submission, the review status kept, the reason in the history.
    ``changes`` are any of ACTIVITY_FIELDS, ``organizers`` and ``outcomes``; the rest stay."""
    unknown = set(changes) - {*ACTIVITY_FIELDS, "organizers", "outcomes"}
    if unknown:
        raise TypeError(f"activity_correct() got unexpected fields: {', '.join(sorted(unknown))}")
    activity = _lock_activity(activity, None)
    history = correction_reason(actor, reason, activity, activity.unit, changes.get("unit"))
    _check_version(activity, expected_version)
    values = {name: changes.get(name, getattr(activity, name)) for name in ACTIVITY_FIELDS}
    return _activity_write(activity, created=False, organizers=changes.get("organizers"),
                           outcomes=changes.get("outcomes"), history=history, **values)


def _read_image(upload):
    """Open and verify an uploaded image; a clear error for anything else. The pixel size is
    checked from the header before decoding (``cobuild.uploads.open_image``)."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(f"照片“{upload.name}”超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB,请压缩后再上传。")
    img = open_image(upload)
    if img.format not in ("JPEG", "PNG", "WEBP", "MPO"):
        raise ValidationError(f"“{upload.name}”的格式({img.format})不支持,请上传 JPG、PNG 或 WEBP 照片。")
    return img


def resize_for_phone(img) -> bytes:
    """Orient by EXIF, drop metadata, fit within PHOTO_MAX_SIDE, re-encode as JPEG."""
    from PIL import ImageOps

    img = ImageOps.exif_transpose(img)
    img = img.convert("RGB")
    img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    buf = BytesIO()
    img.save(buf, "JPEG", quality=82, optimize=True)
    return buf.getvalue()


def photos_prepare(uploads) -> list[bytes]:
    """Check every uploaded file and make its resized JPEG (all or nothing). No database work: the
    pages call this *before* their transaction, so decoding photos never holds a lock."""
    images = [_read_image(u) for u in uploads]
    return [resize_for_phone(img) for img in images]


def photo_stage(*, actor: User, upload) -> StagedPhoto:
    """Check and resize one photo (the same checks as an activity's photos) and keep it for its
    uploader until a form attaches it (``staged_photos_take``) or it expires."""
    if actor is None or not can_log_somewhere(actor):
        raise PermissionDenied("您没有填报活动的权限。")
    content = photos_prepare([upload])[0]
    fresh = StagedPhoto.objects.filter(user=actor, created_at__gte=_staged_cutoff())
    if fresh.count() >= STAGED_PER_USER:
        raise ValidationError(f"待提交的照片已有 {STAGED_PER_USER} 张,请先提交活动或稍后再试。")
    staged = StagedPhoto(user=actor)
    staged.image.save("photo.jpg", ContentFile(content, name="photo.jpg"), save=False)
    staged.save()
    return staged


def _staged_cutoff():
    return timezone.now() - timedelta(hours=STAGED_PHOTO_HOURS)


def staged_photos_of(actor: User, ids) -> list[StagedPhoto]:
    """The actor's own unexpired staged photos among ``ids`` (anyone else's id is ignored)."""
    ids = [i for i in ids if isinstance(i, int)]
    if actor is None or not ids:
        return []
    return list(StagedPhoto.objects.filter(user=actor, pk__in=ids, created_at__gte=_staged_cutoff())
                .order_by("pk")[:PHOTOS_PER_ACTIVITY + 1])


def staged_photos_take(staged: list[StagedPhoto]) -> list[bytes]:
    """The resized JPEGs of ``staged`` (for ``activity_add_photos(prepared=...)``); their rows are
    deleted in the caller's transaction and their files once it commits."""
    contents = []
    for s in staged:
        with s.image.open("rb") as f:
            contents.append(f.read())
    names = [(s.image.storage, s.image.name) for s in staged]
    StagedPhoto.objects.filter(pk__in=[s.pk for s in staged]).delete()
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])
    return contents


def staged_photos_prune(now=None) -> int:
    """Delete the staged photos older than ``STAGED_PHOTO_HOURS`` and their files (``prune_jobs``)."""
    cutoff = (now or timezone.now()) - timedelta(hours=STAGED_PHOTO_HOURS)
    expired = list(StagedPhoto.objects.filter(created_at__lt=cutoff))
    for s in expired:
        s.image.delete(save=False)
    StagedPhoto.objects.filter(pk__in=[s.pk for s in expired]).delete()
    return len(expired)


@transaction.atomic
def activity_add_photos(*, actor: User | None, activity: Activity, uploads=(), prepared: list[bytes] | None = None,
                        captions=None) -> list[ActivityPhoto]:
    """Store resized copies under random names: ``prepared`` (from ``photos_prepare``) or, for
    callers outside a page, ``uploads`` checked and resized here."""
    if not (can_edit_activity(actor, activity) or (actor is None)):
        raise PermissionDenied("您没有权限为该活动上传照片。")
    if prepared is None:
        prepared = photos_prepare(list(uploads))
    if activity.photos.count() + len(prepared) > PHOTOS_PER_ACTIVITY:
        raise ValidationError(f"每个活动最多上传 {PHOTOS_PER_ACTIVITY} 张照片。")
    photos = []
    for i, content in enumerate(prepared):
        photo = ActivityPhoto(activity=activity, uploaded_by=actor,
                              caption=(captions or [""] * len(prepared))[i] if captions else "")
        photo.image.save("photo.jpg", ContentFile(content, name="photo.jpg"), save=False)
        photo._change_reason = "上传照片"
        photo.save()
        photos.append(photo)
    return photos


@transaction.atomic
def activity_remove_photo(*, actor: User | None, photo: ActivityPhoto) -> None:
    if not can_edit_activity(actor, photo.activity):
        raise PermissionDenied("您没有权限删除该照片。")
    photo._change_reason = "删除照片"
    storage, name = photo.image.storage, photo.image.name
    photo.delete()
    # The file goes only once the row's deletion (and its history record) is committed.
    transaction.on_commit(lambda: storage.delete(name))


# --- commitments ---------------------------------------------------------------------------------

@batched
def commitment_save(*, actor: User | None, campaign: Campaign, unit: Unit, content: str, made_on,
                    commitment: Commitment | None = None, code: str | None = None, organization=None,
                    pairing=None, due_date=None, status: str = CommitmentStatus.PENDING, completed_on=None,
                    progress: str | None = None, evidence: str | None = None,
                    expected_version: int | None = None, reason: str | None = None,
                    correction: bool = False) -> tuple[Commitment, bool]:
    """Create or update a public commitment. ``expected_version`` (from the edit form) refuses a
    save when someone else saved in between, so nobody silently overwrites anyone.
    ``correction=True`` is a county admin's 更正 with a required ``reason``, kept in history."""
    if commitment is None and code:
        commitment = Commitment.objects.select_for_update(of=("self",)).filter(code=code).select_related("unit", "pairing").first()
    elif commitment is not None:
        commitment = Commitment.objects.select_for_update(of=("self",)).select_related("unit", "pairing").get(pk=commitment.pk)
    created = commitment is None
    if correction:
        reason = correction_reason(actor, reason, commitment, getattr(commitment, "unit", None), unit)
    refuse(commitment_refusals(actor, commitment=commitment, unit=unit))
    if not created and expected_version is not None and expected_version != commitment.version:
        raise StaleEdit("保存失败:在您编辑期间,这条承诺已被他人修改。您填写的内容仍保留在表单中,"
                        "请查看最新版本后再决定如何保存。")
    _check_pairing(unit, pairing)
    if organization is not None and organization.unit_id != unit.pk:
        raise ValidationError({"organization": "承诺组织必须属于承诺单位。"})
    errors = {}
    if due_date and due_date < made_on:
        errors["due_date"] = "承诺时限不能早于承诺日期。"
    if status == CommitmentStatus.DONE and not completed_on:
        errors["completed_on"] = "已完成的承诺请填写完成日期。"
    if completed_on and completed_on < made_on:
        errors["completed_on"] = "完成日期不能早于承诺日期。"
    if completed_on and completed_on > timezone.localdate():
        errors["completed_on"] = "完成日期不能晚于今天。"
    if errors:
        raise ValidationError(errors)
    old_pairing_id = None if created else commitment.pairing_id
    c = commitment or Commitment(code=code or new_code("CMT", made_on))
    c.campaign, c.unit, c.organization, c.pairing = campaign, unit, organization, pairing
    c.content, c.made_on, c.due_date, c.status = content, made_on, due_date, status
    c.completed_on = completed_on if status == CommitmentStatus.DONE else None
    if progress is not None:
        c.progress = progress
    if evidence is not None:
        c.evidence = evidence
    if not created:
        c.version += 1
    c.full_clean()
    c._change_reason = reason or ("登记承诺" if created else "更新承诺")
    c.save()
    for pid in {old_pairing_id, c.pairing_id}:
        refresh_last_logged(pid)
    return c, created


# --- joint meetings ------------------------------------------------------------------------------

@batched
def meeting_save(*, actor: User | None, campaign: Campaign, held_on, host_unit: Unit, title: str,
                 meeting: JointMeeting | None = None, code: str | None = None, pairing=None,
                 member_units=(), member_organizations=(), minutes: str = "",
                 reason: str | None = None, correction: bool = False) -> tuple[JointMeeting, bool]:
    """Create or update a joint meeting; ``correction=True``: a county admin's 更正 with ``reason``."""
    if meeting is None and code:
        meeting = JointMeeting.objects.select_for_update(of=("self",)).filter(code=code).select_related("host_unit").first()
    elif meeting is not None:
        meeting = JointMeeting.objects.select_for_update(of=("self",)).select_related("host_unit").get(pk=meeting.pk)
    created = meeting is None
    if correction:
        reason = correction_reason(actor, reason, meeting, getattr(meeting, "host_unit", None), host_unit)
    refuse(meeting_refusals(actor, meeting=meeting, host_unit=host_unit))
    _check_pairing(host_unit, pairing)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "会议日期不能晚于今天。"})
    m = meeting or JointMeeting(code=code or new_code("MTG", held_on), created_by=actor)
    m.campaign, m.held_on, m.host_unit, m.pairing, m.title, m.minutes = (
        campaign, held_on, host_unit, pairing, title, minutes)
    m.full_clean()
    m._change_reason = reason or ("登记联席会议" if created else "修改联席会议")
    m.save()
    m.member_units.set(member_units)
    m.member_organizations.set(member_organizations)
    return m, created


@batched
def decision_add(*, actor: User | None, meeting: JointMeeting, content: str, assigned_unit: Unit,
                 deadline=None, reason: str | None = None) -> MeetingDecision:
    if not can_edit_meeting(actor, meeting):
        raise PermissionDenied("您没有权限为该会议添加议定事项。")
    if not can_assign_decision(actor, meeting, assigned_unit):
        raise ValidationError({"assigned_unit": "责任单位必须在您的工作范围内,或是本结对的另一方。"})
    if deadline and deadline < meeting.held_on:
        raise ValidationError({"deadline": "完成时限不能早于会议日期。"})
    d = MeetingDecision(meeting=meeting, content=content, assigned_unit=assigned_unit, deadline=deadline)
    d.full_clean()
    d._change_reason = reason or "议定事项"
    d.save()
    return d


@batched
def decision_update(*, actor: User | None, decision: MeetingDecision, status: str, result: str = "",
                    done_on=None, reason: str | None = None, content: str | None = None, deadline=None,
                    correction: bool = False) -> MeetingDecision:
    """Report a decision's progress. ``correction=True`` (a county admin's 更正, ``reason``
    required) may also change what was decided (``content``) and its ``deadline``."""
    if correction:
        reason = correction_reason(actor, reason, decision, decision.assigned_unit, decision.meeting.host_unit)
        if content is not None:
            decision.content = content
        if deadline and deadline < decision.meeting.held_on:
            raise ValidationError({"deadline": "完成时限不能早于会议日期。"})
        decision.deadline = deadline
    elif not can_update_decision(actor, decision):
        raise PermissionDenied("您没有权限更新该议定事项。")
    if status == DecisionStatus.DONE and not done_on:
        raise ValidationError({"done_on": "已落实的事项请填写落实日期。"})
    decision.status, decision.result = status, result
    decision.done_on = done_on if status == DecisionStatus.DONE else None
    decision.full_clean()
    decision._change_reason = reason or "更新议定事项"
    decision.save()
    return decision


# --- democratic appraisal tallies ----------------------------------------------------------------

@batched
def survey_save(*, actor: User | None, campaign: Campaign, unit: Unit, subject: str, held_on,
                satisfied: int, basically_satisfied: int, dissatisfied: int, survey: Survey | None = None,
                code: str | None = None, reason: str | None = None,
                correction: bool = False) -> tuple[Survey, bool]:
    """Record the ballot counts of an appraisal (county and township staff); ``correction=True``
    is a county admin's 更正 with a required ``reason``."""
    if survey is None and code:
        survey = Survey.objects.select_for_update(of=("self",)).filter(code=code).select_related("unit").first()
    elif survey is not None:
        survey = Survey.objects.select_for_update(of=("self",)).select_related("unit").get(pk=survey.pk)
    created = survey is None
    if correction:
        reason = correction_reason(actor, reason, survey, getattr(survey, "unit", None), unit)
    refuse(survey_refusals(actor, survey=survey, unit=unit))
    if subject not in dict(subject_choices(include=survey.subject if survey is not None else None)):
        raise ValidationError({"subject": f"没有这个测评对象:“{subject}”。可用的测评对象见“测评对象”设置。"})
    if satisfied + basically_satisfied + dissatisfied == 0:
        raise ValidationError({"satisfied": "票数合计不能为0。"})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "测评日期不能晚于今天。"})
    s = survey or Survey(code=code or new_code("SRV", held_on))
    s.campaign, s.unit, s.subject, s.held_on = campaign, unit, subject, held_on
    s.satisfied, s.basically_satisfied, s.dissatisfied = satisfied, basically_satisfied, dissatisfied
    s.full_clean()
    s._change_reason = reason or ("登记测评" if created else "修改测评")
    s.save()
    return s, created


@transaction.atomic
def appraisal_subject_save(*, actor: User | None, code: str, name: str, order: int = 100, active: bool = True,
                           subject: AppraisalSubject | None = None, reason: str | None = None
                           ) -> tuple[AppraisalSubject, bool]:
    """Add or change a 测评对象 (county admins and superusers). A subject's code never changes once
    tallies use it; the two contract subjects stay active."""
    if not can_set_appraisal_subjects(actor):
        raise PermissionDenied("只有县级组织部管理员可以设置测评对象。")
    code, name = (code or "").strip(), (name or "").strip()
    obj = subject or AppraisalSubject.objects.filter(code=code).first()
    created = obj is None
    if obj is not None and obj.code != code and Survey.objects.filter(subject=obj.code).exists():
        raise ValidationError({"code": "已有测评记录使用这个编码,不能修改。"})
    if not active and code in SurveySubject.values:
        raise ValidationError({"active": "“对基层党组织”“对共建单位”是统计口径规定的测评对象,不能停用。"})
    obj = obj or AppraisalSubject()
    obj.code, obj.name, obj.order, obj.active = code, name, order, active
    obj.full_clean()
    obj._change_reason = reason or ("新增测评对象" if created else "修改测评对象")
    obj.save()
    return obj, created


# --- annual plans (共建计划) ----------------------------------------------------------------------

PLAN_STALE_MESSAGE = ("保存失败:在您编辑期间,这份共建计划已被他人修改。请查看最新版本后重新填写。")


@transaction.atomic
def plan_save(*, actor: User | None, pairing, year: int, items: dict, note: str = "",
              expected_version: int | None = None, reason: str | None = None) -> tuple[PairingPlan, bool]:
    """Create or replace the pair's plan for ``year``. ``items`` maps (measure, category, quarter)
    to the planned number; a zero or missing number removes that line (each change kept in the
    items' history, with ``reason``)."""
    refuse(plan_refusals(actor, pairing=pairing))
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": "年度须在 2000–2100 之间。"})
    errors = {}
    clean: dict[tuple, Decimal] = {}
    for (measure, category, quarter), value in items.items():
        if measure not in PlanMeasure.values:
            errors["items"] = f"未知的计划项目:{measure}。"
            continue
        if category and measure != PlanMeasure.ACTIVITIES:
            errors["items"] = "只有“共建活动”可以按类别编制计划。"
            continue
        if category and category not in Category.values:
            errors["items"] = f"未知的活动类别:{category}。"
            continue
        if quarter not in (1, 2, 3, 4):
            errors["items"] = "季度须为 1–4。"
            continue
        try:
            value = Decimal(value or 0)
        except (InvalidOperation, TypeError):
            errors["items"] = "计划数须为数字。"
            continue
        if value < 0:
            errors["items"] = "计划数不能为负数。"
            continue
        if measure in (PlanMeasure.ACTIVITIES, PlanMeasure.PROJECTS) and value != value.to_integral_value():
            errors["items"] = "活动次数、项目个数须为整数。"
            continue
        if value:
            clean[(measure, category or "", quarter)] = value
    if errors:
        raise ValidationError(errors)
    plan = PairingPlan.objects.select_for_update().filter(pairing=pairing, year=year).first()
    created = plan is None
    if not created and expected_version is not None and expected_version != plan.version:
        raise StaleEdit(PLAN_STALE_MESSAGE)
    plan = plan or PairingPlan(pairing=pairing, year=year)
    plan.note, plan.updated_by = note, actor
    if not created:
        plan.version += 1
    plan.full_clean()
    plan._change_reason = reason or ("编制共建计划" if created else "修改共建计划")
    plan.save()
    existing = {(i.measure, i.category, i.quarter): i for i in plan.items.all()}
    for key, item in existing.items():
        if key not in clean:
            item._change_reason = reason or "删除计划项"
            item.delete()
    for (measure, category, quarter), value in clean.items():
        item = existing.get((measure, category, quarter))
        if item is not None and item.planned == value:
            continue
        item = item or PlanItem(plan=plan, measure=measure, category=category, quarter=quarter)
        item.planned = value
        item._change_reason = reason or ("编制共建计划" if item.pk is None else "修改共建计划")
        item.save()
    return plan, created


# --- public boards (公示栏) -----------------------------------------------------------------------

@transaction.atomic
def board_create(*, actor: User | None, unit: Unit, title: str = "", pairing=None, campaign: Campaign | None = None,
                 kind: str = BoardKind.COMMITMENTS, token: str | None = None) -> PublicBoard:
    """Publish a board at a fresh unguessable link (``token`` only for deterministic demo data)."""
    import secrets

    refuse(board_refusals(actor, board=None, unit=unit, pairing=pairing))
    if kind not in BoardKind.values:
        raise ValidationError({"kind": "未知的公示类型。"})
    default = f"{pairing.village.name}—{pairing.bureau.name} 承诺公示" if pairing is not None else f"{unit.name} 承诺公示"
    board = PublicBoard(kind=kind, unit=unit, pairing=pairing, campaign=campaign,
                        title=(title or "").strip() or default, token=token or secrets.token_urlsafe(24),
                        created_by=actor)
    board.full_clean()
    board._change_reason = "发布公示"
    board.save()
    return board


@transaction.atomic
def board_withdraw(*, actor: User | None, board: PublicBoard, reason: str = "") -> PublicBoard:
    """Withdraw a board: its link answers 404 from now on (the cached page is dropped too)."""
    from .boards import forget_board

    board = PublicBoard.objects.select_for_update(of=("self",)).select_related("unit", "pairing").get(pk=board.pk)
    refuse(board_refusals(actor, board=board, unit=board.unit, pairing=board.pairing))
    if board.status == BoardStatus.WITHDRAWN:
        return board
    board.status, board.withdrawn_at, board.withdrawn_by = BoardStatus.WITHDRAWN, timezone.now(), actor
    board._change_reason = f"撤回公示:{reason}"[:100] if reason else "撤回公示"
    board.save()
    token = board.token
    transaction.on_commit(lambda: forget_board(token))
    return board
