"""The indicator summary in CSV, JSON and XLSX (CONTRACT.md §2 export_metrics, §5 summary.csv)."""

import json

from cobuild import streaming
from cobuild.spreadsheets import new_workbook, workbook_bytes, write_sheet

COLUMNS = ["indicator", "name", "unit", "value"]


def rows(figures):
    return [[f.indicator.code, f.indicator.name, f.indicator.unit, f.text] for f in figures]


def to_csv(figures) -> str:
    """No BOM, ``\\n`` line ends: the same lines /metrics/summary.csv streams."""
    return "".join(streaming.csv_lines(rows(figures), header=COLUMNS))


def _number(value):
    return int(value) if value == value.to_integral_value() else float(value)


def to_json(figures, unit, campaign=None, date_from=None, date_to=None, silence=None, summary=None) -> str:
    """The CSV's rows as ``indicators``; with ``silence`` (metrics.figures.Silence) also the silent
    villages and pairs on its as-of day; with ``summary`` (metrics.figures.Summary) also what the
    figures count (``verified_only``, ``awaiting_review``) and the ``registers`` beside them."""
    data = {
        "unit": unit.code, "unit_name": unit.name,
        "campaign": campaign.slug if campaign else None,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "indicators": [dict(zip(COLUMNS, r, strict=True)) for r in rows(figures)],
    }
    if summary is not None:
        data["verified_only"] = summary.verified_only
        data["awaiting_review"] = summary.awaiting
        data["registers"] = {
            "help_pairs": {"reported": _number(summary.help_pairs), "registered": summary.help_pairs_registered,
                           "agree": not summary.help_pairs_disagree},
            "joint_meetings_held": summary.joint_meetings_held,
        }
    if silence is not None:
        data["silence"] = {"as_of": silence.as_of.isoformat(), "days": silence.days,
                           "villages": silence.villages_total, "silent_villages": silence.villages_silent,
                           "pairings": silence.pairs["total"], "silent_pairings": silence.pairs["silent"]}
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_xlsx(figures, unit) -> bytes:
    wb = new_workbook()
    ws = wb.create_sheet("指标汇总")
    body = []
    for f in figures:
        value = f.text
        if value != "":
            value = float(value) if "." in value else int(value)
        body.append([f.indicator.code, f.indicator.name, f.indicator.unit, value])
    write_sheet(ws, ["指标代码", "指标名称", "单位", f"{unit.name}"], body, {1: 26, 2: 28})
    return workbook_bytes(wb)
