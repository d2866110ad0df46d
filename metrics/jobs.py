"""Background jobs of the figures (``organizations.jobs``): the dashboard workbook of a big scope
(the same builder the dashboard downloads directly for a small one) and the rebuild of the summary
tables (``rollup.rebuild``, as ``rebuild_metrics``) started from the web by a superuser or a
county admin."""

from __future__ import annotations

import datetime as dt

from campaigns.models import Campaign
from organizations.jobs import JobError, register_job, register_workbook
from organizations.models import Unit

from . import figures, rollup
from .report_workbook import dashboard_workbook


@register_workbook("dashboard")
def dashboard_build(user, params, progress):
    """``params``: unit and campaign ids, the period (ISO dates) and the verified-only switch;
    the unit and campaign are scoped to ``user`` again in the worker."""
    unit = Unit.objects.for_user(user).filter(pk=params["unit"]).first()
    campaign = None
    if params.get("campaign"):
        campaign = Campaign.objects.for_user(user).filter(pk=params["campaign"]).first()
        if campaign is None:
            raise JobError("专项活动不存在或不在您的范围内。")
    if unit is None:
        raise JobError("单位不存在或不在您的范围内。")
    period = figures.Period(dt.date.fromisoformat(params["from"]), dt.date.fromisoformat(params["to"]),
                            dt.date.fromisoformat(params["today"]))
    wb = dashboard_workbook(unit, user, campaign, period, verified_only=bool(params.get("verified")),
                            progress=progress)
    return wb, f"{unit.name}共建指标-{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}.xlsx"


def dashboard_params(unit, campaign, period, verified) -> dict:
    return {"unit": unit.pk, "campaign": campaign.pk if campaign else None,
            "from": period.date_from.isoformat(), "to": period.date_to.isoformat(),
            "today": period.today.isoformat(), "verified": bool(verified)}


@register_job("rebuild")
def rebuild_job(job, progress) -> None:
    counts = rollup.rebuild(progress=progress)
    job.result = counts
    job.message = (f"重算完成:核对 {counts['facts']} 条汇总、{counts['contributions']} 条记录贡献、"
                   f"{counts['scopes']} 条记录范围,修复 {counts['fixed']} 条汇总差异。")
