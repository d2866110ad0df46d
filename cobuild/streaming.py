"""CSV downloads that stream (README, "部署"): rows are written as they are produced, so a
province-wide export holds one chunk of rows in memory, never the whole file. Imports no app."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

from .replica import stream_in_same_database
from .spreadsheets import csv_cell

BOM = "\ufeff"


class _Line:
    """A file-like object whose ``write`` returns what was written (for csv.writer)."""

    def write(self, value):
        return value


def csv_lines(rows: Iterable, header=None, bom: bool = False, lineterminator: str = "\n"):
    """Each row as one CSV line (text). ``rows`` may be lazy (``queryset.iterator(chunk_size=…)``).
    Every cell goes through ``csv_cell``: text that Excel would run as a formula starts with ``'``."""
    writer = csv.writer(_Line(), lineterminator=lineterminator)
    if bom:
        yield BOM
    if header is not None:
        yield writer.writerow([csv_cell(c) for c in header])
    for row in rows:
        yield writer.writerow([csv_cell(c) for c in row])


def csv_response(rows: Iterable, filename: str, header=None, bom: bool = False, disposition: str = "attachment",
                 lineterminator: str = "\n") -> StreamingHttpResponse:
    """A streamed ``text/csv`` (UTF-8) download. Rows read lazily after the view returns are read
    where the view read (the replica inside ``cobuild.replica.use_replica``)."""
    lines = csv_lines(rows, header, bom, lineterminator)
    body = (line.encode("utf-8") for line in stream_in_same_database(lines))
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
