"""The one write path of 三级联创: goals, and each entry's steps 申报 → 验收 → 命名 (or 退回).

The pages, the admin, the demo seed and the tests all call these functions (keyword-only,
``actor=``): permission and order (``creation.policy``), validation (``full_clean``), history
with its reason, all inside one transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from notices.attachments import check_files
from organizations import records
from organizations.models import Leader, Unit, UnitKind, User
from pairings.policy import refuse

from .models import (
    LEVEL_KINDS,
    Action,
    CreationEntry,
    CreationEvidence,
    CreationGoal,
    CreationStep,
    EntryStatus,
    Level,
)
from .policy import TRANSITIONS, goal_refusals, transition_refusals


def _user(actor):
    return actor if actor is not None and actor.pk else None


def level_units(county: Unit, level: str):
    """The units of ``level`` under ``county`` (the county itself for the county level)."""
    level = Level(level)
    if level == Level.COUNTY:
        return Unit.objects.filter(pk=county.pk)
    return Unit.objects.filter(path__startswith=county.path, kind__in=LEVEL_KINDS[level]).exclude(pk=county.pk)


@transaction.atomic
def goal_save(*, actor: User | None, county: Unit, year: int, level: str, title: str, standards: str,
              target_count: int | None = None, target_percent: int | None = None,
              goal: CreationGoal | None = None, reason: str | None = None) -> tuple[CreationGoal, bool]:
    """Create or update the county's goal for ``year`` and ``level``, and give every unit of the
    level an entry (未申报) — again on every save, so units added since join in."""
    if goal is not None:
        goal = CreationGoal.objects.select_for_update().select_related("county").get(pk=goal.pk)
    refuse(goal_refusals(actor, goal=goal, county=county))
    errors = {}
    if county.kind != UnitKind.COUNTY:
        errors["county"] = f"“{county.name}”不是县(旗),三级联创目标由县制定。"
    if target_count is None and target_percent is None:
        errors["target_count"] = "请填写年底命名数量目标或比例目标(至少一项)。"
    if target_percent is not None and not 0 < target_percent <= 100:
        errors["target_percent"] = "比例目标应在1%到100%之间。"
    if goal is not None and goal.entries.exclude(status=EntryStatus.NOT_DECLARED).exists() and (
            goal.level != level or goal.county_id != county.pk or goal.year != year):
        errors["level"] = "已有单位申报,不能再修改该目标的县、年度或层级。"
    if errors:
        raise ValidationError(errors)
    created = goal is None
    g = goal or CreationGoal(created_by=_user(actor))
    g.county, g.year, g.level, g.title, g.standards = county, year, level, title.strip(), standards.strip()
    g.target_count, g.target_percent = target_count, target_percent
    g.full_clean()
    g._change_reason = reason or ("制定三级联创目标" if created else "修改三级联创目标")
    g._history_user = _user(actor)
    g.save()
    entries_sync(goal=g, actor=actor)
    return g, created


def entries_sync(*, goal: CreationGoal, actor: User | None = None) -> int:
    """Add an entry (未申报) for every unit of the goal's level that has none; returns how many."""
    have = set(goal.entries.values_list("unit_id", flat=True))
    new = [CreationEntry(goal=goal, unit_id=pk)
           for pk in level_units(goal.county, goal.level).values_list("pk", flat=True) if pk not in have]
    if not new:
        return 0
    made = CreationEntry.objects.bulk_create(new)
    if made and made[0].pk is None:   # a backend that does not return ids
        made = list(goal.entries.filter(unit_id__in=[e.unit_id for e in new]))
    # bulk_create skips the history and the scope signals: write both
    CreationEntry.history.bulk_history_create(made, default_change_reason="列入创建名单",
                                                  default_user=_user(actor))
    records.bulk_created(made)
    return len(made)


def _check_links(text: str) -> str:
    check = URLValidator(schemes=["http", "https"])
    lines = [x.strip() for x in (text or "").splitlines() if x.strip()]
    for line in lines:
        try:
            check(line)
        except ValidationError:
            raise ValidationError({"links": f"“{line[:60]}”不是有效的网址(以 http:// 或 https:// 开头),每行一个。"}) from None
    return "\n".join(lines)


def _step(entry: CreationEntry, *, actor, action: str, date: dt.date, files=(), **fields) -> CreationStep:
    """Record ``action`` on ``entry`` (locked by the caller, checked) and move its status."""
    to = TRANSITIONS[Action(action)][1]
    step = CreationStep(entry=entry, action=action, date=date, from_status=entry.status, to_status=to,
                        recorded_by=_user(actor), **fields)
    step.full_clean()
    step._change_reason = f"{Action(action).label}:{entry.unit.name}"
    step._history_user = _user(actor)
    step.save()
    for f in files:
        ev = CreationEvidence(step=step, name=(f.name or "附件")[:150], size=f.size, uploaded_by=_user(actor))
        ev.file.save(f.name or "附件", f, save=False)
        ev._change_reason = "上传佐证材料"
        ev._history_user = _user(actor)
        ev.save()
    entry.status = to
    return step


def _locked(entry: CreationEntry) -> tuple[CreationEntry, dt.date | None]:
    entry = (CreationEntry.objects.select_for_update(of=("self",)).select_related("goal", "unit__parent")
             .get(pk=entry.pk))
    last = entry.steps.order_by("-date").values_list("date", flat=True).first()
    return entry, last


def _save(entry: CreationEntry, reason: str, actor=None) -> CreationEntry:
    """Save ``entry`` with its history: the reason and who (the actor, also outside a request)."""
    entry.full_clean()
    entry._change_reason = reason
    entry._history_user = _user(actor)
    entry.save()
    return entry


@transaction.atomic
def entry_declare(*, actor: User | None, entry: CreationEntry, date: dt.date, statement: str,
                  leader: Leader | None = None, leader_name: str = "", leader_post: str = "",
                  contact_leader: str = "", links: str = "", files=()) -> CreationStep:
    """申报: the unit's secretary hands in the statement and evidence, naming the 一把手."""
    entry, last = _locked(entry)
    refuse(transition_refusals(actor, entry=entry, action=Action.DECLARE, date=date, last_date=last,
                               today=timezone.localdate()))
    errors = {}
    if leader is not None and leader.unit_id != entry.unit_id:
        errors["leader"] = f"“{leader.name}”不是{entry.unit.name}的负责人。"
    name = leader.name if leader is not None and not leader_name.strip() else leader_name.strip()
    post = leader_post.strip() or (leader.get_position_display() if leader is not None else "")
    if not name:
        errors["leader_name"] = "请填写创建工作的一把手(第一责任人)。"
    if not statement.strip():
        errors["statement"] = "请填写创建情况(对照创建标准逐条说明)。"
    try:
        links = _check_links(links)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        files = check_files(files)
    except ValidationError as exc:
        errors["files"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    step = _step(entry, actor=actor, action=Action.DECLARE, date=date, files=files, statement=statement.strip(),
                 links=links)
    entry.leader, entry.leader_name, entry.leader_post = leader, name, post
    entry.contact_leader = contact_leader.strip() or entry.contact_leader
    entry.declared_on, entry.inspected_on = date, None
    _save(entry, f"申报:{name}", actor)
    return step


@transaction.atomic
def entry_inspect(*, actor: User | None, entry: CreationEntry, date: dt.date, passed: bool, inspectors: str,
                  findings: str, reasons: str = "", files=()) -> CreationStep:
    """验收 by the level above: passed, or failed with the reasons (the unit may declare again)."""
    action = Action.PASS if passed else Action.FAIL
    entry, last = _locked(entry)
    refuse(transition_refusals(actor, entry=entry, action=action, date=date, last_date=last,
                               today=timezone.localdate()))
    errors = {}
    if not inspectors.strip():
        errors["inspectors"] = "请填写验收人员。"
    if not findings.strip():
        errors["findings"] = "请填写验收意见(对照标准的发现)。"
    if not passed and not reasons.strip():
        errors["reasons"] = "验收未通过时请写明原因,便于创建单位整改后重新申报。"
    try:
        files = check_files(files)
    except ValidationError as exc:
        errors["files"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    step = _step(entry, actor=actor, action=action, date=date, files=files, statement=findings.strip(),
                 reasons=reasons.strip() if not passed else "", inspectors=inspectors.strip())
    entry.inspected_on = date
    _save(entry, f"验收:{action.label}", actor)
    return step


@transaction.atomic
def entry_name(*, actor: User | None, entry: CreationEntry, date: dt.date, doc_number: str, naming_unit: str,
               award_ref: str = "", files=()) -> CreationStep:
    """命名 (with the document's 文号 and the naming unit) after a passed 验收."""
    entry, last = _locked(entry)
    refuse(transition_refusals(actor, entry=entry, action=Action.NAME, date=date, last_date=last,
                               today=timezone.localdate()))
    errors = {}
    if not doc_number.strip():
        errors["doc_number"] = "请填写命名文件的文号,如“阿党发〔2026〕12号”。"
    if not naming_unit.strip():
        errors["naming_unit"] = "请填写命名单位,如“中共××县委”。"
    try:
        files = check_files(files)
    except ValidationError as exc:
        errors["files"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    step = _step(entry, actor=actor, action=Action.NAME, date=date, files=files, doc_number=doc_number.strip(),
                 naming_unit=naming_unit.strip())
    entry.named_on, entry.doc_number, entry.naming_unit = date, doc_number.strip(), naming_unit.strip()
    if award_ref.strip():
        entry.award_ref = award_ref.strip()
    _save(entry, f"命名:{entry.doc_number}", actor)
    return step


@transaction.atomic
def entry_return(*, actor: User | None, entry: CreationEntry, date: dt.date, reason: str) -> CreationStep:
    """退回 a declaration (or a passed one not yet named) to the unit, with the reason."""
    entry, last = _locked(entry)
    refuse(transition_refusals(actor, entry=entry, action=Action.RETURN, date=date, last_date=last,
                               today=timezone.localdate()))
    if not reason.strip():
        raise ValidationError({"reason": "请写明退回理由。"})
    step = _step(entry, actor=actor, action=Action.RETURN, date=date, statement=reason.strip())
    _save(entry, f"退回:{reason.strip()[:60]}", actor)
    return step


@transaction.atomic
def entry_update(*, actor: User | None, entry: CreationEntry, leader_name: str, leader_post: str,
                 contact_leader: str, award_ref: str, reason: str) -> CreationEntry:
    """An administrator's correction of the entry's 一把手, 联系领导 or 评选表彰 reference (the admin);
    the status only ever moves through the steps."""
    from organizations.policy import can_manage_unit

    entry = CreationEntry.objects.select_for_update(of=("self",)).select_related("goal", "unit").get(pk=entry.pk)
    if not (actor is None or actor.is_superuser or can_manage_unit(actor, entry.unit)):
        raise PermissionDenied("您没有权限更正该创建单位。")
    if not (reason or "").strip():
        raise ValidationError("请填写更正理由。")
    entry.leader_name, entry.leader_post = leader_name.strip(), leader_post.strip()
    entry.contact_leader, entry.award_ref = contact_leader.strip(), award_ref.strip()
    return _save(entry, f"更正:{reason.strip()}", actor)
