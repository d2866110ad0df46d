"""The workbench (工作台): each role's landing page — what needs doing now, with counts and one tap
to the list behind each count, the big "填报活动" button for those who log, and for county and
township staff the headline figures and warnings.

One rule, one place: every to-do count is the count of the very queryset the linked list shows
(the list's own selector and filter), so the number on the workbench and the rows behind it agree;
the figures and warnings are :mod:`metrics.figures` (``summary``, ``warnings``,
``targets_progress``) and their links :mod:`metrics.dashboard`'s, as on the dashboard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse

from campaigns import activity_selectors as activity_sel
from campaigns import selectors_commitments as commitment_sel
from campaigns.models import DecisionStatus, ReviewStatus
from campaigns.policy import can_log_somewhere, can_review_somewhere
from organizations.models import AREA_KINDS, Role, Unit
from organizations.policy import holds_role_somewhere
from pairings import supervision_selectors as supervision_sel

from . import dashboard as dash
from . import figures
from .models import Target

# The headline figures shown on an area's workbench (the dashboard shows them all).
# Those whose daily work is logging: their returned records are always listed (0 included).
LOGGER_ROLES = (Role.VILLAGE_SECRETARY, Role.BUREAU_LIAISON)
HEADLINE = ("pairings", "activities", "commitment_rate", "problems_solved")


@dataclass
class Todo:
    """One line of "what needs doing now": a count and the list that shows exactly those rows."""
    key: str
    label: str
    count: int
    href: str
    hint: str = ""
    tone: str = "danger"         # the badge colour when the count is not zero


@dataclass
class Workbench:
    unit: Unit | None
    campaign: object | None
    can_log: bool
    big_log: bool = False        # the phone's big "填报活动" button (village secretaries, bureau liaisons)
    todos: list[Todo] = field(default_factory=list)
    cards: list = field(default_factory=list)
    warn: figures.Warnings | None = None
    warn_links: dict = field(default_factory=dict)
    period: figures.Period | None = None

    @property
    def pending(self) -> int:
        return sum(t.count for t in self.todos)


def _q(name: str, **params) -> str:
    return dash._q(name, **params)


def todos(user, unit: Unit | None, campaign, on: dt.date) -> list[Todo]:
    """The user's to-do counts (a fixed handful of aggregate queries, whatever the row count)."""
    out: list[Todo] = []
    if can_log_somewhere(user):
        mine = activity_sel.status_counts(activity_sel.my_activities(user))
        returned = mine.get(ReviewStatus.RETURNED) or 0
        if returned or holds_role_somewhere(user, LOGGER_ROLES):
            out.append(Todo("returned", "退回待修改的活动", returned,
                            _q("campaigns:activity_mine", status=ReviewStatus.RETURNED),
                            "审核人退回的记录,按意见修改后重新提交。"))
    if can_review_somewhere(user):
        queue = activity_sel.status_counts(activity_sel.reviewable(user))
        out.append(Todo("review", "待审核的活动", queue.get(ReviewStatus.SUBMITTED) or 0,
                        reverse("campaigns:review_queue"), "村(社区)和结对单位提交的记录,请及时审核。",
                        tone="warning"))
    overdue_commitments = commitment_sel.commitments(user).overdue(on).order_by().count()
    out.append(Todo("commitments", "逾期未完成的承诺", overdue_commitments,
                    _q("campaigns:commitment_list", overdue="on"), "更新进展或标记完成。"))
    rect = supervision_sel.rectifications(user).order_by().overdue(on).count()
    out.append(Todo("rectifications", "逾期未销号的整改事项", rect, reverse("pairings:rectification_overdue"),
                    "报送整改进展,完成后销号。"))
    decisions = commitment_sel.decisions(user).exclude(status=DecisionStatus.DONE).order_by().count()
    out.append(Todo("decisions", "待落实的联席会议议定事项", decisions, reverse("campaigns:decision_list"),
                    "落实后更新状态。", tone="warning"))
    if unit is not None and unit.kind not in AREA_KINDS:   # an area sees silence among its warnings
        silence = figures.silence(unit, user, campaign, on)
        out.append(Todo("silent_pairs", f"沉默结对(超过{figures.SILENT_DAYS}天无共建活动)",
                        silence.pairs["silent"], dash.warning_links(unit, campaign, on)["pairs"],
                        "联系结对双方,尽快开展共建活动。", tone="warning"))
    if unit is not None and campaign is not None:
        at_risk = targets_at_risk(user, unit, campaign, on)
        if at_risk is not None:
            out.append(Todo("targets", "进度滞后的目标任务", at_risk,
                            _q("metrics:targets", unit=unit.pk, campaign=campaign.slug),
                            "对照时间进度,督促滞后的单位。", tone="warning"))
    return out


def targets_at_risk(user, unit: Unit, campaign, on: dt.date) -> int | None:
    """Targets below ``unit`` (as the targets page lists them) behind the calendar (amber or
    red); None when no target is set."""
    rows = list(Target.objects.for_user(user).filter(campaign=campaign, unit__path__startswith=unit.path)
                .select_related("unit", "indicator"))
    if not rows:
        return None
    as_of = figures.period(campaign, on=on).as_of
    progress = figures.targets_progress(rows, campaign, as_of)
    return sum(1 for _, p in progress.values() if p.rag != "green")


def workbench(user) -> Workbench:
    on = figures.today()
    unit = figures.default_unit(user)
    campaign = figures.default_campaign(list(figures.campaigns_for(user)), unit, on) if unit else None
    bench = Workbench(unit=unit, campaign=campaign, can_log=can_log_somewhere(user),
                      big_log=holds_role_somewhere(user, LOGGER_ROLES))
    bench.todos = todos(user, unit, campaign, on)
    if unit is not None and unit.kind in AREA_KINDS:
        period = figures.period(campaign, on=on)
        bench.period = period
        inds = figures.indicators(HEADLINE)
        summary = figures.summary(unit, campaign, period.date_from, period.date_to, inds)
        bench.cards = [dash.Card(f, dash.record_link(f.indicator.code, f.indicator.kind, unit, campaign,
                                                     period.date_from, period.date_to))
                       for f in summary.figures if f.indicator.code in HEADLINE]
        bench.warn = figures.warnings(unit, user, campaign, period.as_of, on, listed=0)
        bench.warn_links = dash.warning_links(unit, campaign, period.as_of)
    return bench
