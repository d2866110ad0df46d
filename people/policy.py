"""Who may do what with the person register and the 推优/发展 pipeline, and who sees what of a person.

Seeing a person is ``Person.objects.for_user`` (a role over the person's unit, or above it);
everything else is decided here, once, for the web, the admin, the importer and the commands.
Superusers may do everything; ``actor=None`` is the system (commands, seed).

- 登记、修改人员(名册): the editors of the person's unit — county_admin, township_staff,
  village_secretary, bureau_liaison over it (``can_edit_person``, ``person_refusals``). Moving a
  person to another unit needs the same right over both units.
- 推优和发展党员 (``STEP_ROLES``, shown on the person page as this table):

  ====================  ==========================================================
  环节                   谁可以登记(对该人员所在单位)
  ====================  ==========================================================
  推荐(推优)             村(社区)党组织书记、机关单位联络员、乡镇工作人员、县级组织部管理员
  确定为入党积极分子      村(社区)党组织书记、机关单位联络员、乡镇工作人员、县级组织部管理员
  列为发展对象           乡镇工作人员、县级组织部管理员
  接收为预备党员         乡镇工作人员、县级组织部管理员
  转为正式党员           乡镇工作人员、县级组织部管理员
  ====================  ==========================================================

  Order (``step_refusals``): no step skipped (the next stage follows the person's current one,
  which comes from their recorded steps and, for imported history, their status); each date not
  before the previous step's (or the imported ``status_since``) and not in the future; 转正 at the
  earliest one year after 接收为预备党员 (预备期一年). Each stage once per person.

- 个人信息保护 (``can_see_identity``): the phone number (the identifying detail the register
  keeps) is shown in full only to those who work with the person directly: the secretary or
  liaison of the person's own unit (village_secretary / bureau_liaison over it) and the county
  admin (county_admin over it), and superusers. Everybody else who may see the person — township
  staff, inspectors, read-only leaders — sees it masked (``138****1234``), on the page, in lists
  and in every export. An export shows each row as its reader may see it, so no unit's numbers
  ever appear in full in an export by someone without the right over that unit.
- 查看留痕 (``view_is_logged``): every view of a person's page by anyone who holds no role on
  the person's own unit (township staff, county staff, inspectors, superusers) is written to
  ``PersonViewLog``; the admin shows it read-only (to superusers and county admins in scope).
- inspector 督查人员 and viewer 只读领导 write nothing here.
"""

from __future__ import annotations

from organizations.models import EDITOR_ROLES, Role, Unit
from organizations.policy import allowed, can_edit_unit_records, holds_role_somewhere
from organizations.scoping import user_grants
from pairings.policy import RECORD, Refusal

from .models import STAGE_ORDER, Person, PersonStatus, Stage

#: Who records each step of the pipeline (over the person's unit).
BRANCH_ROLES = (Role.VILLAGE_SECRETARY, Role.BUREAU_LIAISON, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN)
UPPER_ROLES = (Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN)
STEP_ROLES = {
    Stage.RECOMMENDED: BRANCH_ROLES,
    Stage.ACTIVIST: BRANCH_ROLES,
    Stage.DEVELOPMENT_TARGET: UPPER_ROLES,
    Stage.PROBATIONARY: UPPER_ROLES,
    Stage.MEMBER: UPPER_ROLES,
}
#: Who sees a person's phone number in full (over the person's unit).
IDENTITY_ROLES = (Role.VILLAGE_SECRETARY, Role.BUREAU_LIAISON, Role.COUNTY_ADMIN)

#: Where a person stands in the pipeline by their status alone (imported history): the index in
#: STAGE_ORDER of the last stage their status implies (-1 = not started).
STATUS_STAGE = {
    PersonStatus.MASSES: -1,
    PersonStatus.LEAGUE_MEMBER: -1,
    PersonStatus.APPLICANT: -1,
    PersonStatus.ACTIVIST: STAGE_ORDER.index(Stage.ACTIVIST),
    PersonStatus.DEVELOPMENT_TARGET: STAGE_ORDER.index(Stage.DEVELOPMENT_TARGET),
    PersonStatus.PROBATIONARY: STAGE_ORDER.index(Stage.PROBATIONARY),
    PersonStatus.MEMBER: STAGE_ORDER.index(Stage.MEMBER),
}


# --- the register ------------------------------------------------------------------------------

def can_edit_person(user, person: Person) -> bool:
    return can_edit_unit_records(user, person.unit)


def can_add_people(user) -> bool:
    """The register's "登记人员" button (no query: grants are cached)."""
    return holds_role_somewhere(user, EDITOR_ROLES)


def person_refusals(actor, *, person: Person | None, unit: Unit) -> list[Refusal]:
    out = []
    if person is not None and not can_edit_person(actor, person):
        out.append(Refusal(RECORD, "您没有权限修改该人员信息:人员由其所在单位维护。"))
    if not can_edit_unit_records(actor, unit):
        out.append(Refusal("unit", "您没有权限在该单位登记人员。"))
    return out


def status_refusals(person: Person, status: str) -> list[Refusal]:
    """Once a person has recorded pipeline steps, their status follows the steps: the register's
    form and the import may not change it (a query only when the status would change)."""
    if person is None or person.pk is None or status == person.status or not person.steps.exists():
        return []
    return [Refusal("status", f"{person.name}已有推优发展记录,政治面貌随发展环节变化:"
                              "请在人员页面登记下一环节,不要直接修改政治面貌。", denied=False)]


# --- personal data -----------------------------------------------------------------------------

def can_see_identity(user, person: Person) -> bool:
    """Full phone number: the person's own unit's secretary/liaison and the county admin."""
    if user is None or not user.is_authenticated:
        return False
    return allowed(user, person.unit, IDENTITY_ROLES)


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; short numbers keep only their last two digits."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(len(phone) - 2, 1) + phone[-2:]


def shown_phone(user, person: Person) -> str:
    return person.phone if can_see_identity(user, person) else mask_phone(person.phone)


def view_is_logged(user, person: Person) -> bool:
    """A view by staff outside the person's unit: no role granted on the person's unit itself."""
    return not any(g.unit_id == person.unit_id for g in user_grants(user))


def can_read_view_log(user) -> bool:
    return user.is_superuser or holds_role_somewhere(user, (Role.COUNTY_ADMIN,))


# --- the pipeline ------------------------------------------------------------------------------

def one_year_after(day):
    """转正 at the earliest: the same day a year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def can_record_step(user, person: Person, stage: str) -> bool:
    return allowed(user, person.unit, STEP_ROLES[Stage(stage)])


def can_record_steps_somewhere(user) -> bool:
    return holds_role_somewhere(user, BRANCH_ROLES)


def current_stage_index(person: Person, steps) -> int:
    """The index in STAGE_ORDER the person has reached: their recorded steps or, for imported
    history, their status."""
    recorded = [STAGE_ORDER.index(Stage(s.stage)) for s in steps]
    return max([STATUS_STAGE[PersonStatus(person.status)], *recorded])


def next_stage(person: Person, steps) -> Stage | None:
    i = current_stage_index(person, steps) + 1
    return STAGE_ORDER[i] if i < len(STAGE_ORDER) else None


def step_refusals(actor, *, person: Person, stage: str, date, steps, today) -> list[Refusal]:
    """Why ``actor`` may not record ``stage`` on ``date`` for ``person`` (``steps``: the person's
    recorded steps). Permission first, then the order rules, each in plain Chinese."""
    stage = Stage(stage)
    label = stage.label
    if not can_record_step(actor, person, stage):
        who = "、".join(str(Role(r).label) for r in STEP_ROLES[stage])
        return [Refusal(RECORD, f"“{label}”只能由{who}登记。")]
    out = []
    expected = next_stage(person, steps)
    if expected is None:
        out.append(Refusal("stage", f"{person.name}已是正式党员,发展流程已完成。", denied=False))
    elif stage != expected:
        done = STAGE_ORDER.index(stage) <= current_stage_index(person, steps)
        msg = (f"{person.name}已经过“{label}”环节,不能重复登记。" if done
               else f"不能跳过环节:{person.name}的下一步应是“{expected.label}”。")
        out.append(Refusal("stage", msg, denied=False))
    if date > today:
        out.append(Refusal("date", "日期不能晚于今天。", denied=False))
    previous = max((s for s in steps), key=lambda s: s.date, default=None)
    floor = previous.date if previous is not None else person.status_since
    if floor is not None and date < floor:
        what = previous.get_stage_display() if previous is not None else "现政治面貌的起始日期"
        out.append(Refusal("date", f"日期不能早于上一环节“{what}”的日期({floor:%Y-%m-%d})。", denied=False))
    if stage == Stage.MEMBER:
        probation = next((s for s in steps if s.stage == Stage.PROBATIONARY), None)
        start = probation.date if probation is not None else (
            person.status_since if person.status == PersonStatus.PROBATIONARY else None)
        if start is not None and date < one_year_after(start):
            out.append(Refusal("date", f"预备期为一年:{person.name}于{start:%Y-%m-%d}接收为预备党员,"
                                       f"最早{one_year_after(start):%Y-%m-%d}可以转正。", denied=False))
    return out
