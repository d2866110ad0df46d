"""Who may do what in 三级联创, decided here once for the pages, the admin, the commands and the demo.

Seeing an entry is ``CreationEntry.objects.for_user`` (a role over the entry's unit or above it;
out of scope → 404); seeing a goal is ``CreationGoal.objects.for_user`` (the county's staff and
everyone inside the county). Superusers may do everything; ``actor=None`` is the system.

- 制定目标 (goals per year and level): county_admin over the county (``can_set_goals``).
- 申报 (declare): the unit's own Party secretary — village_secretary for a village or community,
  township_staff for a township, county_admin for the county itself (``DECLARE_ROLES``).
- 验收、命名、退回: the level above — township_staff or county_admin over the township that holds
  a village; county_admin over the county that holds a township; for the county itself its
  organisation department (county_admin over the county) (``upper_unit``, ``UPPER_ROLES``).
- Order (``TRANSITIONS``), strictly no skipping:

  ============  ===================================  ==============
  环节           从                                    到
  ============  ===================================  ==============
  申报           未申报、验收未通过、已退回               已申报
  验收           已申报                                验收通过 / 验收未通过
  命名           验收通过                              已命名
  退回           已申报、验收通过                       已退回
  ============  ===================================  ==============

  Each step's date is not in the future, not before the goal's year, not before the entry's
  previous step.
- inspector 督查人员, viewer 只读领导 and bureau_liaison write nothing here.
"""

from __future__ import annotations

import datetime as dt

from organizations.models import Role, Unit
from organizations.policy import allowed, holds_role_somewhere
from pairings.policy import RECORD, Refusal

from .models import Action, CreationEntry, CreationGoal, EntryStatus, Level

DECLARE_ROLES = {
    Level.VILLAGE: (Role.VILLAGE_SECRETARY,),
    Level.TOWNSHIP: (Role.TOWNSHIP_STAFF,),
    Level.COUNTY: (Role.COUNTY_ADMIN,),
}
UPPER_ROLES = {
    Level.VILLAGE: (Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN),
    Level.TOWNSHIP: (Role.COUNTY_ADMIN,),
    Level.COUNTY: (Role.COUNTY_ADMIN,),
}
#: action → (statuses it starts from, status it leads to; PASS/FAIL are the two results of 验收)
TRANSITIONS = {
    Action.DECLARE: ((EntryStatus.NOT_DECLARED, EntryStatus.FAILED, EntryStatus.RETURNED), EntryStatus.DECLARED),
    Action.PASS: ((EntryStatus.DECLARED,), EntryStatus.ACCEPTED),
    Action.FAIL: ((EntryStatus.DECLARED,), EntryStatus.FAILED),
    Action.NAME: ((EntryStatus.ACCEPTED,), EntryStatus.NAMED),
    Action.RETURN: ((EntryStatus.DECLARED, EntryStatus.ACCEPTED), EntryStatus.RETURNED),
}
#: Who acts, in words (the entry page's table and the refusal messages).
WHO = {
    Level.VILLAGE: ("村(社区)党组织书记", "所在乡镇(或县委组织部)"),
    Level.TOWNSHIP: ("乡镇党委(乡镇工作人员)", "县委组织部"),
    Level.COUNTY: ("县委组织部", "县委组织部"),
}


def can_set_goals(user, county: Unit) -> bool:
    return allowed(user, county, (Role.COUNTY_ADMIN,))


def can_set_goals_somewhere(user) -> bool:
    return holds_role_somewhere(user, (Role.COUNTY_ADMIN,))


def goal_refusals(actor, *, goal: CreationGoal | None, county: Unit) -> list[Refusal]:
    out = []
    if goal is not None and not can_set_goals(actor, goal.county):
        out.append(Refusal(RECORD, "三级联创目标由县委组织部制定,您没有权限修改。"))
    if not can_set_goals(actor, county):
        out.append(Refusal("county", "三级联创目标由县委组织部制定,您没有权限在该县制定目标。"))
    return out


def inspects_somewhere(user) -> bool:
    """The goals page's "待我验收/待我命名" line (no query: grants are cached)."""
    return holds_role_somewhere(user, (Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN))


def upper_unit(entry: CreationEntry) -> Unit:
    """The unit whose staff inspect and name the entry: the level above (the county itself for
    the county's own entry)."""
    if entry.goal.level == Level.COUNTY or entry.unit.parent_id is None:
        return entry.unit
    return entry.unit.parent


def roles_for(entry: CreationEntry, action: str):
    level = Level(entry.goal.level)
    return DECLARE_ROLES[level] if action == Action.DECLARE else UPPER_ROLES[level]


def may(user, entry: CreationEntry, action: str) -> bool:
    """The role rule alone (the order comes from ``transition_refusals``)."""
    unit = entry.unit if action == Action.DECLARE else upper_unit(entry)
    return allowed(user, unit, roles_for(entry, action))


def can_act(user, entry: CreationEntry, action: str) -> bool:
    """Role and order: whether the entry page offers the button."""
    return may(user, entry, action) and entry.status in TRANSITIONS[Action(action)][0]


def can_inspect(user, entry: CreationEntry) -> bool:
    return may(user, entry, Action.PASS)


def who_label(entry: CreationEntry, action: str) -> str:
    declare, upper = WHO[Level(entry.goal.level)]
    return declare if action == Action.DECLARE else upper


def transition_refusals(actor, *, entry: CreationEntry, action: str, date: dt.date, last_date: dt.date | None,
                        today: dt.date) -> list[Refusal]:
    """Why ``actor`` may not take ``action`` on ``entry`` on ``date``: permission first, then the
    order and the dates, each in plain Chinese."""
    action = Action(action)
    verb = "验收" if action in (Action.PASS, Action.FAIL) else action.label
    if not may(actor, entry, action):
        return [Refusal(RECORD, f"“{verb}”只能由{who_label(entry, action)}办理。")]
    out = []
    starts, _to = TRANSITIONS[action]
    if entry.status not in starts:
        now = EntryStatus(entry.status).label
        need = "、".join(str(EntryStatus(s).label) for s in starts)
        out.append(Refusal("status", f"{entry.unit.name}现为“{now}”,不能{verb}:只有“{need}”的创建单位可以{verb}。",
                           denied=False))
    if date > today:
        out.append(Refusal("date", "日期不能晚于今天。", denied=False))
    if date.year < entry.goal.year:
        out.append(Refusal("date", f"日期不能早于创建年度({entry.goal.year}年)。", denied=False))
    if last_date is not None and date < last_date:
        out.append(Refusal("date", f"日期不能早于上一环节的日期({last_date:%Y-%m-%d})。", denied=False))
    return out
