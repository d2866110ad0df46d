"""Writes of the assessment (考核): schemes, items, deduction rules, review adjustments and the
four steps draft → reviewed (审核) → frozen (冻结) → published (发布).

Every writer (pages, admin, seed_demo) comes here. Only county admins over the scheme's unit
write (``policy.can_manage_assessment``; ``actor=None`` is the system). Items and rules change
only in a draft; adjustments in a draft or a reviewed scheme; nothing once frozen: freezing
stores each unit's result (``AssessmentResult``) computed by ``metrics.assessment.score`` and no
later edit of the records or of the scheme changes it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from campaigns.models import Campaign, Indicator
from organizations.models import Unit, User

from . import assessment
from .figures import LEVELS
from .models import (
    AssessmentAdjustment,
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    AssessmentStatus,
    DeductionKind,
    DeductionRule,
    ScoringMethod,
)
from .policy import can_manage_assessment

FROZEN_MESSAGE = "考核结果已冻结,不能再修改。"
STEP_LABELS = {"review": "审核", "reopen": "退回修改", "freeze": "冻结", "publish": "发布"}


def _who(actor):
    return actor if actor is not None and actor.pk else None


def _lock(scheme: AssessmentScheme) -> AssessmentScheme:
    return AssessmentScheme.objects.select_for_update().select_related("unit", "campaign").get(pk=scheme.pk)


def _check(actor, scheme: AssessmentScheme, allowed=(AssessmentStatus.DRAFT,), what="修改考核方案") -> None:
    if not can_manage_assessment(actor, scheme.unit):
        raise PermissionDenied(f"您没有权限{what}。")
    if scheme.is_frozen:
        raise ValidationError(FROZEN_MESSAGE)
    if scheme.status not in allowed:
        raise ValidationError(f"方案已审核,不能再{what};如需修改请先退回修改。")


def _decimal(value, field, label, lo, hi) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: f"{label}须为数字。"}) from None
    if not d.is_finite() or d < lo or d > hi:
        raise ValidationError({field: f"{label}须在{lo}–{hi}之间。"})
    return d


@transaction.atomic
def scheme_save(*, actor: User | None, title: str, campaign: Campaign, unit: Unit, year: int, level: str,
                date_from, date_to, scheme: AssessmentScheme | None = None,
                reason: str | None = None) -> tuple[AssessmentScheme, bool]:
    """Create a scheme (draft) or change a draft's heading."""
    if scheme is not None:
        scheme = _lock(scheme)
        _check(actor, scheme)
    if not can_manage_assessment(actor, unit):
        raise PermissionDenied(f"您没有权限在“{unit.name}”制定考核方案。")
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "请填写方案名称。"
    if level not in LEVELS:
        errors["level"] = "请选择考核对象。"
    if not unit.path.startswith(campaign.owner_unit.path):
        errors["unit"] = f"“{unit.name}”不在“{campaign.name}”主办单位的范围内。"
    if not (2000 <= int(year) <= 2100):
        errors["year"] = "年度须在 2000–2100 之间。"
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = "统计截止日期不能早于开始日期。"
    if not errors and AssessmentScheme.objects.filter(campaign=campaign, unit=unit, year=year, level=level,
                                                      title=title).exclude(pk=getattr(scheme, "pk", None)).exists():
        errors["title"] = "同一活动、年度、考核对象下已有同名方案。"
    if errors:
        raise ValidationError(errors)
    created = scheme is None
    s = scheme or AssessmentScheme(created_by=_who(actor))
    s.title, s.campaign, s.unit, s.year, s.level = title, campaign, unit, int(year), level
    s.date_from, s.date_to = date_from, date_to
    s.full_clean()
    s._change_reason = reason or ("新建考核方案" if created else "修改考核方案")
    s.save()
    return s, created


@transaction.atomic
def item_save(*, actor: User | None, scheme: AssessmentScheme, indicator: Indicator, method: str, max_points,
              cap_percent: int = 100, reason: str | None = None) -> tuple[AssessmentItem, bool]:
    """Add an indicator to a draft scheme, or change its points and method."""
    scheme = _lock(scheme)
    _check(actor, scheme)
    if method not in ScoringMethod.values:
        raise ValidationError({"method": "请选择计分方法。"})
    if not indicator.active:
        raise ValidationError({"indicator": f"指标“{indicator.name}”已停用。"})
    points = _decimal(max_points, "max_points", "分值", Decimal("0.01"), Decimal(1000))
    cap = int(_decimal(cap_percent, "cap_percent", "封顶比例", Decimal(100), Decimal(200)))
    item = AssessmentItem.objects.filter(scheme=scheme, indicator=indicator).first()
    created = item is None
    item = item or AssessmentItem(scheme=scheme, indicator=indicator)
    item.method, item.max_points, item.cap_percent = method, points, cap
    item.full_clean()
    item._change_reason = reason or ("添加考核指标" if created else "修改考核指标")
    item.save()
    return item, created


@transaction.atomic
def item_delete(*, actor: User | None, item: AssessmentItem, reason: str = "删除考核指标") -> None:
    _check(actor, _lock(item.scheme))
    item._change_reason = reason
    item.delete()


@transaction.atomic
def rule_save(*, actor: User | None, scheme: AssessmentScheme, kind: str, points_each, cap,
              reason: str | None = None) -> tuple[DeductionRule, bool]:
    scheme = _lock(scheme)
    _check(actor, scheme)
    if kind not in DeductionKind.values:
        raise ValidationError({"kind": "请选择扣分情形。"})
    each = _decimal(points_each, "points_each", "每项扣分", Decimal("0.01"), Decimal(100))
    top = _decimal(cap, "cap", "最多扣分", Decimal("0.01"), Decimal(100))
    rule = DeductionRule.objects.filter(scheme=scheme, kind=kind).first()
    created = rule is None
    rule = rule or DeductionRule(scheme=scheme, kind=kind)
    rule.points_each, rule.cap = each, top
    rule.full_clean()
    rule._change_reason = reason or ("添加扣分规则" if created else "修改扣分规则")
    rule.save()
    return rule, created


@transaction.atomic
def rule_delete(*, actor: User | None, rule: DeductionRule, reason: str = "删除扣分规则") -> None:
    _check(actor, _lock(rule.scheme))
    rule._change_reason = reason
    rule.delete()


@transaction.atomic
def adjustment_add(*, actor: User | None, scheme: AssessmentScheme, unit: Unit, points,
                   reason: str) -> AssessmentAdjustment:
    """A reviewer's adjustment of one unit's score, with its reason (draft or reviewed)."""
    scheme = _lock(scheme)
    _check(actor, scheme, (AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED), "调整分数")
    errors = {}
    pts = _decimal(points, "points", "调整分值", Decimal(-100), Decimal(100))
    if pts == 0:
        errors["points"] = "调整分值不能为0。"
    if not (reason or "").strip():
        errors["reason"] = "请填写调整理由。"
    if not assessment.assessed_units(scheme).filter(pk=unit.pk).exists():
        errors["unit"] = f"“{unit.name}”不是本方案的考核对象。"
    if errors:
        raise ValidationError(errors)
    adj = AssessmentAdjustment(scheme=scheme, unit=unit, points=pts, reason=reason.strip(), made_by=_who(actor))
    adj.full_clean()
    adj._change_reason = f"审核调整:{reason.strip()}"
    adj.save()
    return adj


@transaction.atomic
def adjustment_delete(*, actor: User | None, adjustment: AssessmentAdjustment, reason: str = "撤销审核调整") -> None:
    _check(actor, _lock(adjustment.scheme), (AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED), "调整分数")
    adjustment._change_reason = reason
    adjustment.delete()


# --- the steps -------------------------------------------------------------------------------------

TRANSITIONS = {  # step: (from, to)
    "review": (AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED),
    "reopen": (AssessmentStatus.REVIEWED, AssessmentStatus.DRAFT),
    "freeze": (AssessmentStatus.REVIEWED, AssessmentStatus.FROZEN),
    "publish": (AssessmentStatus.FROZEN, AssessmentStatus.PUBLISHED),
}


def allowed_steps(user, scheme: AssessmentScheme) -> list[str]:
    if not can_manage_assessment(user, scheme.unit):
        return []
    return [step for step, (src, _) in TRANSITIONS.items() if scheme.status == src]


@transaction.atomic
def scheme_step(*, actor: User | None, scheme: AssessmentScheme, step: str, note: str = "",
                today=None) -> AssessmentScheme:
    """Move the scheme one step. ``review`` records the reviewer's note; ``freeze`` stores every
    unit's result as computed now (as of the period's end, or today while it runs)."""
    scheme = _lock(scheme)
    if step not in TRANSITIONS:
        raise ValidationError("未知的操作。")
    label = STEP_LABELS[step]
    if not can_manage_assessment(actor, scheme.unit):
        raise PermissionDenied(f"您没有权限{label}考核方案。")
    src, dst = TRANSITIONS[step]
    if scheme.status != src:
        raise ValidationError(f"方案当前为“{scheme.get_status_display()}”,不能{label}。")
    now = timezone.now()
    if step == "review":
        if not scheme.items.exists():
            raise ValidationError("请先添加至少一个考核指标,再提交审核。")
        if not note.strip():
            raise ValidationError({"note": "请填写审核意见。"})
        scheme.review_note, scheme.reviewed_by, scheme.reviewed_at = note.strip(), _who(actor), now
    elif step == "reopen":
        scheme.reviewed_by, scheme.reviewed_at = None, None
    elif step == "freeze":
        as_of = assessment.as_of_day(scheme, today)
        rows = assessment.score(scheme, as_of)
        if not rows:
            raise ValidationError("范围内没有可考核的单位,不能冻结。")
        bulk_create_with_history([AssessmentResult(
            scheme=scheme, unit=r.unit, unit_name=r.unit.name, rank=r.rank, score=r.score,
            base_points=r.base_points, deducted=r.deducted, adjusted=r.adjusted,
            parts=[p.as_json() for p in r.parts], deductions=r.deductions, adjustments=r.adjustments,
        ) for r in rows], AssessmentResult, default_change_reason="冻结考核结果")
        scheme.frozen_by, scheme.frozen_at, scheme.frozen_as_of = _who(actor), now, as_of
    elif step == "publish":
        scheme.published_by, scheme.published_at = _who(actor), now
    scheme.status = dst
    scheme._change_reason = label + (f":{note.strip()}" if note.strip() and step != "review" else "")
    scheme.save()
    return scheme


@transaction.atomic
def scheme_delete(*, actor: User | None, scheme: AssessmentScheme, reason: str = "删除考核方案") -> None:
    """Only a draft (or reviewed) scheme goes; a frozen result stays for good."""
    scheme = _lock(scheme)
    _check(actor, scheme, (AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED), "删除考核方案")
    scheme._change_reason = reason
    scheme.delete()
