"""Who may do what in a 评选 cycle, decided once here for the web, the admin, the demo and commands.

Seeing is ``objects.for_user`` (models). Superusers may do everything; ``actor=None`` is the
system (seed, commands).

==========================  ====================================================================
步骤                         谁(对相关单位拥有的角色)
==========================  ====================================================================
评选方案(标准、权重)          县级组织部管理员(任一县)、系统管理员
发起评选                      县级组织部管理员(对组织单位:县或以上)
推荐(及退回后修改再报)       村(社区)书记、机关联络员、乡镇工作人员、县级管理员(对被推荐单位)
乡镇审核                      乡镇工作人员(被推荐单位所在乡镇);不在乡镇之下的单位(机关、企业)
                              和乡镇本身由县级组织部管理员审核
评分                          被指派的评审人,只对本次评选“待县级评审”的对象
县级评审、公示、异议、授予    县级组织部管理员(对组织单位)
==========================  ====================================================================

Order rules: a nomination is made while the cycle is open and on or before its deadline, only
for a unit (or a person of a unit) of an eligible kind inside the organiser's area, once per
cycle. Township review acts on 待乡镇审核; county review on 待县级评审; 公示 opens for every
对象 the county passed; an objection is recorded only during 公示 and answered once (upheld: the
nomination is not awarded); 公示 closes only after its end date with every objection answered;
awards are made once 公示 is closed, dated after the end of 公示.
"""

from __future__ import annotations

from organizations.models import AREA_KINDS, EDITOR_ROLES, Role, Unit, UnitKind
from organizations.policy import allowed, holds_role_somewhere
from organizations.scoping import in_scope
from pairings.policy import RECORD, Refusal

from .models import Cycle, CycleStatus, Nomination, NominationStatus, Scheme

NOMINATOR_ROLES = EDITOR_ROLES
TOWNSHIP_ROLES = (Role.TOWNSHIP_STAFF,)
COUNTY_ROLES = (Role.COUNTY_ADMIN,)

#: the steps as the cycle page shows them (who, in Chinese)
STEP_TABLE = [
    ("推荐", "村(社区)党组织书记、机关单位联络员、乡镇工作人员、县级组织部管理员"),
    ("乡镇审核", "乡镇工作人员(不在乡镇之下的单位由县级组织部管理员审核)"),
    ("评分", "县级组织部指派的评审人"),
    ("县级评审、公示、异议答复、授予", "县级组织部管理员"),
]


def can_manage_schemes(user) -> bool:
    return user is None or user.is_superuser or holds_role_somewhere(user, COUNTY_ROLES)


def can_create_cycle_somewhere(user) -> bool:
    return user.is_superuser or holds_role_somewhere(user, COUNTY_ROLES)


def can_organise(user, organiser: Unit) -> bool:
    return organiser.kind in AREA_KINDS and organiser.kind != UnitKind.TOWNSHIP and allowed(
        user, organiser, COUNTY_ROLES)


def can_manage_cycle(user, cycle: Cycle) -> bool:
    return allowed(user, cycle.organiser, COUNTY_ROLES)


def cycle_refusals(actor, *, organiser: Unit, scheme: Scheme) -> list[Refusal]:
    out = []
    if not can_organise(actor, organiser):
        out.append(Refusal("organiser", "只有县级(或以上)组织部管理员可以发起评选。"))
    if not scheme.active:
        out.append(Refusal("scheme", "该评选方案已停用。", denied=False))
    return out


# --- nominate ----------------------------------------------------------------------------------

def can_nominate_somewhere(user) -> bool:
    return holds_role_somewhere(user, NOMINATOR_ROLES)


def can_nominate(user, unit: Unit) -> bool:
    return allowed(user, unit, NOMINATOR_ROLES)


def nominate_refusals(actor, *, cycle: Cycle, unit: Unit, person=None, today, resubmit: bool = False) -> list[Refusal]:
    """A new nomination until the nomination deadline; a returned one re-submitted until the
    review deadline (when the cycle sets one)."""
    scheme = cycle.scheme
    out = []
    if not can_nominate(actor, unit):
        return [Refusal("unit", "您只能推荐本单位(或本单位的人员)。")]   # nothing told about a unit not yours
    if cycle.status != CycleStatus.OPEN:
        out.append(Refusal(RECORD, "该评选已进入公示或已结束,不能再推荐。", denied=False))
    elif not resubmit and today > cycle.nomination_deadline:
        out.append(Refusal(RECORD, f"推荐已于{cycle.nomination_deadline:%Y-%m-%d}截止。", denied=False))
    elif resubmit and cycle.review_deadline and today > cycle.review_deadline:
        out.append(Refusal(RECORD, f"评审已于{cycle.review_deadline:%Y-%m-%d}截止,不能再修改推荐材料。", denied=False))
    if not unit.path.startswith(cycle.organiser.path):
        out.append(Refusal("unit", f"{unit.name}不在{cycle.organiser.name}的评选范围内。", denied=False))
    if scheme.is_person:
        if person is None:
            out.append(Refusal("person", "请选择被推荐人。", denied=False))
        elif scheme.statuses and person.status not in scheme.statuses:
            out.append(Refusal("person", f"{person.name}的政治面貌({person.get_status_display()})"
                                         f"不在“{scheme.name}”的推荐范围内。", denied=False))
    else:
        if person is not None:
            out.append(Refusal("person", "这是先进集体评选,请推荐单位,不要选择个人。", denied=False))
        if scheme.unit_kinds and unit.kind not in scheme.unit_kinds:
            out.append(Refusal("unit", f"“{scheme.name}”不推荐{unit.get_kind_display()}。", denied=False))
    return out


def can_edit_nomination(user, nomination: Nomination) -> bool:
    """The nominator's side changes a nomination awaiting township review or returned."""
    return (nomination.status in (NominationStatus.NOMINATED, NominationStatus.RETURNED)
            and nomination.cycle.status == CycleStatus.OPEN and can_nominate(user, nomination.unit))


# --- review rounds -----------------------------------------------------------------------------

def township_of(unit: Unit) -> Unit | None:
    """The township the unit lies in (not the township itself), or None."""
    ids = unit.ancestor_ids
    if not ids:
        return None
    return Unit.objects.filter(pk__in=ids, kind=UnitKind.TOWNSHIP).first()


def township_roles(nomination: Nomination, township: Unit | None):
    """Who does the township round: township staff where the nominee lies in a township; else
    the county (bureaus, enterprises under the county, a township itself)."""
    return TOWNSHIP_ROLES if township is not None else COUNTY_ROLES


def can_township_review(user, nomination: Nomination, township: Unit | None = None, *, lookup=True) -> bool:
    if nomination.status != NominationStatus.NOMINATED:
        return False
    if lookup:
        township = township_of(nomination.unit)
    return allowed(user, nomination.unit, township_roles(nomination, township))


def review_refusals(actor, *, nomination: Nomination, round: str, result: str, reason: str) -> list[Refusal]:
    from .models import Result, Round

    out = []
    if round == Round.TOWNSHIP:
        township = township_of(nomination.unit)
        if not allowed(actor, nomination.unit, township_roles(nomination, township)):
            who = "乡镇工作人员" if township is not None else "县级组织部管理员"
            out.append(Refusal(RECORD, f"该推荐的乡镇审核由{who}进行。"))
        if nomination.status != NominationStatus.NOMINATED:
            out.append(Refusal(RECORD, f"该推荐当前为“{nomination.get_status_display()}”,不在乡镇审核环节。",
                               denied=False))
    elif round == Round.COUNTY:
        if not can_manage_cycle(actor, nomination.cycle):
            out.append(Refusal(RECORD, "县级评审由县级组织部管理员进行。"))
        if nomination.status != NominationStatus.TOWNSHIP_PASSED:
            out.append(Refusal(RECORD, f"该推荐当前为“{nomination.get_status_display()}”,不在县级评审环节。",
                               denied=False))
    else:
        out.append(Refusal("round", "未知的审核环节。", denied=False))
    if nomination.cycle.status != CycleStatus.OPEN:
        out.append(Refusal(RECORD, "该评选已进入公示或已结束,不能再审核。", denied=False))
    if result not in (Result.PASS, Result.RETURN, Result.REJECT):
        out.append(Refusal("result", "请选择通过、退回修改或不通过。", denied=False))
    elif result != Result.PASS and not (reason or "").strip():
        out.append(Refusal("reason", "退回或不通过时请填写理由。", denied=False))
    return out


# --- scoring -----------------------------------------------------------------------------------

def is_reviewer(user, cycle: Cycle, assigned_ids=None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if assigned_ids is None:
        assigned_ids = set(cycle.reviewers.values_list("reviewer_id", flat=True))
    return user.pk in assigned_ids


def score_refusals(actor, *, nomination: Nomination) -> list[Refusal]:
    out = []
    if actor is not None and not is_reviewer(actor, nomination.cycle):
        out.append(Refusal(RECORD, "您不是本次评选指派的评审人,不能评分。"))
    if nomination.status != NominationStatus.TOWNSHIP_PASSED:
        out.append(Refusal(RECORD, "只能为待县级评审的推荐对象评分。", denied=False))
    return out


def assign_refusals(actor, *, cycle: Cycle, reviewer) -> list[Refusal]:
    out = []
    if not can_manage_cycle(actor, cycle):
        out.append(Refusal(RECORD, "只有县级组织部管理员可以指派评审人。"))
    if not reviewer.is_active or not (reviewer.is_superuser or in_scope(reviewer, cycle.organiser)):
        out.append(Refusal("reviewer", f"{reviewer}的工作范围不含{cycle.organiser.name},不能担任评审人。",
                           denied=False))
    if cycle.status != CycleStatus.OPEN:
        out.append(Refusal(RECORD, "评选已进入公示,不能再指派评审人。", denied=False))
    return out


# --- 公示, objections, awards -----------------------------------------------------------------

def publicity_refusals(actor, *, cycle: Cycle, start, end, passed: int) -> list[Refusal]:
    out = []
    if not can_manage_cycle(actor, cycle):
        out.append(Refusal(RECORD, "只有县级组织部管理员可以发布公示。"))
    if cycle.status != CycleStatus.OPEN:
        out.append(Refusal(RECORD, "该评选已发布过公示。", denied=False))
    if not start or not end:
        out.append(Refusal("publicity_start", "请填写公示的开始和结束日期。", denied=False))
    elif end < start:
        out.append(Refusal("publicity_end", "公示结束日期不能早于开始日期。", denied=False))
    if not passed:
        out.append(Refusal(RECORD, "还没有县级评审通过的推荐对象,不能公示。", denied=False))
    return out


def objection_refusals(actor, *, nomination: Nomination, received_on) -> list[Refusal]:
    out = []
    if not can_manage_cycle(actor, nomination.cycle):
        out.append(Refusal(RECORD, "公示异议由县级组织部管理员登记和答复。"))
    if nomination.status != NominationStatus.PUBLICITY:
        out.append(Refusal(RECORD, "只有公示中的对象可以登记异议。", denied=False))
    cycle = nomination.cycle
    if received_on and cycle.publicity_start and received_on < cycle.publicity_start:
        out.append(Refusal("received_on", "收到日期不能早于公示开始日期。", denied=False))
    return out


def answer_refusals(actor, *, objection, outcome: str, answer: str) -> list[Refusal]:
    from .models import ObjectionOutcome

    out = []
    if not can_manage_cycle(actor, objection.nomination.cycle):
        out.append(Refusal(RECORD, "公示异议由县级组织部管理员答复。"))
    if objection.answered:
        out.append(Refusal(RECORD, "该异议已答复。", denied=False))
    if outcome not in (ObjectionOutcome.UPHELD, ObjectionOutcome.DISMISSED):
        out.append(Refusal("outcome", "请选择异议是否成立。", denied=False))
    if not (answer or "").strip():
        out.append(Refusal("answer", "请填写核实情况和答复。", denied=False))
    return out


def close_refusals(actor, *, cycle: Cycle, unanswered: int, today) -> list[Refusal]:
    out = []
    if not can_manage_cycle(actor, cycle):
        out.append(Refusal(RECORD, "只有县级组织部管理员可以结束公示。"))
    if cycle.status != CycleStatus.PUBLICITY:
        out.append(Refusal(RECORD, "该评选不在公示中。", denied=False))
    elif today <= cycle.publicity_end:
        out.append(Refusal(RECORD, f"公示期至{cycle.publicity_end:%Y-%m-%d},期满后才能结束公示。", denied=False))
    if unanswered:
        out.append(Refusal(RECORD, f"还有 {unanswered} 条公示异议未答复,答复后才能结束公示。", denied=False))
    return out


def award_refusals(actor, *, cycle: Cycle, awarded_on) -> list[Refusal]:
    out = []
    if not can_manage_cycle(actor, cycle):
        out.append(Refusal(RECORD, "只有县级组织部管理员可以授予称号。"))
    if cycle.status != CycleStatus.CLOSED:
        msg = "公示结束后才能授予。" if cycle.status in (CycleStatus.OPEN, CycleStatus.PUBLICITY) else "该评选已授予。"
        out.append(Refusal(RECORD, msg, denied=False))
    elif awarded_on is None or awarded_on <= cycle.publicity_end:
        out.append(Refusal("awarded_on", f"授予日期须在公示结束({cycle.publicity_end:%Y-%m-%d})之后。",
                           denied=False))
    return out
