"""The dashboard workbook: 汇总 (the catalogue and silence), 下级单位 (drill-down with a subtotal
per group), 排名 (townships, villages and the bureau side on activities, with the change from the
previous period) — all from metrics.figures, as on the dashboard and the bulletin."""

from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook

from cobuild.spreadsheets import write_sheet

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


def dashboard_workbook(unit, user, campaign, period: figures.Period) -> Workbook:
    date_from, date_to = period.date_from, period.date_to
    inds = figures.indicators()
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    figs = figures.figures(unit, campaign, date_from, date_to, inds)
    write_sheet(ws, ["指标代码", "指标名称", "计量单位", unit.name],
                [[f.indicator.code, f.indicator.name, f.indicator.unit, cell(f)] for f in figs], {1: 26, 2: 28, 4: 16})
    silence = figures.silence(unit, user, campaign, period.as_of)
    ws.append([])
    ws.append(["统计期间", f"{date_from:%Y-%m-%d} 至 {date_to:%Y-%m-%d}"])
    ws.append(["专项活动", campaign.name if campaign else "全部"])
    ws.append([f"沉默村(社区)(截至{period.as_of:%Y-%m-%d}超过{silence.days}天无共建活动)", silence.villages_silent])
    ws.append([f"沉默结对(截至{period.as_of:%Y-%m-%d}超过{silence.days}天无共建活动)", silence.pairs["silent"]])

    ws = wb.create_sheet("下级单位")
    rows = figures.drill_down(unit, user, campaign, date_from, date_to, inds)
    write_sheet(ws, ["单位", "类型", *[f"{i.name}({i.unit})" for i in inds]],
                [[r.label, r.unit.get_kind_display() if r.kind == "child" else ("小计" if r.kind == "subtotal" else "合计"),
                  *[cell(f) for f in r.figures]] for r in rows], {1: 22, 2: 14})

    ws = wb.create_sheet("排名")
    activities = next((i for i in inds if i.code == "activities"), None)
    body = []
    for ranking in figures.rankings(unit, user, campaign, activities, date_from, date_to) if activities else []:
        for r in ranking.rows:
            body.append([ranking.label, r.position, r.unit.name, r.unit.parent.name if r.unit.parent_id else "",
                         _n(r.value), _n(r.previous), _n(r.change)])
    prev_from, prev_to = period.previous
    write_sheet(ws, ["层级", "排名", "单位", "上级单位", "本期共建活动(次)",
                     f"上期共建活动(次)({prev_from:%Y-%m-%d}至{prev_to:%Y-%m-%d})", "增减"],
                body, {1: 14, 3: 24, 4: 18, 5: 18, 6: 36})
    return wb
