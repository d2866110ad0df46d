"""Small files that ask for a lot: what the upload checks must refuse cheaply (README,
"可靠性与安全"). Used by the tests and by ``bench_uploads``; each is built in well under a second.

- :func:`many_rows_xlsx`: a valid XLSX whose first sheet has ``rows`` rows (3,000,000 rows pack
  into well under 1 MB: the sheet XML is written straight into the zip);
- :func:`huge_string_xlsx`: one cell holding a shared string of ``size`` characters;
- :func:`bomb_png`: a PNG whose header says ``width`` × ``height`` (30000 × 30000 is 900 million
  pixels) with a tiny compressed body.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _xlsx(sheet_parts, shared: str, dimension: str | None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/sharedStrings.xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                    f'uniqueCount="1"><si><t>{shared}</t></si></sst>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(SHEET_HEAD.encode())
            if dimension:
                out.write(f'<dimension ref="{dimension}"/>'.encode())
            out.write(b"<sheetData>")
            for part in sheet_parts:
                out.write(part)
            out.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def many_rows_xlsx(rows: int = 3_000_000, *, declare: bool = True) -> bytes:
    """A header (``code``) and ``rows - 1`` rows of one number; ``declare=False`` leaves out the
    sheet's ``<dimension>`` (so only counting the rows finds the size)."""
    def parts():
        yield b'<row><c t="s"><v>0</v></c></row>'
        line = b"<row><c><v>1</v></c></row>"
        block = line * 10_000
        left = rows - 1
        while left >= 10_000:
            yield block
            left -= 10_000
        yield line * left

    return _xlsx(parts(), "code", f"A1:A{rows}" if declare else None)


def huge_string_xlsx(size: int = 400_000_000) -> bytes:
    """One cell holding a shared string of ``size`` letters (400 MB of "a" zip into ~400 KB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                      b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"a" * 1_000_000
            for _ in range(size // len(chunk)):
                out.write(chunk)
            out.write(b"</t></si></sst>")
        zf.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
                    '</row></sheetData></worksheet>')
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A 1-bit greyscale PNG of ``width`` × ``height`` black pixels: a few hundred KB on disk,
    ``width × height`` pixels (several GB as RGB) once decoded."""
    row = b"\0" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    body = []
    rows_per_piece = max(1, 4_000_000 // len(row))
    piece = row * rows_per_piece
    left = height
    while left >= rows_per_piece:
        body.append(packer.compress(piece))
        left -= rows_per_piece
    body.append(packer.compress(row * left))
    body.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(body))
            + _chunk(b"IEND", b""))
