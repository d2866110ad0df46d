"""Excel workbooks of the pairing pages: a pair's ledger and the list of silent pairs.

The ledger workbook is built from the ledger registry only: a "汇总" sheet, then one sheet per
registered source with that source's own Chinese ``columns``. Both are write-only workbooks
(bounded memory); a pair with many records gets its ledger from a background job
(``pairings.jobs``), the same builder.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook

from cobuild.spreadsheets import HEADER_FILL, new_workbook, sheet_title, styled, write_sheet
from organizations.jobs import ticker

from .selectors import MARK_LABELS, days_silent


def _value(v):
    if isinstance(v, Promise):
        return str(v)
    if isinstance(v, dt.datetime):
        return timezone.localtime(v).replace(tzinfo=None) if timezone.is_aware(v) else v
    if isinstance(v, (list, tuple, set)):
        return ";".join(str(x) for x in v)
    return v


def _period_text(date_from, date_to) -> str:
    if not date_from and not date_to:
        return "全部"
    return f"{date_from or '最早'} 至 {date_to or '今'}"


def ledger_workbook(pairing, date_from, date_to, totals, sheets, progress=None) -> Workbook:
    """``totals`` from ``ledger.totals``; ``sheets`` from ``selectors.ledger_sheets``."""
    wb = new_workbook()
    ws = wb.create_sheet("汇总")
    for col, width in zip("ABCD", (18, 44, 24, 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.append([styled(ws, f"共建工作台帐:{pairing.bureau.name} — {pairing.village.name}", bold=True, size=13)])
    township = pairing.village.parent.name if pairing.village.parent_id else ""
    info = [
        ("结对编码", pairing.code),
        ("所属活动", pairing.campaign.name),
        ("帮建单位", pairing.bureau.name),
        ("帮建单位联系人", pairing.bureau_contact),
        ("帮建单位联系电话", pairing.bureau_phone),
        ("结对村(社区)", pairing.village.name),
        ("所属乡镇", township),
        ("村联系人", pairing.village_contact),
        ("村联系电话", pairing.village_phone),
        ("开始日期", pairing.start_date),
        ("结束日期", pairing.end_date),
        ("状态", pairing.get_status_display()),
        ("协议签订日期", pairing.agreement_signed_on),
        ("共建目标", pairing.goals),
        ("最近活动日期", pairing.last_logged_on),
        ("统计期间", _period_text(date_from, date_to)),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    for label, value in info:
        ws.append([styled(ws, label, bold=True), styled(ws, _value(value), wrap=True)])
    ws.append([])
    ws.append([styled(ws, h, bold=True, fill=HEADER_FILL) for h in ("类别", "记录数", "合计项", "数值")])
    for row in totals:
        items = row["totals"] or [("", None)]
        for i, (label, value) in enumerate(items):
            ws.append([str(row["source"].label) if i == 0 else "", row["count"] if i == 0 else None,
                       str(label), _value(value)])

    used = {"汇总"}
    from . import ledger

    today = timezone.localdate()
    for summary, values in ledger.summaries_for([pairing.pk], (date_to or today).year, today):
        obj = values.get(pairing.pk)
        if summary.sheet is None or obj is None:
            continue
        headers, rows = summary.sheet(obj)
        write_sheet(wb.create_sheet(sheet_title(summary.label, used)), headers, [[_value(v) for v in r] for r in rows])
    total_records = sum(row["count"] for row in totals)
    tick = ticker(progress, total_records, "逐条写入台帐记录")
    for source, records in sheets:
        sheet = wb.create_sheet(sheet_title(source.label, used))
        columns = source.columns or [("日期", lambda o, s=source: _date_of(o, s)),
                                     ("内容", source.title), ("说明", source.detail)]
        write_sheet(sheet, [str(h) for h, _ in columns],
                    ([_value(get(obj)) for _, get in columns] for obj in records), progress=tick)
    return wb


def _date_of(obj, source):
    value = obj
    for part in source.date_field.split("__"):
        value = getattr(value, part)
    return value


SILENT_HEADERS = ["预警", "结对编码", "所属乡镇", "结对村(社区)", "村联系人", "村联系电话", "帮建单位",
                  "单位联系人", "单位联系电话", "最近活动日期", "无活动天数", "期间记录数", "所属活动"]


def silent_workbook(rows, today, date_from, date_to) -> Workbook:
    wb = new_workbook()
    ws = wb.create_sheet("沉默对子")
    body = []
    for p in rows:
        days = days_silent(p, today)
        body.append([
            MARK_LABELS.get(p.mark, p.mark), p.code,
            p.village.parent.name if p.village.parent_id else "", p.village.name,
            p.village_contact, p.village_phone, p.bureau.name, p.bureau_contact, p.bureau_phone,
            p.last_logged_on, "从无活动" if days is None else days, p.n_records, p.campaign.name,
        ])
    write_sheet(ws, SILENT_HEADERS, body, {4: 20, 7: 24, 13: 20})
    ws.append([])
    ws.append([f"统计期间:{_period_text(date_from, date_to)};预警按{today}计:"
               "最近一次共建活动(已提交或已审核)在30天内为正常,31–60天为黄色预警,超过60天或从无活动为红色预警。"])
    return wb
