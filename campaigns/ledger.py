"""Campaign records in the pairing ledger: activities (with outcome totals by indicator),
public commitments and joint meetings. See pairings/ledger.py."""

from django.db.models import Count, Q, Sum
from django.urls import reverse

from pairings.ledger import LedgerSource, PairSummary, register, register_summary

from .models import Activity, ActivityOutcome, Commitment, CommitmentStatus, JointMeeting, ReviewStatus


def _outcome_totals(activities):
    rows = (ActivityOutcome.objects.filter(activity__in=activities.values("pk"))
            .values("indicator__name", "indicator__unit", "indicator__order")
            .annotate(total=Sum("value")).order_by("indicator__order"))
    return [(f"{r['indicator__name']}({r['indicator__unit']})", r["total"].normalize()) for r in rows]


def _outcomes_text(a):
    return ";".join(f"{o.indicator.name}{o.value.normalize():f}{o.indicator.unit}" for o in a.outcomes.all())


register(LedgerSource(
    key="activities", label="共建活动", model=Activity, date_field="date", order=10,
    title=lambda a: f"[{a.get_category_display()}] {a.title}",
    detail=lambda a: a.description,
    select_related=("unit",), prefetch_related=("outcomes__indicator",),
    totals={"参加人次": Sum("participants")},
    url=lambda a: reverse("campaigns:activity_detail", args=[a.pk]),
    extra_totals=_outcome_totals,
    keeps_pair_active=True, active_condition=~Q(status=ReviewStatus.RETURNED),
    columns=[("编码", lambda a: a.code), ("日期", lambda a: a.date), ("类别", lambda a: a.get_category_display()),
             ("六联", lambda a: a.get_link_area_display()), ("活动名称", lambda a: a.title),
             ("地点", lambda a: a.unit.name), ("参加人数", lambda a: a.participants),
             ("成效", _outcomes_text), ("审核状态", lambda a: a.get_status_display())],
))
register(LedgerSource(
    key="commitments", label="公开承诺", model=Commitment, date_field="made_on", order=20,
    condition=~Q(status=CommitmentStatus.CANCELLED),
    title=lambda c: f"承诺:{c.content[:40]}({c.get_status_display()})",
    detail=lambda c: c.evidence or c.progress,
    select_related=("unit",),
    totals={"已完成": Count("pk", filter=Q(status=CommitmentStatus.DONE))},
    url=lambda c: reverse("campaigns:commitment_detail", args=[c.pk]),
    columns=[("编码", lambda c: c.code), ("承诺日期", lambda c: c.made_on), ("承诺单位", lambda c: c.unit.name),
             ("承诺内容", lambda c: c.content), ("时限", lambda c: c.due_date),
             ("状态", lambda c: c.get_status_display()), ("完成日期", lambda c: c.completed_on),
             ("佐证", lambda c: c.evidence)],
))
register(LedgerSource(
    key="meetings", label="联席会议", model=JointMeeting, date_field="held_on", order=30,
    title=lambda m: m.title, detail=lambda m: m.minutes, select_related=("host_unit",),
    url=lambda m: reverse("campaigns:meeting_detail", args=[m.pk]),
    columns=[("编码", lambda m: m.code), ("日期", lambda m: m.held_on), ("会议", lambda m: m.title),
             ("召集单位", lambda m: m.host_unit.name), ("纪要", lambda m: m.minutes)],
))


def _plan_progress(ids, year, as_of):
    from .plans import progress

    return progress(ids, year, as_of)


def _can_edit_plan(user, pairing):
    from .policy import can_edit_plan

    return can_edit_plan(user, pairing)


def _plan_sheet(p):
    from .plans import plan_sheet

    return plan_sheet(p)


register_summary(PairSummary(
    key="plan", label="共建计划", for_pairings=_plan_progress,
    ledger_template="campaigns/plan_panel.html", tile_template="campaigns/plan_tile.html", sheet=_plan_sheet,
    can_edit=lambda user, pairing: _can_edit_plan(user, pairing),
))
