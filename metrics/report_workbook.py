"""The dashboard workbook: 汇总 (the catalogue and silence), 下级单位 (drill-down with a subtotal
per group), 排名 (townships, villages and the bureau side on activities, with the change from the
previous period) — all from metrics.figures, as on the dashboard and the bulletin. Beside the
catalogue: the registers (帮扶对子台账 beside the reported 结成帮扶对子, 召开联席会议 from the
meeting records) and the activities awaiting review; ``verified_only``: verified records only.
Registered as the workbook "dashboard" (``metrics.jobs``): a big scope's is built by the worker."""

from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook

from cobuild.spreadsheets import new_workbook, write_sheet

from . import figures


def cell(figure):
    """A typed cell: int for whole numbers, float for rates and fractions, '' for no value."""
    text = figure.text
    if text == "":
        return ""
    return float(text) if "." in text else int(text)


def _n(value: Decimal | None):
    value = value or Decimal(0)
    return int(value) if value == value.to_integral_value() else float(value)


REGISTERS = (("help_pairs_registered", "帮扶对子台账", "个"), ("joint_meetings_held", "召开联席会议", "次"))


def dashboard_workbook(unit, user, campaign, period: figures.Period, verified_only=False,
                       progress=None) -> Workbook:
    """A write-only workbook (bounded memory); ``progress(done, total, stage)`` per sheet."""
    date_from, date_to = period.date_from, period.date_to
    report = progress or (lambda *args: None)
    report(0, 3, "汇总")
    inds = figures.indicators()
    wb = new_workbook()
    ws = wb.create_sheet("汇总")
    summary = figures.summary(unit, campaign, date_from, date_to, inds, verified_only=verified_only)
    write_sheet(ws, ["指标代码", "指标名称", "计量单位", unit.name],
                [[f.indicator.code, f.indicator.name, f.indicator.unit, cell(f)] for f in summary.figures],
                {1: 26, 2: 28, 4: 16})
    ws.append([])
    for code, name, measure in REGISTERS:
        ws.append([code, name, measure, int(summary.totals.get(code, 0))])
    if summary.help_pairs_disagree:
        ws.append(["", "填报与台账不一致", "", f"结成帮扶对子填报{_n(summary.help_pairs)}个,台账{summary.help_pairs_registered}个"])
    silence = figures.silence(unit, user, campaign, period.as_of)
    ws.append([])
    ws.append(["统计期间", f"{date_from:%Y-%m-%d} 至 {date_to:%Y-%m-%d}"])
    ws.append(["专项活动", campaign.name if campaign else "全部"])
    ws.append(["统计口径", "仅已审核的记录" if verified_only else "已提交和已审核的记录"])
    ws.append(["待审核活动(条)" + ("(未计入)" if verified_only else "(已计入)"), summary.awaiting])
    ws.append([f"沉默村(社区)(截至{period.as_of:%Y-%m-%d}超过{silence.days}天无共建活动)", silence.villages_silent])
    ws.append([f"沉默结对(截至{period.as_of:%Y-%m-%d}超过{silence.days}天无共建活动)", silence.pairs["silent"]])

    report(1, 3, "下级单位")
    ws = wb.create_sheet("下级单位")
    rows = figures.drill_down(unit, user, campaign, date_from, date_to, inds, verified_only=verified_only,
                              extra_keys=[code for code, _, _ in REGISTERS])
    write_sheet(ws, ["单位", "类型", *[f"{i.name}({i.unit})" for i in inds],
                     *[f"{name}({measure})" for _, name, measure in REGISTERS]],
                [[r.label, r.unit.get_kind_display() if r.kind == "child" else ("小计" if r.kind == "subtotal" else "合计"),
                  *[cell(f) for f in r.figures], *[_n(r.totals.get(code)) for code, _, _ in REGISTERS]]
                 for r in rows], {1: 22, 2: 14})

    report(2, 3, "排名")
    ws = wb.create_sheet("排名")
    activities = next((i for i in inds if i.code == "activities"), None)
    body = []
    for ranking in (figures.rankings(unit, user, campaign, activities, date_from, date_to,
                                     verified_only=verified_only) if activities else []):
        for r in ranking.rows:
            body.append([ranking.label, r.position, r.unit.name, r.unit.parent.name if r.unit.parent_id else "",
                         _n(r.value), _n(r.previous), _n(r.change)])
    prev_from, prev_to = period.previous
    write_sheet(ws, ["层级", "排名", "单位", "上级单位", "本期共建活动(次)",
                     f"上期共建活动(次)({prev_from:%Y-%m-%d}至{prev_to:%Y-%m-%d})", "增减"],
                body, {1: 14, 3: 24, 4: 18, 5: 18, 6: 36})
    report(3, 3, "排名")
    return wb
