"""The demo's 三级联创 (seed 001) for the demo county (铁力市) and the demo year: a goal at each
level (基层组织建设先进县, 五好乡镇党委 for a third of the townships, 五好村党支部 for 30% of the
villages) and entries in every state — 未申报, 已申报, 验收通过, 验收未通过 (with its reasons), 已命名
(with the 文号), 已退回 — with the demo accounts as the actors where one exists (the system
otherwise), so each entry's page shows who did what.

Everything goes through ``creation.services``; dated relative to the demo's "today" inside the
demo year; idempotent: a goal that exists is left as it is, an entry with steps is left as it is.
"""

from __future__ import annotations

import datetime as dt

from creation import services
from creation.models import CreationEntry, CreationGoal, Level
from organizations.models import Position, Unit, User

FIVE_GOOD = ("“五个好”:领导班子好、党员干部队伍好、工作机制好、小康建设业绩好、农民群众反映好。\n"
             "一把手为第一责任人,县级领导联乡镇、乡镇干部联村,“一把手”抓“一把手”。")
GOALS = [
    (Level.COUNTY, "基层组织建设先进县", "县委统筹“三级联创”,县乡村三级党组织整体进位;培育50个县级党建工作示范点。",
     1, None),
    (Level.TOWNSHIP, "五好乡镇党委", FIVE_GOOD, None, 30),
    (Level.VILLAGE, "五好村党支部", FIVE_GOOD, None, 30),
]
STATEMENT = ("对照“五个好”标准:村“两委”班子团结、党员队伍结构优化,落实“三会一课”和村务公开制度,"
             "与结对帮建单位共建蓝莓种植基地,群众满意度明显提高。")

# unit code → the steps to take, in order: (action, days before today, actor username)
PLAN = {
    # 铁力镇 (the demo township): one village in each state; 满天红村 (the demo village) not yet declared
    "TL-01-02": [("declare", 40, None)],
    "TL-01-03": [("declare", 60, None), ("pass", 30, "township")],
    "TL-01-04": [("declare", 70, None), ("fail", 35, "township")],
    "TL-01-05": [("declare", 80, None), ("pass", 50, "township"), ("name", 20, "county")],
    "TL-01-06": [("declare", 45, None), ("return", 25, "township")],
    # 双丰镇: two named, one waiting for 验收
    "TL-02-01": [("declare", 90, None), ("pass", 60, None), ("name", 20, "county")],
    "TL-02-02": [("declare", 90, None), ("pass", 60, None), ("name", 20, "county")],
    "TL-02-03": [("declare", 30, None)],
    # townships and the county
    "TL-01": [("declare", 50, "township"), ("pass", 15, "county")],
    "TL-02": [("declare", 55, None), ("pass", 30, "county"), ("name", 20, "county")],
    "TL-03": [("declare", 20, None)],
    "TL": [("declare", 10, "county")],
}


def _day(today: dt.date, ago: int) -> dt.date:
    """``ago`` days before today, but inside the demo year (never before 1 January)."""
    return max(today - dt.timedelta(days=ago), dt.date(today.year, 1, 1))


def _take(entry: CreationEntry, action: str, day: dt.date, actor) -> None:
    if action == "declare":
        leader = entry.unit.leaders.filter(position=Position.SECRETARY).order_by("pk").first()
        services.entry_declare(actor=actor, entry=entry, date=day, statement=STATEMENT, leader=leader,
                               leader_name="" if leader else "王书记", leader_post="" if leader else "党委书记",
                               contact_leader="铁力镇党委副书记" if entry.goal.level == Level.VILLAGE else "县委副书记")
    elif action in ("pass", "fail"):
        services.entry_inspect(actor=actor, entry=entry, date=day, passed=action == "pass",
                               inspectors="李振华、赵敏", findings="查阅台帐、实地查看阵地、走访党员群众10户。",
                               reasons="" if action == "pass" else "“三会一课”记录不全,村务公开栏半年未更新。")
    elif action == "name":
        services.entry_name(actor=actor, entry=entry, date=day, doc_number=f"铁党发〔{day.year}〕{entry.unit_id % 90 + 10}号",
                            naming_unit="中共铁力市委")
    elif action == "return":
        services.entry_return(actor=actor, entry=entry, date=day, reason="申报材料缺少党员群众测评结果,请补充后重新申报。")


def load_demo_creation(today: dt.date) -> int:
    """Returns how many goals and steps were written (0 on a second run)."""
    users = {u.username: u for u in User.objects.filter(username__in=["county", "township", "village"])}
    county = Unit.objects.filter(code="TL").first()
    if county is None:
        return 0
    written = 0
    goals = {}
    for level, title, standards, count, percent in GOALS:
        goal = CreationGoal.objects.filter(county=county, year=today.year, level=level).first()
        if goal is None:
            goal, _ = services.goal_save(actor=users.get("county"), county=county, year=today.year, level=level,
                                         title=title, standards=standards, target_count=count, target_percent=percent)
            written += 1
        goals[level] = goal
    entries = {e.unit.code: e for e in CreationEntry.objects.filter(goal__in=list(goals.values()),
                                                                     unit__code__in=list(PLAN))
               .select_related("unit", "goal")}
    with_steps = set(CreationEntry.objects.filter(pk__in=[e.pk for e in entries.values()], steps__isnull=False)
                     .values_list("pk", flat=True))
    for code, steps in PLAN.items():
        entry = entries.get(code)
        if entry is None or entry.pk in with_steps:
            continue
        for action, ago, username in steps:
            _take(entry, action, _day(today, ago), users.get(username) if username else None)
            entry.refresh_from_db()
            written += 1
    return written
