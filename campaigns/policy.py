"""Who may do what with campaigns, activities, commitments, joint meetings and appraisal tallies.

Seeing is ``objects.for_user`` (a role on a unit covers its subtree; each side of a pairing
sees the pair's records); changing is decided here, once, for the web, the admin and the
importers. Superusers may do everything; ``actor=None`` is the system (commands, migrations).

- 设立、修改活动批次(campaign): county_admin 县级组织部管理员 over the owner unit
  (``can_set_campaign``, ``can_edit_campaign``; anywhere: ``can_create_campaigns``).
- 填报活动、登记承诺和会议: editors over the unit — county_admin, township_staff 乡镇工作人员,
  village_secretary 村党组织书记, bureau_liaison 机关单位联络员 — and, for a pairing, the bureau's
  liaison or county_admin at the pair's village (``can_log``; anywhere: ``can_log_somewhere``).
- 审核活动: township_staff and county_admin (``REVIEWER_ROLES``) over the activity's unit or its
  pairing's village, never one's own record, superusers neither (``can_review``; anywhere:
  ``can_review_somewhere``). Recording figures as already verified (an import) needs a reviewer
  role over the unit (``can_record_verified``).
- 修改活动: until verified, its author while still allowed to log it, or a reviewer over its
  unit (``can_edit_activity``); a verified activity is locked (``LOCK_MESSAGE``) until a
  county_admin corrects it (``pairings.policy.can_correct``). ``activity_refusals`` lists it all.
- 承诺、联席会议、议定事项: each is its own unit's — the committing unit, the convening unit,
  the assigned unit — and only that unit's editors change it; the other side of a pairing sees
  it, never edits it (``can_edit_commitment``, ``can_edit_meeting``, ``can_update_decision``,
  ``commitment_refusals``, ``meeting_refusals``). A decision is assigned to a unit in the
  convener's scope or the pairing's other side (``can_assign_decision``).
- 民主测评票数: township_staff and county_admin over the unit (``can_record_survey``,
  ``survey_refusals``; anywhere: ``can_enter_surveys``).
- 共建计划: the pair's two sides draft their annual plan — the village's editors
  (village_secretary, and township_staff / county_admin above it) and the bureau's liaison or
  county_admin — and the township or county may edit it (``can_edit_plan``, ``plan_refusals``).
- 公示栏: a unit's editors create and withdraw its boards; a pairing's board, whoever logs for
  the pair (``can_manage_board``, ``board_refusals``).
- inspector 督查人员 and viewer 只读领导 record nothing here.
"""

from __future__ import annotations

from organizations.models import EDITOR_ROLES, Role, Unit
from organizations.policy import allowed, can_edit_unit_records, holds_role_somewhere
from organizations.scoping import in_scope
from pairings.policy import PAIRING_LOGGER_ROLES, RECORD, Refusal, can_log_for_pairing

from .models import (
    Activity,
    Campaign,
    Commitment,
    JointMeeting,
    MeetingDecision,
    PublicBoard,
    ReviewStatus,
    Survey,
)

REVIEWER_ROLES = (Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF)

LOCK_MESSAGE = ("该活动已审核通过并锁定,不能再修改;如需更正,请县级组织部管理员在活动页面点“更正”"
                "并说明理由。")


# --- campaigns -----------------------------------------------------------------------------------

def can_set_campaign(user, owner_unit: Unit) -> bool:
    """Set up or change a campaign owned by ``owner_unit``: county admins over it."""
    return allowed(user, owner_unit, (Role.COUNTY_ADMIN,))


def can_edit_campaign(user, campaign: Campaign) -> bool:
    return can_set_campaign(user, campaign.owner_unit)


def can_create_campaigns(user) -> bool:
    return holds_role_somewhere(user, (Role.COUNTY_ADMIN,))


# --- activities ----------------------------------------------------------------------------------

def can_log(user, unit: Unit, pairing=None) -> bool:
    """Who may record an activity or commitment at ``unit`` (optionally for ``pairing``)."""
    if allowed(user, unit, EDITOR_ROLES):
        return True
    return pairing is not None and allowed(user, pairing.bureau, PAIRING_LOGGER_ROLES)


def can_log_somewhere(user) -> bool:
    """Whether the user holds a role that logs activities, commitments and meetings (no query:
    the grants are cached)."""
    return holds_role_somewhere(user, EDITOR_ROLES)


def can_review(user, activity: Activity) -> bool:
    """Township staff and county admins over the activity's unit or its pairing's village;
    nobody reviews a record they authored (superusers neither)."""
    if user is not None and activity.author_id and activity.author_id == user.pk:
        return False
    return allowed(user, activity.unit, REVIEWER_ROLES) or (
        activity.pairing is not None and allowed(user, activity.pairing.village, REVIEWER_ROLES))


def can_review_somewhere(user) -> bool:
    return holds_role_somewhere(user, REVIEWER_ROLES)


def can_record_verified(user, unit: Unit) -> bool:
    """Record an activity at ``unit`` as already verified (imports of reviewed figures)."""
    return allowed(user, unit, REVIEWER_ROLES)


def can_edit_activity(user, activity: Activity) -> bool:
    """Until verified: its author (while still allowed to log it, e.g. a bureau liaison for the
    pair) or a reviewer over its unit. The other side of a pairing sees it but does not edit it."""
    if activity.status == ReviewStatus.VERIFIED:
        return False
    if user is not None and activity.author_id == user.pk and can_log(user, activity.unit, activity.pairing):
        return True
    return allowed(user, activity.unit, REVIEWER_ROLES)


def activity_refusals(actor, *, activity: Activity | None, unit: Unit, pairing=None,
                      verified: bool = False) -> list[Refusal]:
    """Why ``actor`` may not write this activity (web, admin and import alike): a verified record
    is locked; recording it as verified is reviewing it (``can_review``: never one's own);
    the unit needs ``can_log``, and reviewed figures a reviewer of the unit."""
    out = []
    if activity is not None:
        if activity.status == ReviewStatus.VERIFIED:
            out.append(Refusal(RECORD, LOCK_MESSAGE, denied=False))
        elif verified and actor is not None and activity.author_id == actor.pk:
            out.append(Refusal(RECORD, "不能审核自己填报的活动:该活动是您填报的,请由其他审核人员审核,"
                                       "或不要把它作为已审核数据导入。"))
        elif not can_edit_activity(actor, activity):
            out.append(Refusal(RECORD, "您没有权限修改该活动。"))
        elif verified and not can_review(actor, activity):
            out.append(Refusal(RECORD, "您没有权限审核该活动。"))
    if not can_log(actor, unit, pairing):
        out.append(Refusal("unit", "您没有权限为该单位填报活动。"))
    elif verified and not can_record_verified(actor, unit):
        out.append(Refusal("unit", "只有县、乡审核人员可以直接登记已审核的活动。"))
    return out


# --- commitments ---------------------------------------------------------------------------------

def can_edit_commitment(user, commitment: Commitment) -> bool:
    """The committing unit's editors (not the other side of its pairing)."""
    return can_edit_unit_records(user, commitment.unit)


def commitment_refusals(actor, *, commitment: Commitment | None, unit: Unit) -> list[Refusal]:
    """A commitment is its unit's: only that unit's editors record or change it (a bureau records
    its own commitments for the pair, not the village's, and the other way round)."""
    out = []
    if commitment is not None and not can_edit_commitment(actor, commitment):
        out.append(Refusal(RECORD, "您没有权限修改该承诺:承诺由承诺单位自己维护。"))
    if not can_edit_unit_records(actor, unit):
        out.append(Refusal("unit", "您没有权限为该单位登记承诺。"))
    return out


# --- joint meetings ------------------------------------------------------------------------------

def can_edit_meeting(user, meeting: JointMeeting) -> bool:
    """The convening unit's editors (its minutes and decisions); members only see it."""
    return can_edit_unit_records(user, meeting.host_unit)


def meeting_refusals(actor, *, meeting: JointMeeting | None, host_unit: Unit) -> list[Refusal]:
    out = []
    if meeting is not None and not can_edit_meeting(actor, meeting):
        out.append(Refusal(RECORD, "您没有权限修改该会议:会议由召集单位维护。"))
    if not can_edit_unit_records(actor, host_unit):
        out.append(Refusal("host_unit", "您没有权限为该单位登记联席会议。"))
    return out


def can_assign_decision(actor, meeting: JointMeeting, assigned_unit: Unit) -> bool:
    """A decision goes to a unit in the convener's own scope, or to the pairing's other side."""
    paired = meeting.pairing is not None and assigned_unit.pk in (meeting.pairing.village_id,
                                                                  meeting.pairing.bureau_id)
    return actor is None or actor.is_superuser or paired or in_scope(actor, assigned_unit)


def can_update_decision(user, decision: MeetingDecision) -> bool:
    """A decision's follow-up is the assigned unit's: its editors report on it (the convening
    unit assigns it, but does not report for the other side)."""
    return can_edit_unit_records(user, decision.assigned_unit)


# --- democratic appraisal tallies ----------------------------------------------------------------

def can_record_survey(user, unit: Unit) -> bool:
    return allowed(user, unit, REVIEWER_ROLES)


def can_enter_surveys(user) -> bool:
    """Whether the user may enter appraisal tallies anywhere (the survey pages' buttons)."""
    return holds_role_somewhere(user, REVIEWER_ROLES)


def can_set_appraisal_subjects(user) -> bool:
    """The list of 测评对象 is shared data: superusers and county admins."""
    return user is None or user.is_superuser or holds_role_somewhere(user, (Role.COUNTY_ADMIN,))


def survey_refusals(actor, *, survey: Survey | None, unit: Unit) -> list[Refusal]:
    out = []
    if survey is not None and not can_record_survey(actor, survey.unit):
        out.append(Refusal(RECORD, "您没有权限修改该测评。"))
    if not can_record_survey(actor, unit):
        out.append(Refusal("unit", "只有县、乡工作人员可以登记民主测评票数。"))
    return out


# --- annual plans (共建计划) ----------------------------------------------------------------------

def can_edit_plan(user, pairing) -> bool:
    """Either side of the pair drafts (village editors, the bureau's liaison); the township and
    the county above the village edit too (they are the village's editors)."""
    return can_log_for_pairing(user, pairing)


def plan_refusals(actor, *, pairing) -> list[Refusal]:
    if not can_edit_plan(actor, pairing):
        return [Refusal(RECORD, "您没有权限编制该结对的共建计划:计划由结对双方编制,乡镇、县可以修改。")]
    return []


# --- public boards (公示栏) -----------------------------------------------------------------------

def can_manage_board(user, unit: Unit, pairing=None) -> bool:
    """A unit's editors publish and withdraw its boards; a pairing's board, whoever logs for it."""
    if pairing is not None:
        return can_log_for_pairing(user, pairing)
    return can_edit_unit_records(user, unit)


def can_manage_boards_somewhere(user) -> bool:
    return holds_role_somewhere(user, EDITOR_ROLES)


def board_refusals(actor, *, board: PublicBoard | None, unit: Unit, pairing=None) -> list[Refusal]:
    out = []
    if board is not None and not can_manage_board(actor, board.unit, board.pairing):
        out.append(Refusal(RECORD, "您没有权限管理该公示栏。"))
    if not can_manage_board(actor, unit, pairing):
        out.append(Refusal("unit", "您没有权限为该单位发布公示。"))
    if pairing is not None and unit.pk not in (pairing.village_id, pairing.bureau_id):
        out.append(Refusal("pairing", "结对公示的单位必须是该结对的村或帮建单位。", denied=False))
    return out
