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
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FDE9E7")
SHEET_TITLE_MAX = 31  # Excel's limit
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def new_workbook() -> Workbook:
    """A write-only workbook: rows stream to a temporary file as they are appended, so memory
    stays bounded however big the scope (every workbook of the portal is built this way; add
    sheets with ``create_sheet``, rows with ``write_sheet``/``append``, styles with ``styled``)."""
    return Workbook(write_only=True)


def styled(ws, value, *, bold=False, fill=None, size=None, wrap=False, text=False):
    """One cell for ``ws.append`` with a style (write-only sheets style cells this way);
    ``text=True`` keeps a value starting with "=" as text, never a formula."""
    cell = WriteOnlyCell(ws, value=value)
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    if text and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def as_text(ws, row):
    """A row typed by users: cells that would read as formulas ("=...") stay text."""
    return [styled(ws, v, text=True) if isinstance(v, str) and v.startswith("=") else v for v in row]


def write_sheet(ws, headers, rows, widths=None, *, text=False, progress=None):
    """Header row (bold, tinted, frozen), then ``rows``; column widths from ``widths``
    ({column number: width}) or from the header's length. Works on write-only sheets (then call
    it first on the sheet: widths and the frozen row come before any row). ``text=True``: cells
    typed by users never become formulas. ``progress()`` is called after every row."""
    for i, h in enumerate(headers, start=1):
        width = (widths or {}).get(i) or max(10, min(40, len(str(h)) * 2 + 4))
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append([styled(ws, h, bold=True, fill=HEADER_FILL) for h in headers])
    for row in rows:
        ws.append(as_text(ws, row) if text else list(row))
        if progress is not None:
            progress()


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
