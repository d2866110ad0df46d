"""Writes of the metrics app: targets (目标任务).

Who may set a target is ``policy.can_set_target`` (county admins over the unit, township staff
over the villages and communities of their township; ``actor=None`` is the system). Every save is validated, kept in history with a reason, and
runs in a transaction; ``targets_apply`` sets the same value for every unit of a kind below a
unit through ``target_save``, all or nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from campaigns.models import Campaign, Indicator, IndicatorKind
from organizations.models import Unit, UnitKind, User

from .models import Target
from .policy import VILLAGE_KINDS, can_set_target

# What "every unit of a kind" means on the targets page.
TARGET_KINDS = {
    "township": (UnitKind.TOWNSHIP,),
    "village": VILLAGE_KINDS,
    "bureau": (UnitKind.BUREAU, UnitKind.ENTERPRISE, UnitKind.SCHOOL, UnitKind.SOCIAL_ORG),
}
TARGET_KIND_LABELS = {"township": "各乡镇(街道)", "village": "各村(社区)", "bureau": "各帮建单位"}


def _validate(campaign: Campaign, unit: Unit, indicator: Indicator, value, due_date) -> None:
    errors = {}
    if not unit.path.startswith(campaign.owner_unit.path):
        errors["unit"] = f"“{unit.name}”不在“{campaign.name}”主办单位的范围内。"
    if not indicator.active:
        errors["indicator"] = f"指标“{indicator.name}”已停用。"
    if value is None or Decimal(value) <= 0:
        errors["value"] = "目标值必须大于0。"
    elif indicator.kind == IndicatorKind.RATE and Decimal(value) > 100:
        errors["value"] = "比率类指标的目标值不能超过100(%)。"
    if due_date is not None:
        if due_date < campaign.start_date:
            errors["due_date"] = "完成时限不能早于专项活动开始日期。"
        elif campaign.end_date and due_date > campaign.end_date:
            errors["due_date"] = "完成时限不能晚于专项活动结束日期。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def target_save(*, actor: User | None, campaign: Campaign, unit: Unit, indicator: Indicator, value,
                due_date=None, note: str = "", reason: str | None = None) -> tuple[Target, bool]:
    """Create or update the target of ``unit`` for ``indicator`` in ``campaign``."""
    if not can_set_target(actor, unit):
        raise PermissionDenied(f"您没有权限为“{unit.name}”下达目标任务。")
    _validate(campaign, unit, indicator, value, due_date)
    target = (Target.objects.select_for_update()
              .filter(campaign=campaign, unit=unit, indicator=indicator).first())
    created = target is None
    if not created and target.value == Decimal(value) and target.due_date == due_date and target.note == note:
        return target, False
    target = target or Target(campaign=campaign, unit=unit, indicator=indicator)
    target.value, target.due_date, target.note = Decimal(value), due_date, note
    target.set_by = actor if actor is not None and actor.pk else None
    target.full_clean()
    target._change_reason = reason or ("下达目标" if created else "调整目标")
    target.save()
    return target, created


@transaction.atomic
def target_delete(*, actor: User | None, target: Target, reason: str = "撤销目标") -> None:
    if not can_set_target(actor, target.unit):
        raise PermissionDenied(f"您没有权限撤销“{target.unit.name}”的目标任务。")
    target._change_reason = reason
    target.delete()


def units_of_kind(parent: Unit, kind: str):
    """The units of ``kind`` (a TARGET_KINDS key) a one-for-all target goes to, in tree order:
    the townships and bureaus directly under ``parent`` (a county's own townships and bureaus,
    not a township's enterprises), and every village or community below it."""
    qs = Unit.objects.filter(kind__in=TARGET_KINDS[kind])
    if kind == "village":
        qs = qs.filter(path__startswith=parent.path).exclude(pk=parent.pk)
    else:
        qs = qs.filter(parent=parent)
    return qs.order_by("path")


@transaction.atomic
def targets_apply(*, actor: User | None, campaign: Campaign, parent: Unit, kind: str, indicator: Indicator,
                  value, due_date=None, note: str = "") -> dict[str, int]:
    """The same target for every unit of ``kind`` below ``parent`` (one for all). All or nothing:
    a unit the actor may not set stops the whole batch. Returns created/updated/unchanged."""
    if kind not in TARGET_KINDS:
        raise ValidationError({"kind": "请选择下达对象。"})
    units = list(units_of_kind(parent, kind))
    if not units:
        raise ValidationError({"kind": f"“{parent.name}”下没有{TARGET_KIND_LABELS[kind][1:]}。"})
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    before = {t.unit_id: t for t in Target.objects.filter(campaign=campaign, indicator=indicator,
                                                          unit__in=units)}
    for unit in units:
        old = before.get(unit.pk)
        target, created = target_save(actor=actor, campaign=campaign, unit=unit, indicator=indicator, value=value,
                                      due_date=due_date, note=note, reason=f"统一下达:{TARGET_KIND_LABELS[kind]}")
        if created:
            counts["created"] += 1
        elif old is not None and old.value == target.value and old.due_date == target.due_date \
                and old.note == target.note:
            counts["unchanged"] += 1
        else:
            counts["updated"] += 1
    return counts
