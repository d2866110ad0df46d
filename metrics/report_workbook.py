"""The dashboard workbook: 汇总 (the catalogue), 下级单位 (drill-down with subtotals), 排名
(townships, villages and bureaus on activities, with the change from the previous period)."""

from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook

from cobuild.spreadsheets import write_sheet

from . import reports, selectors
from .reports import LEVEL_LABELS


def cell(figure):
    """A typed cell: int for whole numbers, float for rates and fractions, '' for no value."""
    text = figure.text
    if text == "":
        return ""
    return float(text) if "." in text else int(text)


def _n(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def dashboard_workbook(unit, user, campaign, date_from, date_to) -> Workbook:
    inds = reports.indicators()
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    figs = selectors.figures(unit, campaign, date_from, date_to, indicators=inds)
    write_sheet(ws, ["指标代码", "指标名称", "计量单位", unit.name],
                [[f.indicator.code, f.indicator.name, f.indicator.unit, cell(f)] for f in figs], {1: 26, 2: 28, 4: 16})
    period = f"{date_from:%Y-%m-%d} 至 {date_to:%Y-%m-%d}"
    ws.append([])
    ws.append(["统计期间", period])
    ws.append(["专项活动", campaign.name if campaign else "全部"])

    ws = wb.create_sheet("下级单位")
    rows = reports.drill_down(unit, user, campaign, date_from, date_to, inds)
    write_sheet(ws, ["单位", "类型", *[f"{i.name}({i.unit})" for i in inds]],
                [[r.name, r.unit.get_kind_display() if r.kind == "row" else ("小计" if r.kind == "subtotal" else "合计"),
                  *[cell(f) for f in r.figures]] for r in rows], {1: 22, 2: 14})

    ws = wb.create_sheet("排名")
    body = []
    for level, label in LEVEL_LABELS.items():
        for r in reports.ranking(unit, user, level, campaign, date_from, date_to):
            body.append([label, r.rank, r.unit.name, r.unit.parent.name if r.unit.parent_id else "",
                         _n(r.value), _n(r.previous), _n(r.change)])
    prev_from, prev_to = reports.previous_period(date_from, date_to)
    write_sheet(ws, ["层级", "排名", "单位", "上级单位", "本期共建活动(次)",
                     f"上期共建活动(次)({prev_from:%Y-%m-%d}至{prev_to:%Y-%m-%d})", "增减"],
                body, {1: 14, 3: 24, 4: 18, 5: 18, 6: 36})
    return wb
