"""Writes of evaluations: permission (``policy``), validation, history with a reason, one
transaction each. The web pages, the admin, the demo and the commands all call these."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import BoardKind
from campaigns.services import board_create, board_withdraw
from notices.attachments import check_files
from organizations.models import UnitKind, User
from organizations.scoping import user_grants
from pairings.policy import refuse
from people.models import PersonStatus

from . import policy
from .models import (
    Award,
    Criterion,
    Cycle,
    CycleStatus,
    Decision,
    EvidenceFile,
    Nomination,
    NominationStatus,
    Objection,
    ObjectionOutcome,
    Result,
    ReviewerAssignment,
    Round,
    Scheme,
    SchemeKind,
    Score,
)


def _save(obj, reason: str, actor=None) -> None:
    obj._change_reason = reason[:100]
    if actor is not None:
        obj._history_user = actor
    obj.save()


# --- schemes -----------------------------------------------------------------------------------

def _codes(value, allowed, label) -> str:
    items = [v.strip() for v in (value or "").replace(",", ",").split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad:
        raise ValidationError({label: f"不认识的编码:{'、'.join(bad)}。"})
    return ",".join(items)


@transaction.atomic
def scheme_save(*, actor: User | None, code: str, name: str, kind: str, award_title: str,
                eligible_unit_kinds: str = "", eligible_statuses: str = "", description: str = "",
                active: bool = True, scheme: Scheme | None = None, reason: str = "") -> tuple[Scheme, bool]:
    """Create or update a scheme (by ``code`` when ``scheme`` is not given). Returns (scheme,
    created); a scheme that already matches is not saved again (no history row)."""
    if not policy.can_manage_schemes(actor):
        raise PermissionDenied("只有县级组织部管理员可以维护评选方案。")
    if scheme is None:
        scheme = Scheme.objects.select_for_update().filter(code=code).first()
    created = scheme is None
    values = {
        "name": name.strip(), "kind": kind, "award_title": award_title.strip(), "description": description.strip(),
        "eligible_unit_kinds": _codes(eligible_unit_kinds, UnitKind.values, "eligible_unit_kinds"),
        "eligible_statuses": _codes(eligible_statuses, PersonStatus.values, "eligible_statuses"),
        "active": active,
    }
    if created:
        scheme = Scheme(code=code)
    elif all(getattr(scheme, k) == v for k, v in values.items()):
        return scheme, False
    for k, v in values.items():
        setattr(scheme, k, v)
    if scheme.kind == SchemeKind.UNIT and not scheme.eligible_unit_kinds:
        raise ValidationError({"eligible_unit_kinds": "先进集体评选请填写可推荐的单位类型。"})
    scheme.full_clean()
    _save(scheme, reason or ("新建评选方案" if created else "修改评选方案"), actor)
    return scheme, created


@transaction.atomic
def criterion_save(*, actor: User | None, scheme: Scheme, name: str, weight: int, order: int = 1,
                   description: str = "", max_score: int = 100, indicator_codes: str = "", full_at=None,
                   criterion: Criterion | None = None, reason: str = "") -> tuple[Criterion, bool]:
    """Create or update one criterion of a scheme (by name when ``criterion`` is not given).
    Weights of a scheme may add up to at most 100."""
    from campaigns.models import Indicator

    if not policy.can_manage_schemes(actor):
        raise PermissionDenied("只有县级组织部管理员可以维护评选标准。")
    if criterion is None:
        criterion = Criterion.objects.select_for_update().filter(scheme=scheme, name=name.strip()).first()
    created = criterion is None
    codes = [c.strip() for c in (indicator_codes or "").replace(",", ",").split(",") if c.strip()]
    known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"indicator_codes": f"不认识的指标编码:{'、'.join(unknown)}。"})
    values = {"order": order, "name": name.strip(), "description": description.strip(), "weight": weight,
              "max_score": max_score, "indicator_codes": ",".join(codes),
              "full_at": Decimal(full_at) if full_at not in (None, "") else None}
    if values["full_at"] is not None and values["full_at"] <= 0:
        raise ValidationError({"full_at": "满分对应指标值须大于 0。"})
    others = sum(Criterion.objects.filter(scheme=scheme).exclude(pk=criterion.pk if criterion else None)
                 .values_list("weight", flat=True))
    if others + (weight or 0) > 100:
        raise ValidationError({"weight": f"各项权重合计不能超过 100(其他各项已有 {others})。"})
    if created:
        criterion = Criterion(scheme=scheme)
    elif all(getattr(criterion, k) == v for k, v in values.items()):
        return criterion, False
    for k, v in values.items():
        setattr(criterion, k, v)
    criterion.full_clean()
    _save(criterion, reason or ("新增评选标准" if created else "修改评选标准"), actor)
    return criterion, created


# --- cycles ------------------------------------------------------------------------------------

@transaction.atomic
def cycle_create(*, actor: User | None, scheme: Scheme, organiser, year: int, nomination_deadline,
                 title: str = "", review_deadline=None, objection_contact: str = "", reason: str = "") -> Cycle:
    refuse(policy.cycle_refusals(actor, organiser=organiser, scheme=scheme))
    if not scheme.criteria.exists():
        raise ValidationError({"scheme": "该评选方案还没有评选标准,请先设置标准和权重。"})
    if review_deadline and review_deadline < nomination_deadline:
        raise ValidationError({"review_deadline": "评审截止日期不能早于推荐截止日期。"})
    if Cycle.objects.filter(scheme=scheme, organiser=organiser, year=year).exists():
        raise ValidationError({"year": f"{organiser.name}{year}年度已发起过“{scheme.name}”评选。"})
    cycle = Cycle(scheme=scheme, organiser=organiser, year=year,
                  title=(title or f"{organiser.name}{year}年度{scheme.name}评选").strip(),
                  nomination_deadline=nomination_deadline, review_deadline=review_deadline,
                  objection_contact=objection_contact.strip(), created_by=actor)
    cycle.full_clean()
    _save(cycle, reason or "发起评选", actor)
    return cycle


@transaction.atomic
def cycle_update(*, actor: User | None, cycle: Cycle, title: str, nomination_deadline, review_deadline=None,
                 objection_contact: str = "", reason: str = "") -> Cycle:
    """Correct a cycle's title, deadlines and objection contact (the county; history kept)."""
    cycle = Cycle.objects.select_for_update().select_related("organiser").get(pk=cycle.pk)
    if not policy.can_manage_cycle(actor, cycle):
        raise PermissionDenied("只有县级组织部管理员可以修改评选。")
    if review_deadline and review_deadline < nomination_deadline:
        raise ValidationError({"review_deadline": "评审截止日期不能早于推荐截止日期。"})
    cycle.title, cycle.nomination_deadline, cycle.review_deadline = title.strip(), nomination_deadline, review_deadline
    cycle.objection_contact = objection_contact.strip()
    cycle.full_clean()
    _save(cycle, reason or "修改评选", actor)
    return cycle


# --- nominations -------------------------------------------------------------------------------

def _nominating_unit(actor, unit):
    """The unit in whose name the actor nominates: their deepest grant over the nominee."""
    grants = [g for g in user_grants(actor) if unit.path.startswith(g.unit_path) and g.role in policy.NOMINATOR_ROLES]
    if not grants:
        return unit
    from organizations.models import Unit

    return Unit.objects.get(pk=max(grants, key=lambda g: len(g.unit_path)).unit_id)


def _check_evidence(actor, unit, activities, commitments):
    """Evidence must be records the actor sees, of the nominee's scope."""
    from campaigns.models import Activity, Commitment

    activities, commitments = list(activities or ()), list(commitments or ())
    if activities:
        qs = Activity.objects.filter(pk__in=[a.pk for a in activities])
        if actor is not None:
            qs = qs.for_user(actor)
        if qs.count() != len({a.pk for a in activities}):
            raise ValidationError({"activities": "佐证活动须是您能查看的活动记录。"})
    if commitments:
        qs = Commitment.objects.filter(pk__in=[c.pk for c in commitments])
        if actor is not None:
            qs = qs.for_user(actor)
        if qs.count() != len({c.pk for c in commitments}):
            raise ValidationError({"commitments": "佐证承诺须是您能查看的承诺事项。"})
    return activities, commitments


def _attach(nomination, uploads, actor) -> None:
    for f in uploads:
        ev = EvidenceFile(nomination=nomination, name=(f.name or "材料")[:150], size=f.size, uploaded_by=actor)
        ev.file.save(ev.name, f, save=False)
        _save(ev, "上传佐证材料", actor)


@transaction.atomic
def nomination_submit(*, actor: User | None, cycle: Cycle, statement: str, unit=None, person=None,
                      activities=(), commitments=(), files=(), nomination: Nomination | None = None,
                      today=None, nominated_at=None) -> Nomination:
    """推荐 a unit (or a person: their unit is taken), or — ``nomination`` given — change one
    still awaiting township review or returned, which sends it to township review again."""
    today = today or timezone.localdate()
    cycle = Cycle.objects.select_related("scheme", "organiser").get(pk=cycle.pk)
    if nomination is not None:
        nomination = Nomination.objects.select_for_update(of=("self",)).select_related(
            "unit", "person", "cycle").get(pk=nomination.pk)
        if nomination.status not in (NominationStatus.NOMINATED, NominationStatus.RETURNED):
            raise ValidationError(f"该推荐当前为“{nomination.get_status_display()}”,不能修改。")
        unit, person = nomination.unit, nomination.person
    elif person is not None:
        unit = person.unit
    if unit is None:
        raise ValidationError({"unit": "请选择被推荐单位。"})
    refuse(policy.nominate_refusals(actor, cycle=cycle, unit=unit, person=person, today=today,
                                    resubmit=nomination is not None))
    statement = (statement or "").strip()
    if len(statement) < 10:
        raise ValidationError({"statement": "请填写主要事迹(至少 10 个字)。"})
    activities, commitments = _check_evidence(actor, unit, activities, commitments)
    uploads = check_files(files)
    if nomination is None:
        q = {"person": person} if person is not None else {"unit": unit, "person__isnull": True}
        if Nomination.objects.filter(cycle=cycle, **q).exists():
            who = person.name if person is not None else unit.name
            raise ValidationError({"person" if person is not None else "unit": f"{who}已被推荐过,不能重复推荐。"})
        nomination = Nomination(cycle=cycle, unit=unit, person=person, nominating_unit=_nominating_unit(actor, unit),
                                nominated_by=actor, nominated_at=nominated_at or timezone.now())
        reason = "推荐"
    else:
        reason = "修改后重新报送" if nomination.status == NominationStatus.RETURNED else "修改推荐材料"
        nomination.status = NominationStatus.NOMINATED
    nomination.statement = statement
    nomination.full_clean()
    _save(nomination, reason, actor)
    nomination.activities.set(activities)
    nomination.commitments.set(commitments)
    _attach(nomination, uploads, actor)
    return nomination


def _locked(nomination: Nomination) -> Nomination:
    return (Nomination.objects.select_for_update(of=("self",))
            .select_related("cycle__organiser", "cycle__scheme", "unit", "person").get(pk=nomination.pk))


NEXT = {
    (Round.TOWNSHIP, Result.PASS): NominationStatus.TOWNSHIP_PASSED,
    (Round.TOWNSHIP, Result.RETURN): NominationStatus.RETURNED,
    (Round.TOWNSHIP, Result.REJECT): NominationStatus.REJECTED,
    (Round.COUNTY, Result.PASS): NominationStatus.COUNTY_PASSED,
    (Round.COUNTY, Result.RETURN): NominationStatus.RETURNED,
    (Round.COUNTY, Result.REJECT): NominationStatus.REJECTED,
}


@transaction.atomic
def nomination_review(*, actor: User | None, nomination: Nomination, round: str, result: str, reason: str = "",
                      decided_at=None) -> Decision:
    """乡镇审核 or 县级评审: pass, return (the nominator changes and re-submits) or reject."""
    nomination = _locked(nomination)
    refuse(policy.review_refusals(actor, nomination=nomination, round=round, result=result, reason=reason))
    decision = Decision(nomination=nomination, round=round, result=result, reason=(reason or "").strip(),
                        decided_by=actor, decided_at=decided_at or timezone.now())
    decision.full_clean()
    _save(decision, f"{Round(round).label}:{Result(result).label}", actor)
    nomination.status = NEXT[(round, result)]
    _save(nomination, f"{Round(round).label}{Result(result).label}", actor)
    return decision


# --- reviewers and scores ----------------------------------------------------------------------

@transaction.atomic
def reviewer_assign(*, actor: User | None, cycle: Cycle, reviewer: User) -> ReviewerAssignment:
    cycle = Cycle.objects.select_for_update().select_related("organiser").get(pk=cycle.pk)
    refuse(policy.assign_refusals(actor, cycle=cycle, reviewer=reviewer))
    found = ReviewerAssignment.objects.filter(cycle=cycle, reviewer=reviewer).first()
    if found is not None:
        return found
    row = ReviewerAssignment(cycle=cycle, reviewer=reviewer, assigned_by=actor)
    _save(row, "指派评审人", actor)
    return row


@transaction.atomic
def reviewer_remove(*, actor: User | None, assignment: ReviewerAssignment) -> None:
    cycle = assignment.cycle
    if not policy.can_manage_cycle(actor, cycle):
        raise PermissionDenied("只有县级组织部管理员可以调整评审人。")
    if Score.objects.filter(nomination__cycle=cycle, reviewer=assignment.reviewer_id).exists():
        raise ValidationError("该评审人已经评过分,不能取消指派。")
    assignment._change_reason = "取消指派评审人"
    assignment.delete()


def _score_value(value, criterion: Criterion) -> Decimal:
    try:
        score = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError({f"score_{criterion.pk}": f"“{criterion.name}”的得分请填写数字。"}) from None
    if score < 0 or score > criterion.max_score:
        raise ValidationError({f"score_{criterion.pk}": f"“{criterion.name}”的得分须在 0 到 {criterion.max_score} 之间。"})
    return score


@transaction.atomic
def scores_save(*, actor: User, nomination: Nomination, scores: dict) -> int:
    """A reviewer's scores of one nomination: ``{criterion: (score, comment)}`` (a criterion left
    out keeps its score). A changed score is saved with its history; returns how many changed."""
    nomination = _locked(nomination)
    refuse(policy.score_refusals(actor, nomination=nomination))
    criteria = {c.pk: c for c in nomination.cycle.scheme.criteria.all()}
    existing = {s.criterion_id: s for s in Score.objects.select_for_update().filter(
        nomination=nomination, reviewer=actor)}
    changed = 0
    for criterion, (value, comment) in scores.items():
        if criterion.pk not in criteria:
            raise ValidationError("评分标准不属于该评选方案。")
        score = _score_value(value, criterion)
        comment = (comment or "").strip()[:300]
        row = existing.get(criterion.pk)
        if row is not None and row.score == score and row.comment == comment:
            continue
        if row is None:
            row = Score(nomination=nomination, criterion=criterion, reviewer=actor)
        row.score, row.comment = score, comment
        _save(row, "评分" if row.pk is None else "修改评分", actor)
        changed += 1
    return changed


# --- 公示, objections, awards -----------------------------------------------------------------

def _locked_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update(of=("self",)).select_related("organiser", "scheme").get(pk=cycle.pk)


@transaction.atomic
def publicity_open(*, actor: User | None, cycle: Cycle, start, end, objection_contact: str = "",
                   board_token: str | None = None) -> Cycle:
    """公示: every nomination the county passed goes under 公示, on a public board (评选公示)."""
    cycle = _locked_cycle(cycle)
    passed = list(cycle.nominations.select_for_update(of=("self",)).filter(status=NominationStatus.COUNTY_PASSED))
    refuse(policy.publicity_refusals(actor, cycle=cycle, start=start, end=end, passed=len(passed)))
    contact = (objection_contact or cycle.objection_contact).strip()
    if not contact:
        raise ValidationError({"objection_contact": "请填写公示期间受理异议的电话或地址。"})
    for n in passed:
        n.status = NominationStatus.PUBLICITY
        _save(n, "进入公示", actor)
    board = board_create(actor=actor, unit=cycle.organiser, title=f"{cycle.title}公示", kind=BoardKind.AWARDS,
                         token=board_token)
    cycle.publicity_start, cycle.publicity_end, cycle.objection_contact = start, end, contact
    cycle.status, cycle.board = CycleStatus.PUBLICITY, board
    cycle.full_clean()
    _save(cycle, f"发布公示({start:%Y-%m-%d}至{end:%Y-%m-%d})", actor)
    from campaigns.boards import forget_board

    forget_board(board.token)
    return cycle


@transaction.atomic
def objection_record(*, actor: User | None, nomination: Nomination, received_on, content: str,
                     from_name: str = "") -> Objection:
    nomination = _locked(nomination)
    refuse(policy.objection_refusals(actor, nomination=nomination, received_on=received_on))
    if not (content or "").strip():
        raise ValidationError({"content": "请填写异议内容。"})
    if received_on is None:
        raise ValidationError({"received_on": "请填写收到日期。"})
    row = Objection(nomination=nomination, received_on=received_on, from_name=(from_name or "").strip(),
                    content=content.strip(), recorded_by=actor)
    row.full_clean()
    _save(row, "登记公示异议", actor)
    return row


@transaction.atomic
def objection_answer(*, actor: User | None, objection: Objection, outcome: str, answer: str,
                     answered_at=None) -> Objection:
    """Answer an objection once. Upheld: the nomination is not awarded (a decision with the answer
    as its reason); dismissed: it stays under 公示."""
    objection = Objection.objects.select_for_update(of=("self",)).select_related(
        "nomination__cycle__organiser").get(pk=objection.pk)
    refuse(policy.answer_refusals(actor, objection=objection, outcome=outcome, answer=answer))
    now = answered_at or timezone.now()
    objection.outcome, objection.answer, objection.answered_by, objection.answered_at = (
        outcome, answer.strip(), actor, now)
    objection.full_clean()
    _save(objection, f"答复公示异议:{ObjectionOutcome(outcome).label}", actor)
    if outcome == ObjectionOutcome.UPHELD:
        nomination = _locked(objection.nomination)
        if nomination.status == NominationStatus.PUBLICITY:
            decision = Decision(nomination=nomination, round=Round.OBJECTION, result=Result.NOT_AWARD,
                                reason=f"公示异议经核实成立:{answer.strip()}", decided_by=actor, decided_at=now)
            _save(decision, "异议成立,不授予", actor)
            nomination.status = NominationStatus.NOT_AWARDED
            _save(nomination, "异议成立,不授予", actor)
    return objection


@transaction.atomic
def publicity_close(*, actor: User | None, cycle: Cycle, today=None) -> Cycle:
    """End 公示 (after its end date, every objection answered); the public board is withdrawn."""
    cycle = _locked_cycle(cycle)
    today = today or timezone.localdate()
    unanswered = Objection.objects.filter(nomination__cycle=cycle, outcome="").count()
    refuse(policy.close_refusals(actor, cycle=cycle, unanswered=unanswered, today=today))
    cycle.status = CycleStatus.CLOSED
    _save(cycle, "公示期满,结束公示", actor)
    if cycle.board_id and cycle.board.status == "active":
        from campaigns.boards import forget_board

        board_withdraw(actor=actor, board=cycle.board, reason="评选公示期满")
        forget_board(cycle.board.token)
    return cycle


@transaction.atomic
def cycle_award(*, actor: User | None, cycle: Cycle, awarded_on, decided_at=None) -> list[Award]:
    """授予: every nomination still under 公示 is awarded the scheme's title (an ``Award`` each,
    shown on the unit's and the person's pages); the cycle is finished."""
    cycle = _locked_cycle(cycle)
    refuse(policy.award_refusals(actor, cycle=cycle, awarded_on=awarded_on))
    awards = []
    at = decided_at or timezone.now()
    for n in cycle.nominations.select_for_update(of=("self",)).select_related("unit", "person").filter(
            status=NominationStatus.PUBLICITY).order_by("pk"):
        d = Decision(nomination=n, round=Round.AWARD, result=Result.AWARD, decided_by=actor, decided_at=at)
        _save(d, "授予称号", actor)
        n.status = NominationStatus.AWARDED
        _save(n, "授予称号", actor)
        award = Award(scheme=cycle.scheme, cycle=cycle, nomination=n, unit=n.unit, person=n.person, year=cycle.year,
                      title=cycle.scheme.award_title, awarded_on=awarded_on, awarded_by=actor)
        award.full_clean()
        _save(award, "授予称号", actor)
        awards.append(award)
    cycle.status, cycle.awarded_on = CycleStatus.FINISHED, awarded_on
    _save(cycle, f"授予{len(awards)}个称号", actor)
    return awards
