"""Excel (openpyxl) helpers shared by every workbook the portal writes: Chinese headers on a
tinted, frozen first row, sensible column widths, text that never becomes a formula (every
workbook is a :class:`PortalWorkbook`, every CSV cell goes through :func:`csv_cell`), valid sheet
titles, and the download response.

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
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FDE9E7")
SHEET_TITLE_MAX = 31  # Excel's limit
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


# OWASP "CSV injection": a cell starting with one of these is read as a formula by Excel, WPS
# and LibreOffice (in a CSV, and when someone edits a text cell of a workbook).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def formula_like(value) -> bool:
    """Whether a text would be read as a formula (``=1+1``, ``@SUM(...)``, ``-2+3``); a plain
    number written as text (``-5``, ``+1.5``) is not."""
    return (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
            and not _PLAIN_NUMBER.fullmatch(value))


def neutralise(cell) -> None:
    """The one place a workbook cell is made safe: text that looks like a formula is stored as
    text, marked "quote prefix" (Excel shows it as typed and keeps it text when edited). Numbers,
    dates and other values are left as they are."""
    if cell.data_type == "f" or formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def csv_cell(value):
    """A CSV cell, neutralised per OWASP: formula-looking text gets a leading ``'``."""
    return "'" + value if formula_like(value) else value


class _NeutralSheet(WriteOnlyWorksheet):
    """A write-only sheet whose every appended cell goes through :func:`neutralise`."""

    def _values_to_row(self, values, row_idx):
        for cell in super()._values_to_row(values, row_idx):
            neutralise(cell)
            yield cell


class PortalWorkbook(Workbook):
    """Every workbook the portal writes: no cell of it is ever a formula (:func:`neutralise`)."""

    def create_sheet(self, title=None, index=None):
        if not self.write_only:
            return super().create_sheet(title, index)
        ws = _NeutralSheet(parent=self, title=title)
        self._add_sheet(sheet=ws, index=index)
        return ws

    def save(self, filename):
        if not self.write_only:  # write-only sheets were neutralised row by row
            for ws in self.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        neutralise(cell)
        super().save(filename)


def new_workbook(*, write_only: bool = True) -> PortalWorkbook:
    """A workbook for the portal to write. Write-only by default: rows stream to a temporary file
    as they are appended, so memory stays bounded however big the scope (add sheets with
    ``create_sheet``, rows with ``write_sheet``/``append``, styles with ``styled``). Text that
    looks like a formula stays text in either mode (:func:`neutralise`)."""
    return PortalWorkbook(write_only=write_only)


def styled(ws, value, *, bold=False, fill=None, size=None, wrap=False):
    """One cell for ``ws.append`` with a style (write-only sheets style cells this way)."""
    cell = WriteOnlyCell(ws, value=value)
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    return cell


def write_sheet(ws, headers, rows, widths=None, *, progress=None):
    """Header row (bold, tinted, frozen), then ``rows``; column widths from ``widths``
    ({column number: width}) or from the header's length. Works on write-only sheets (then call
    it first on the sheet: widths and the frozen row come before any row). ``progress()`` is
    called after every row."""
    for i, h in enumerate(headers, start=1):
        width = (widths or {}).get(i) or max(10, min(40, len(str(h)) * 2 + 4))
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append([styled(ws, h, bold=True, fill=HEADER_FILL) for h in headers])
    for row in rows:
        ws.append(list(row))
        if progress is not None:
            progress()


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
