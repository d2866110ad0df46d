"""Writes for campaigns: permission, validation, history, in one transaction."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from organizations.models import EDITOR_ROLES, Role, Unit, User
from organizations.scoping import has_role_at, in_scope
from pairings.services import new_code, refresh_last_logged

from .models import (
    Activity,
    ActivityOrganizer,
    ActivityOutcome,
    ActivityPhoto,
    Campaign,
    Commitment,
    CommitmentStatus,
    DecisionStatus,
    Indicator,
    IndicatorKind,
    JointMeeting,
    MeetingDecision,
    OrganizerRole,
    ReviewStatus,
    Survey,
)


@transaction.atomic
def campaign_save(*, actor: User | None, slug: str, name: str, owner_unit: Unit, start_date,
                  end_date=None, theme: str | None = None, phase: str | None = None,
                  description: str | None = None, reason: str | None = None) -> tuple[Campaign, bool]:
    """Create the campaign with ``slug`` or update it; only the owner unit's county admins."""
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("owner_unit").filter(slug=slug).first()
    created = campaign is None
    for unit in (owner_unit, None if created else campaign.owner_unit):
        if unit is not None and actor is not None and not has_role_at(actor, unit, (Role.COUNTY_ADMIN,)):
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


# --- activities ----------------------------------------------------------------------------------

REVIEWER_ROLES = (Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF)
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
PHOTOS_PER_ACTIVITY = 9


def _allowed(actor, unit, roles) -> bool:
    return actor is None or actor.is_superuser or has_role_at(actor, unit, roles)


def can_log(user, unit: Unit, pairing=None) -> bool:
    """Who may record an activity or commitment at ``unit`` (optionally for ``pairing``)."""
    if _allowed(user, unit, EDITOR_ROLES):
        return True
    return pairing is not None and _allowed(user, pairing.bureau, (Role.BUREAU_LIAISON, Role.COUNTY_ADMIN))


def can_review(user, activity: Activity) -> bool:
    if user is not None and activity.author_id and activity.author_id == user.pk and not user.is_superuser:
        return False
    return _allowed(user, activity.unit, REVIEWER_ROLES) or (
        activity.pairing is not None and _allowed(user, activity.pairing.village, REVIEWER_ROLES))


def can_edit_activity(user, activity: Activity) -> bool:
    if activity.status == ReviewStatus.VERIFIED:
        return False
    if user is not None and activity.author_id == user.pk:
        return True
    return can_review(user, activity)


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


def _write_outcomes(activity: Activity, outcomes: dict) -> None:
    """Set the values of the active outcome indicators; values of indicators switched off since
    are kept as they were."""
    existing = {o.indicator_id: o for o in activity.outcomes.filter(indicator__active=True)}
    for ind, value in outcomes.items():
        o = existing.pop(ind.pk, None)
        if o is None:
            ActivityOutcome.objects.create(activity=activity, indicator=ind, value=value)
        elif o.value != value:
            o.value = value
            o.save()
    for o in existing.values():
        o.delete()


@transaction.atomic
def activity_submit(*, actor: User | None, campaign: Campaign, date, unit: Unit, category: str, title: str,
                    activity: Activity | None = None, code: str | None = None, pairing=None,
                    link_area: str = "", description: str = "", participants: int = 0,
                    organizers: list[tuple] | None = None, outcomes: dict | None = None,
                    verified: bool = False, reason: str | None = None) -> tuple[Activity, bool]:
    """Record (or resubmit) an activity with its organisers and outcome values.

    ``organizers`` is a list of (unit, organization or None, role). ``verified=True`` (imports of
    reviewed figures) needs a reviewer's role over the unit.
    """
    if activity is None and code:
        activity = Activity.objects.select_for_update(of=("self",)).select_related("unit", "pairing").filter(code=code).first()
    elif activity is not None:
        # Re-read and lock: a stale copy must not get round the review lock.
        activity = Activity.objects.select_for_update(of=("self",)).select_related("unit", "pairing").get(pk=activity.pk)
    created = activity is None
    if not created:
        if activity.status == ReviewStatus.VERIFIED and not verified:
            raise ValidationError("该活动已审核通过并锁定;如需更正,请由管理员在后台更正并说明理由。")
        if not (can_edit_activity(actor, activity) or (verified and _allowed(actor, activity.unit, REVIEWER_ROLES))):
            raise PermissionDenied("您没有权限修改该活动。")
    if not can_log(actor, unit, pairing):
        raise PermissionDenied("您没有权限为该单位填报活动。")
    if verified and not _allowed(actor, unit, REVIEWER_ROLES):
        raise PermissionDenied("只有县、乡审核人员可以直接登记已审核的活动。")
    if date > timezone.localdate():
        raise ValidationError({"date": "活动日期不能晚于今天。"})
    if campaign.start_date and date < campaign.start_date:
        raise ValidationError({"date": f"活动日期早于“{campaign.name}”的开始日期{campaign.start_date}。"})
    _check_pairing(unit, pairing)
    clean_outcomes = validate_outcomes(outcomes or {})
    old_pairing_id = None if created else activity.pairing_id
    activity = activity or Activity(code=code or new_code("ACT", date), author=actor)
    activity.campaign, activity.date, activity.unit, activity.pairing = campaign, date, unit, pairing
    activity.category, activity.link_area, activity.title = category, link_area, title
    activity.description, activity.participants = description, participants
    if verified:
        activity.status, activity.reviewed_by, activity.reviewed_at = ReviewStatus.VERIFIED, actor, timezone.now()
        activity.review_comment = activity.review_comment or "导入已审核数据"
    else:
        activity.status = ReviewStatus.SUBMITTED
    activity.full_clean()
    activity._change_reason = reason or ("填报活动" if created else "修改活动")
    activity.save()
    if organizers is not None:
        _write_organizers(activity, organizers)
    if outcomes is not None:
        _write_outcomes(activity, clean_outcomes)
    for pid in {old_pairing_id, activity.pairing_id}:
        refresh_last_logged(pid)
    return activity, created


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


@transaction.atomic
def activity_review(*, actor: User, activity: Activity, approve: bool, comment: str = "") -> Activity:
    """Verify (locks the record) or return to its author with a comment."""
    activity = Activity.objects.select_for_update(of=("self",)).select_related("unit", "pairing__village").get(pk=activity.pk)
    if not can_review(actor, activity):
        raise PermissionDenied("您没有权限审核该活动(不能审核自己填报的记录)。")
    if activity.status != ReviewStatus.SUBMITTED:
        raise ValidationError("只能审核“待审核”的活动。")
    if not approve and not comment.strip():
        raise ValidationError({"review_comment": "退回时请写明需要修改的地方。"})
    activity.status = ReviewStatus.VERIFIED if approve else ReviewStatus.RETURNED
    activity.review_comment = comment.strip()
    activity.reviewed_by, activity.reviewed_at = actor, timezone.now()
    activity._change_reason = "审核通过" if approve else f"退回:{comment.strip()}"
    activity.save()
    return activity


@transaction.atomic
def activity_correct(*, actor: User, activity: Activity, reason: str, **changes) -> Activity:
    """An administrator's correction of a verified record, with the reason kept in history."""
    if not actor.is_superuser:
        raise PermissionDenied("只有系统管理员可以更正已审核的记录。")
    if not reason.strip():
        raise ValidationError({"reason": "更正已审核的记录必须说明理由。"})
    outcomes = changes.pop("outcomes", None)
    for name, value in changes.items():
        setattr(activity, name, value)
    _check_pairing(activity.unit, activity.pairing)
    activity.full_clean()
    activity._change_reason = f"管理员更正:{reason.strip()}"
    activity.save()
    if outcomes is not None:
        _write_outcomes(activity, validate_outcomes(outcomes))
    refresh_last_logged(activity.pairing_id)
    return activity


def _read_image(upload):
    """Open and verify an uploaded image; a clear error for anything else."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(f"照片“{upload.name}”超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB,请压缩后再上传。")
    try:
        upload.seek(0)
        Image.open(upload).verify()
        upload.seek(0)
        img = Image.open(upload)
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(f"“{upload.name}”不是可识别的图片,请上传 JPG、PNG 或 WEBP 照片。") from None
    if img.format not in ("JPEG", "PNG", "WEBP", "MPO"):
        raise ValidationError(f"“{upload.name}”的格式({img.format})不支持,请上传 JPG、PNG 或 WEBP 照片。")
    if img.width * img.height > 60_000_000:
        raise ValidationError(f"“{upload.name}”像素过大,请缩小后再上传。")
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


@transaction.atomic
def activity_add_photos(*, actor: User | None, activity: Activity, uploads, captions=None) -> list[ActivityPhoto]:
    """Check every file first (all or nothing), then store resized copies under random names."""
    if not (can_edit_activity(actor, activity) or (actor is None)):
        raise PermissionDenied("您没有权限为该活动上传照片。")
    uploads = list(uploads)
    if activity.photos.count() + len(uploads) > PHOTOS_PER_ACTIVITY:
        raise ValidationError(f"每个活动最多上传 {PHOTOS_PER_ACTIVITY} 张照片。")
    images = [_read_image(u) for u in uploads]
    photos = []
    for i, img in enumerate(images):
        photo = ActivityPhoto(activity=activity, uploaded_by=actor,
                              caption=(captions or [""] * len(images))[i] if captions else "")
        photo.image.save("photo.jpg", ContentFile(resize_for_phone(img), name="photo.jpg"), save=False)
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

class StaleEdit(ValidationError):
    """Someone else saved the record since this edit began (optimistic locking)."""


def can_edit_commitment(user, commitment: Commitment) -> bool:
    return can_log(user, commitment.unit, commitment.pairing)


@transaction.atomic
def commitment_save(*, actor: User | None, campaign: Campaign, unit: Unit, content: str, made_on,
                    commitment: Commitment | None = None, code: str | None = None, organization=None,
                    pairing=None, due_date=None, status: str = CommitmentStatus.PENDING, completed_on=None,
                    progress: str | None = None, evidence: str | None = None,
                    expected_version: int | None = None) -> tuple[Commitment, bool]:
    """Create or update a public commitment. ``expected_version`` (from the edit form) refuses a
    save when someone else saved in between, so nobody silently overwrites anyone."""
    if commitment is None and code:
        commitment = Commitment.objects.select_for_update(of=("self",)).filter(code=code).select_related("unit", "pairing").first()
    elif commitment is not None:
        commitment = Commitment.objects.select_for_update(of=("self",)).select_related("unit", "pairing").get(pk=commitment.pk)
    created = commitment is None
    if not created:
        if not can_edit_commitment(actor, commitment):
            raise PermissionDenied("您没有权限修改该承诺。")
        if expected_version is not None and expected_version != commitment.version:
            raise StaleEdit("保存失败:在您编辑期间,这条承诺已被他人修改。您填写的内容仍保留在表单中,"
                            "请查看最新版本后再决定如何保存。")
    if not can_log(actor, unit, pairing):
        raise PermissionDenied("您没有权限为该单位登记承诺。")
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
    c._change_reason = "登记承诺" if created else "更新承诺"
    c.save()
    for pid in {old_pairing_id, c.pairing_id}:
        refresh_last_logged(pid)
    return c, created


# --- joint meetings ------------------------------------------------------------------------------

@transaction.atomic
def meeting_save(*, actor: User | None, campaign: Campaign, held_on, host_unit: Unit, title: str,
                 meeting: JointMeeting | None = None, code: str | None = None, pairing=None,
                 member_units=(), member_organizations=(), minutes: str = "") -> tuple[JointMeeting, bool]:
    if meeting is None and code:
        meeting = JointMeeting.objects.filter(code=code).first()
    created = meeting is None
    if not created and not can_log(actor, meeting.host_unit, meeting.pairing):
        raise PermissionDenied("您没有权限修改该会议。")
    if not can_log(actor, host_unit, pairing):
        raise PermissionDenied("您没有权限为该单位登记联席会议。")
    _check_pairing(host_unit, pairing)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "会议日期不能晚于今天。"})
    m = meeting or JointMeeting(code=code or new_code("MTG", held_on), created_by=actor)
    m.campaign, m.held_on, m.host_unit, m.pairing, m.title, m.minutes = (
        campaign, held_on, host_unit, pairing, title, minutes)
    m.full_clean()
    m._change_reason = "登记联席会议" if created else "修改联席会议"
    m.save()
    m.member_units.set(member_units)
    m.member_organizations.set(member_organizations)
    return m, created


def can_update_decision(user, decision: MeetingDecision) -> bool:
    """The assigned unit's editors or whoever may record the meeting."""
    return _allowed(user, decision.assigned_unit, EDITOR_ROLES) or can_log(
        user, decision.meeting.host_unit, decision.meeting.pairing)


@transaction.atomic
def decision_add(*, actor: User | None, meeting: JointMeeting, content: str, assigned_unit: Unit,
                 deadline=None) -> MeetingDecision:
    if not can_log(actor, meeting.host_unit, meeting.pairing):
        raise PermissionDenied("您没有权限为该会议添加议定事项。")
    paired = meeting.pairing is not None and assigned_unit.pk in (meeting.pairing.village_id,
                                                                  meeting.pairing.bureau_id)
    if actor is not None and not actor.is_superuser and not (paired or in_scope(actor, assigned_unit)):
        raise ValidationError({"assigned_unit": "责任单位必须在您的工作范围内,或是本结对的另一方。"})
    if deadline and deadline < meeting.held_on:
        raise ValidationError({"deadline": "完成时限不能早于会议日期。"})
    d = MeetingDecision(meeting=meeting, content=content, assigned_unit=assigned_unit, deadline=deadline)
    d.full_clean()
    d._change_reason = "议定事项"
    d.save()
    return d


@transaction.atomic
def decision_update(*, actor: User | None, decision: MeetingDecision, status: str, result: str = "",
                    done_on=None) -> MeetingDecision:
    if not can_update_decision(actor, decision):
        raise PermissionDenied("您没有权限更新该议定事项。")
    if status == DecisionStatus.DONE and not done_on:
        raise ValidationError({"done_on": "已落实的事项请填写落实日期。"})
    decision.status, decision.result = status, result
    decision.done_on = done_on if status == DecisionStatus.DONE else None
    decision.full_clean()
    decision._change_reason = "更新议定事项"
    decision.save()
    return decision


# --- democratic appraisal tallies ----------------------------------------------------------------

@transaction.atomic
def survey_save(*, actor: User | None, campaign: Campaign, unit: Unit, subject: str, held_on,
                satisfied: int, basically_satisfied: int, dissatisfied: int, survey: Survey | None = None,
                code: str | None = None) -> tuple[Survey, bool]:
    """Record the ballot counts of an appraisal (county and township staff)."""
    if survey is None and code:
        survey = Survey.objects.select_for_update(of=("self",)).filter(code=code).select_related("unit").first()
    created = survey is None
    for u in (unit, None if created else survey.unit):
        if u is not None and not _allowed(actor, u, REVIEWER_ROLES):
            raise PermissionDenied("只有县、乡工作人员可以登记民主测评票数。")
    if satisfied + basically_satisfied + dissatisfied == 0:
        raise ValidationError({"satisfied": "票数合计不能为0。"})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "测评日期不能晚于今天。"})
    s = survey or Survey(code=code or new_code("SRV", held_on))
    s.campaign, s.unit, s.subject, s.held_on = campaign, unit, subject, held_on
    s.satisfied, s.basically_satisfied, s.dissatisfied = satisfied, basically_satisfied, dissatisfied
    s.full_clean()
    s._change_reason = "登记测评" if created else "修改测评"
    s.save()
    return s, created
