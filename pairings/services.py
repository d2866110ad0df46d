"""Every write to pairings and their records goes through these services.

Each checks the actor's role over the units involved (``actor=None`` is the system), validates,
saves in a transaction with a history reason, and keeps the pairing's ``last_logged_on`` (the
matrix's silence mark) in step with its ledger.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cobuild import batching
from cobuild.batching import batched
from organizations import records
from organizations.models import Unit, User

from . import ledger
from .models import (
    PAIRING_BUREAU_KINDS,
    PAIRING_VILLAGE_KINDS,
    ContactPoint,
    HelpPair,
    Inspection,
    Pairing,
    PairingStatus,
    RectificationItem,
    RectificationStatus,
)
from .policy import (
    can_assign_rectification,
    can_follow_up,
    can_manage_pairing,
    can_move_deadline,
    can_pair_at,
    can_raise_rectification,
    can_set_contact_point,
    correction_refusals,
    help_pair_refusals,
    inspection_refusals,
    refuse,
)

# The write rules (who may write what, and each kind's ``<kind>_refusals``) are in ``policy``,
# shared by the web, the admin and the importers; a service raises the first refusal (``refuse``).


def correction_history(reason: str) -> str:
    return f"更正:{reason.strip()}"


def correction_reason(actor, reason: str | None, record, *units: Unit) -> str:
    """The checks of a 更正 (``correction=True``) of a stored ``record`` whose units (before and
    after) are ``units``; returns the history reason. Refuses a record that does not exist yet."""
    if record is None:
        raise ValidationError("只能更正已有的记录。")
    refuse(correction_refusals(actor, reason, *units))
    return correction_history(reason)


def new_code(prefix: str, day: dt.date | None = None) -> str:
    """A code for a record entered on the web (imports bring their own)."""
    day = day or timezone.localdate()
    return f"{prefix}-{day:%Y%m%d}-{uuid.uuid4().hex[:8]}"


# --- pairings ------------------------------------------------------------------------------------

def refresh_last_logged(pairing_id) -> None:
    """Recompute ``last_logged_on`` from the ledger (after any write of a linked record). Inside a
    batch (an import) once per pairing at its end, so the pairing rows are locked for moments,
    not for the whole import."""
    if not pairing_id:
        return
    if batching.active():
        batching.defer("pairings-last-logged", pairing_id)
    else:
        _refresh_last_logged({pairing_id})


def _refresh_last_logged(pairing_ids) -> None:
    last = ledger.last_logged_many(pairing_ids)
    for pid in sorted(pairing_ids):
        Pairing.objects.filter(pk=pid).update(last_logged_on=last.get(pid))


batching.register_flusher("pairings-last-logged", _refresh_last_logged)


@batched
def pairing_save(*, actor: User | None, code: str, campaign, bureau: Unit, village: Unit, start_date,
                 end_date=None, bureau_contact: str | None = None, bureau_phone: str | None = None,
                 village_contact: str | None = None, village_phone: str | None = None,
                 agreement: str | None = None, agreement_signed_on=None, goals: str | None = None,
                 reason: str | None = None) -> tuple[Pairing, bool]:
    """Create the pairing with ``code`` or update it (county admins over both sides)."""
    pairing = Pairing.objects.select_for_update(of=("self",)).select_related("village", "bureau").filter(code=code).first()
    created = pairing is None
    if not created and not can_manage_pairing(actor, pairing):
        raise PermissionDenied("您没有权限修改该结对。")
    if not all(can_pair_at(actor, unit) for unit in (bureau, village)):
        raise PermissionDenied("只有县级组织部管理员可以建立或调整结对。")
    errors = {}
    if bureau.kind not in PAIRING_BUREAU_KINDS:
        errors["bureau"] = "帮建单位必须是机关事业单位、企业、学校或社会组织。"
    if village.kind not in PAIRING_VILLAGE_KINDS:
        errors["village"] = "结对对象必须是行政村或社区。"
    if errors:
        raise ValidationError(errors)
    old_sides = None if created else (pairing.village_id, pairing.bureau_id)
    pairing = pairing or Pairing(code=code)
    pairing.campaign, pairing.bureau, pairing.village = campaign, bureau, village
    pairing.start_date, pairing.end_date = start_date, end_date
    pairing.status = PairingStatus.ENDED if end_date and end_date <= timezone.localdate() else PairingStatus.ACTIVE
    for name, value in (("bureau_contact", bureau_contact), ("bureau_phone", bureau_phone),
                        ("village_contact", village_contact), ("village_phone", village_phone),
                        ("agreement", agreement), ("goals", goals)):
        if value is not None:
            setattr(pairing, name, value)
    if agreement_signed_on is not None:
        pairing.agreement_signed_on = agreement_signed_on
    pairing.full_clean()
    pairing._change_reason = reason or ("建立结对" if created else "修改结对")
    pairing.save()
    if old_sides is not None:
        # Records of the pair that stood at a replaced side move to the new one; the pairing's
        # save re-scopes the rest (records.py), all in this transaction.
        for old_id, new_unit in zip(old_sides, (village, bureau), strict=True):
            if old_id != new_unit.pk:
                records.move_pairing_side(pairing.pk, old_id, new_unit.pk,
                                          f"结对“{pairing.code}”调整为“{new_unit.name}”,记录随之调整")
    return pairing, created


@batched
def pairing_end(*, actor: User | None, pairing: Pairing, end_date, reason: str = "结束结对") -> Pairing:
    if not can_manage_pairing(actor, pairing):
        raise PermissionDenied("您没有权限结束该结对。")
    if end_date < pairing.start_date:
        raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
    pairing.end_date, pairing.status = end_date, PairingStatus.ENDED
    pairing._change_reason = reason
    pairing.save()
    return pairing


# --- contact points and inspections --------------------------------------------------------------

@transaction.atomic
def contact_point_save(*, actor: User | None, contact_point: ContactPoint | None = None, leader_name: str,
                       unit: Unit, leader_title: str = "", user: User | None = None, campaign=None,
                       since=None, notes: str = "", reason: str | None = None) -> ContactPoint:
    if not can_set_contact_point(actor, unit):
        raise PermissionDenied("只有县级组织部管理员可以设置领导联系点。")
    created = contact_point is None
    cp = contact_point or ContactPoint.objects.filter(leader_name=leader_name, unit=unit).first() or ContactPoint()
    cp.leader_name, cp.leader_title, cp.user, cp.unit = leader_name, leader_title, user, unit
    cp.campaign, cp.since, cp.notes = campaign, since, notes
    cp.full_clean()
    cp._change_reason = reason or ("设置联系点" if created else "修改联系点")
    cp.save()
    return cp


@batched
def inspection_save(*, actor: User | None, inspection: Inspection | None = None, code: str | None = None,
                    campaign, unit: Unit, held_on, kind: str, pairing: Pairing | None = None,
                    contact_point: ContactPoint | None = None, method: str = "", visitors: int = 1,
                    inspector: str = "", findings: str = "", reason: str | None = None,
                    correction: bool = False) -> tuple[Inspection, bool]:
    """Record a leader's visit or an inspection (create, or update by ``code``/instance).
    ``correction=True`` is a county admin's 更正 of a stored record: ``reason`` is required and
    kept in its history."""
    if inspection is None and code:
        inspection = Inspection.objects.select_for_update(of=("self",)).filter(code=code).select_related("unit").first()
    elif inspection is not None:
        inspection = Inspection.objects.select_for_update(of=("self",)).select_related("unit").get(pk=inspection.pk)
    created = inspection is None
    if correction:
        reason = correction_reason(actor, reason, inspection, getattr(inspection, "unit", None), unit)
    refuse(inspection_refusals(actor, inspection=inspection, unit=unit))
    if pairing is not None and unit.pk not in (pairing.village_id, pairing.bureau_id):
        raise ValidationError({"pairing": "走访地点必须是该结对的村或帮建单位。"})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "日期不能晚于今天。"})
    if contact_point is not None and contact_point.unit_id != unit.pk:
        raise ValidationError({"contact_point": "联系点与走访地点不一致。"})
    old_pairing_id = None if created else inspection.pairing_id
    inspection = inspection or Inspection(code=code or new_code("INS", held_on), created_by=actor)
    inspection.campaign, inspection.unit, inspection.pairing = campaign, unit, pairing
    inspection.contact_point, inspection.held_on, inspection.kind = contact_point, held_on, kind
    inspection.method, inspection.visitors = method, visitors
    inspection.inspector, inspection.findings = inspector, findings
    inspection.full_clean()
    inspection._change_reason = reason or ("登记督查走访" if created else "修改督查走访")
    inspection.save()
    for pid in {old_pairing_id, inspection.pairing_id}:
        refresh_last_logged(pid)
    return inspection, created


# --- rectification -------------------------------------------------------------------------------

@batched
def rectification_create(*, actor: User | None, inspection: Inspection, description: str,
                         responsible_unit: Unit, deadline, reason: str | None = None) -> RectificationItem:
    if not can_raise_rectification(actor, inspection):
        raise PermissionDenied("只有督查人员或县级组织部管理员可以提出整改事项。")
    if not can_assign_rectification(actor, responsible_unit):
        raise PermissionDenied("责任单位不在您的督查范围内。")
    if deadline < inspection.held_on:
        raise ValidationError({"deadline": "整改时限不能早于督查日期。"})
    item = RectificationItem(inspection=inspection, description=description,
                             responsible_unit=responsible_unit, deadline=deadline, created_by=actor)
    item.full_clean()
    item._change_reason = reason or "提出整改事项"
    item.save()
    refresh_last_logged(inspection.pairing_id)
    return item


@batched
def rectification_update(*, actor: User | None, item: RectificationItem, progress: str,
                         status: str = RectificationStatus.IN_PROGRESS,
                         deadline=None, reason: str | None = None) -> RectificationItem:
    """Report progress (and, for supervisors, move the deadline)."""
    if not can_follow_up(actor, item):
        raise PermissionDenied("您没有权限更新该整改事项。")
    if item.status == RectificationStatus.CLOSED:
        raise ValidationError("该整改事项已销号,不能再修改。")
    if status == RectificationStatus.CLOSED:
        raise ValidationError("销号请使用“整改销号”,并填写佐证材料。")
    if deadline is not None and deadline != item.deadline:
        if not can_move_deadline(actor, item):
            raise PermissionDenied("只有督查人员可以调整整改时限。")
        item.deadline = deadline
    item.progress, item.status = progress, status
    item.full_clean()
    item._change_reason = reason or "更新整改进展"
    item.save()
    return item


@batched
def rectification_close(*, actor: User | None, item: RectificationItem, closed_on, evidence: str,
                        reason: str | None = None) -> RectificationItem:
    """Close (销号) an item with evidence of what was done."""
    if not can_follow_up(actor, item):
        raise PermissionDenied("您没有权限为该整改事项销号。")
    if item.status == RectificationStatus.CLOSED:
        raise ValidationError("该整改事项已经销号。")
    if not (evidence or "").strip():
        raise ValidationError({"evidence": "销号必须填写整改佐证(做了什么、结果如何)。"})
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": "销号日期不能晚于今天。"})
    item.status, item.closed_on, item.evidence, item.closed_by = (
        RectificationStatus.CLOSED, closed_on, evidence.strip(), actor)
    item.full_clean()
    item._change_reason = reason or "整改销号"
    item.save()
    refresh_last_logged(item.inspection.pairing_id)
    return item


# --- help pairs ----------------------------------------------------------------------------------

@batched
def help_pair_save(*, actor: User | None, help_pair: HelpPair | None = None, code: str | None = None,
                   village: Unit, member_name: str, household_name: str, household_kind: str,
                   started_on, pairing: Pairing | None = None, member_unit: Unit | None = None,
                   measures: str = "", status: str | None = None,
                   reason: str | None = None) -> tuple[HelpPair, bool]:
    if help_pair is None and code:
        help_pair = HelpPair.objects.select_for_update(of=("self",)).filter(code=code).select_related(
            "village", "member_unit", "pairing__bureau").first()
    created = help_pair is None
    refuse(help_pair_refusals(actor, help_pair=help_pair, village=village, pairing=pairing,
                              member_unit=member_unit))
    if pairing is not None and pairing.village_id != village.pk:
        raise ValidationError({"pairing": "所选结对不属于该村。"})
    old_pairing_id = None if created else help_pair.pairing_id
    hp = help_pair or HelpPair(code=code or new_code("HP", started_on))
    hp.village, hp.pairing, hp.member_name, hp.member_unit = village, pairing, member_name, member_unit
    hp.household_name, hp.household_kind, hp.started_on, hp.measures = (
        household_name, household_kind, started_on, measures)
    if status is not None:
        hp.status = status
    hp.full_clean()
    hp._change_reason = reason or ("登记帮扶对子" if created else "修改帮扶对子")
    hp.save()
    for pid in {old_pairing_id, hp.pairing_id}:
        refresh_last_logged(pid)
    return hp, created
