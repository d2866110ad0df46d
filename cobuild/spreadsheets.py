"""Excel (openpyxl) helpers shared by every workbook the portal writes: Chinese headers on a
tinted, frozen first row, sensible column widths, user-typed text that never becomes a formula,
valid sheet titles, and the download response.

This module imports no app: the apps' workbooks (organisation coverage, pairing ledgers, the
metrics workbooks, import templates) build their sheets with these helpers.
"""

from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FDE9E7")
SHEET_TITLE_MAX = 31  # Excel's limit
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def write_sheet(ws, headers, rows, widths=None):
    """Header row (bold, tinted, frozen), then ``rows``; column widths from ``widths``
    ({column number: width}) or from the header's length."""
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"
    for i, h in enumerate(headers, start=1):
        width = (widths or {}).get(i) or max(10, min(40, len(str(h)) * 2 + 4))
        ws.column_dimensions[get_column_letter(i)].width = width


def cells_as_text(ws, min_row=1):
    """Cells typed by users are text, never formulas (a title starting with "=" stays text)."""
    for row in ws.iter_rows(min_row=min_row):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def sheet_title(label, used: set[str], default: str = "记录") -> str:
    """A valid sheet title from ``label`` (no ``[]:*?/\\``, short enough), unique in ``used``."""
    base = _BAD_TITLE.sub("", str(label)).strip()[:SHEET_TITLE_MAX - 3] or default
    title, n = base, 2
    while title in used:
        title, n = f"{base}{n}", n + 1
    used.add(title)
    return title


def workbook_bytes(wb: Workbook) -> bytes:
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(wb: Workbook, filename: str) -> HttpResponse:
    """The workbook as a download named ``filename`` (Chinese names survive: RFC 5987)."""
    resp = HttpResponse(workbook_bytes(wb), content_type=XLSX_TYPE)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp
