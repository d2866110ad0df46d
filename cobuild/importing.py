"""The shared import engine: one path from a CSV/XLSX file to the services (CONTRACT.md §2, §3).

The engine serves the ``import_data`` command, the web import page (preview, confirm) and the
downloadable templates. It knows nothing about any one kind of record: each kind is declared by
an :class:`ImportKind` subclass, registered by name.

Registering a kind (from another app)
-------------------------------------
Write ``<app>/importers.py``; the registry imports that module of every installed app the first
time a kind is looked up (like ``admin.py``), so nothing else needs wiring::

    from cobuild.importing import Column, ImportKind, Ref, parse_code, parse_date, register
    from organizations.models import Unit

    @register
    class PairingImport(ImportKind):
        name = "pairings"                      # the KIND of ``import_data KIND PATH``
        label = "结对共建"
        model = Pairing                        # rows are matched to records by ``code``
        select_related = ("village", "bureau")  # for the bulk lookup of existing records
        columns = [
            Column("code", "编码", required=True, parse=parse_code),
            Column("village_code", "村编码", required=True, parse=parse_code,
                   ref=Ref(Unit, label="村")),
            Column("start_date", "开始日期", required=True, parse=parse_date),
        ]
        field_columns = {"village": "village_code"}   # service ValidationError field -> column

        def check(self, row, ctx):      # cross-column rules; no writes, no per-row queries
            village = ctx.ref(row, "village_code")
            if village is not None and not ctx.can_manage(village):
                row.error("village_code", "您没有权限管理该单位。")

        def is_unchanged(self, row, existing):
            return existing.start_date == row.get("start_date")

        def save(self, row, ctx):      # one service call; returns (object, created)
            return pairing_save(actor=ctx.actor, code=row.get("code"),
                                village=ctx.current(Unit, row.get("village_code")), ...)

The engine then does, for every file:

1. read the first sheet (XLSX) or the CSV (UTF-8, BOM or not); the header may use the column
   keys or the Chinese headers; fully empty rows are skipped (but still counted for row numbers);
2. parse every cell with its column's parser and collect every error as (row, column, message),
   the header being row 1;
3. look up every referenced code in bulk (one query per referenced model) — scoped to the actor's
   units, so an out-of-scope code reads as "not found" — and the existing records by code;
4. call ``kind.check(row, ctx)`` for each row in file order (``ctx.ref`` sees earlier rows of the
   same file for ``Ref(..., in_file=True)``) and decide create / update / unchanged;
5. unless dry-run, and only if there is no error at all, write every changed row through
   ``kind.save`` inside one ``transaction.atomic()``; a ``PermissionDenied``/``ValidationError``
   from a service rolls everything back and is reported as a row error.

``actor=None`` is the system (commands); a web user is limited to their scope and their manager
roles in the validation pass, and checked again by the services when writing.

This module imports no app (CI's import-linter contract): the rule "may this actor manage this
unit" is registered by the app that owns units (``register_unit_permission``, from
``organizations.apps``), and the web import jobs live with their model in
``organizations.import_jobs``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils.module_loading import autodiscover_modules
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .batching import batch
from .codes import code_unusable_message, not_found_message
from .spreadsheets import PortalWorkbook, new_workbook, workbook_bytes, write_sheet

# Every kind of CONTRACT.md §2, in its order, with the name people see.
CONTRACT_KINDS = {
    "units": "单位",
    "organizations": "组织",
    "campaigns": "共建活动批次",
    "pairings": "结对共建",
    "activities": "共建活动",
    "commitments": "承诺事项",
    "surveys": "民主测评",
    "inspections": "督查走访",
    "people": "人员名册",
}
CODE_MAX_LENGTH = 64
LOOKUP_CHUNK = 2000  # codes per IN (...) query: keeps SQLite and PostgreSQL under their limits
MAX_CELL_LENGTH = 2000


# --------------------------------------------------------------------------------------------
# Errors and rows


class ImportFileError(Exception):
    """The file cannot be read at all (wrong type, not UTF-8, broken XLSX, empty)."""


class KindNotAvailable(LookupError):
    """The kind is unknown, or part of the contract but not registered (yet)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class Row:
    """One data row of the file: raw cell text, parsed values, and the decision taken for it."""

    number: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    present: frozenset = frozenset()  # column keys the file has (absent = keep on update)
    existing: Any = None
    action: str = ""  # "create" | "update" | "unchanged" ("" when the row has errors)
    errors: list[RowError] = field(default_factory=list)

    def get(self, key, default=None):
        return self.values.get(key, default)

    def has(self, key) -> bool:
        """Whether the file has this column (an empty cell is still "has")."""
        return key in self.present

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, "有错误")


ACTION_LABELS = {"create": "新增", "update": "更新", "unchanged": "无变化"}


@dataclass
class ImportResult:
    kind: ImportKind
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0  # dry-run: would be created
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def _count_actions(self) -> None:
        self.created = sum(r.action == "create" for r in self.rows)
        self.updated = sum(r.action == "update" for r in self.rows)
        self.unchanged = sum(r.action == "unchanged" for r in self.rows)


# --------------------------------------------------------------------------------------------
# Parsers: text in, value out, ValueError with a Chinese message on bad input.
# A parser is only called for a non-empty cell; an empty cell is None (or "required" error).


def parse_text(max_length: int = 200) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(f"不能超过{max_length}个字")
        return value

    parse.max_length = max_length
    return parse


def parse_code(value: str) -> str:
    if len(value) > CODE_MAX_LENGTH:
        raise ValueError(f"编码不能超过{CODE_MAX_LENGTH}个字符")
    if re.search(r"\s", value):
        raise ValueError("编码不能包含空格")
    return value


def parse_int(value: str) -> int:
    if re.fullmatch(r"-\d+", value):
        raise ValueError("不能为负数")
    if not re.fullmatch(r"\+?\d+", value):
        raise ValueError(f"“{value}”不是整数")
    return int(value)


def parse_decimal(value: str):
    """A non-negative number (money, outcome figures)."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"“{value}”不是数字") from None
    if not number.is_finite():
        raise ValueError(f"“{value}”不是数字")
    if number < 0:
        raise ValueError("不能为负数")
    return number


def parse_date(value: str) -> dt.date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"“{value}”不是有效日期") from None
    raise ValueError(f"日期格式应为YYYY-MM-DD,如2024-03-01(填的是“{value}”)")


def parse_choice(choices, aliases: dict[str, str] | None = None) -> Callable[[str], str]:
    """A TextChoices value: its code (``county``), its Chinese label (``县/旗/县级市``) or any
    part of the label between slashes (``县``, ``旗``, ``县级市``), or an extra alias."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[value] = value
        label = str(label)
        table.setdefault(label, value)
        for part in label.split("/"):
            table.setdefault(part.strip(), value)
    for alias, value in (aliases or {}).items():
        table.setdefault(alias, value)

    def parse(text: str) -> str:
        found = table.get(text) or table.get(text.lower())
        if found is None:
            raise ValueError(f"“{text}”不是可用的类型,可用:{choices_text(choices)}")
        return found

    parse.choices = choices
    return parse


def choices_text(choices) -> str:
    return ";".join(f"{value} {label}" for value, label in choices.choices)


# --------------------------------------------------------------------------------------------
# Declarations


@dataclass(frozen=True)
class Ref:
    """A column holding the code of another record. Looked up in bulk, scoped to the actor.

    ``in_file=True`` (only for the kind's own model) lets a row refer to a row above it in the
    same file; ``ctx.ref`` then returns that :class:`Row` instead of a model instance.
    """

    model: type[models.Model]
    label: str = "记录"
    field: str = "code"
    in_file: bool = False
    select_related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header of the template
    required: bool = False
    parse: Callable[[str], Any] = parse_text()
    ref: Ref | None = None
    help: str = ""  # for the "说明" sheet and the upload page
    allowed: str = ""  # allowed values, in words; filled in from a parse_choice parser if empty
    example: str = ""

    @property
    def allowed_text(self) -> str:
        if self.allowed:
            return self.allowed
        if getattr(self.parse, "choices", None) is not None:
            return choices_text(self.parse.choices)
        if self.parse is parse_int:
            return "不小于0的整数"
        if self.parse is parse_decimal:
            return "不小于0的数"
        if self.parse is parse_date:
            return "YYYY-MM-DD"
        if self.parse is parse_code:
            return f"不超过{CODE_MAX_LENGTH}个字符,区分大小写,不含空格"
        if getattr(self.parse, "max_length", None):
            return f"不超过{self.parse.max_length}个字"
        return ""


class ImportKind:
    """Declaration of one importable kind. Subclass, fill in the attributes, ``@register`` it."""

    name: str = ""  # key of the kind: "units", "pairings", ...
    label: str = ""  # Chinese name: "单位"
    description: str = ""  # one paragraph for the upload page and the "说明" sheet
    model: type[models.Model]
    code_column: str = "code"  # the column that identifies a record
    code_field: str = "code"  # the model field it matches
    select_related: tuple[str, ...] = ()  # for the bulk lookup of existing records
    columns: Iterable[Column] = ()
    field_columns: dict[str, str] = {}  # model field in a service ValidationError -> column key

    def get_columns(self) -> list[Column]:
        """The columns, in template order. Override for columns that come from data."""
        return list(self.columns)

    def check(self, row: Row, ctx: Context) -> None:
        """Cross-column and reference rules for one parsed row. Report with ``row.error``."""

    def is_unchanged(self, row: Row, existing) -> bool:
        """Whether writing the row would change nothing (then it is not written)."""
        return False

    def save_many(self, rows: list[Row], ctx: Context) -> list[tuple]:
        """Write the changed rows; (object, created) for each, in order. One ``save`` per row
        unless a kind offers a bulk service (new rows in bulk); a refused row raises
        ``RowWriteError``."""
        out = []
        for row in rows:
            try:
                out.append(self.save(row, ctx))
            except (PermissionDenied, ValidationError, IntegrityError) as exc:
                raise RowWriteError(row, exc) from exc
        return out

    def save(self, row: Row, ctx: Context):
        """Write the row through the service; return ``(object, created)``."""
        raise NotImplementedError

    def preview(self, row: Row) -> list[str]:
        """Cell text shown in the preview table, one per column of the file."""
        return [row.raw.get(c.key, "") for c in self.get_columns() if row.has(c.key)]

    def __str__(self):
        return self.label or self.name


# --------------------------------------------------------------------------------------------
# Registry

_registry: dict[str, ImportKind] = {}
_discovered = False
_unit_permission: Callable[[Any, Any], bool] | None = None


def register_unit_permission(check: Callable[[Any, Any], bool]) -> None:
    """Set the rule behind ``Context.can_manage``: ``check(user, unit)`` -> may the user manage
    the unit. Registered once at start-up by the app that owns units."""
    global _unit_permission
    _unit_permission = check


def register(kind):
    """Register an :class:`ImportKind` subclass (usable as a class decorator) or instance."""
    instance = kind() if isinstance(kind, type) else kind
    if not instance.name:
        raise ValueError("An ImportKind needs a name.")
    _registry[instance.name] = instance
    return kind


def unregister(name: str) -> None:
    _registry.pop(name, None)


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("importers")


def registered_kinds() -> list[ImportKind]:
    """The kinds that can be imported now: the contract's ones first, in contract order."""
    _discover()
    order = list(CONTRACT_KINDS)
    return sorted(_registry.values(),
                  key=lambda k: (order.index(k.name) if k.name in order else len(order), k.name))


def get_kind(name: str) -> ImportKind:
    _discover()
    if name in _registry:
        return _registry[name]
    if name in CONTRACT_KINDS:
        raise KindNotAvailable(f"“{name}”({CONTRACT_KINDS[name]})的导入功能尚未开放。")
    available = ", ".join(k.name for k in registered_kinds())
    raise KindNotAvailable(f"未知的数据类型“{name}”,可用:{available}")


# --------------------------------------------------------------------------------------------
# Reading files

XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


def file_type(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".xls", ".et", ".wps")):
        raise ImportFileError("不支持旧版Excel(.xls)文件,请在Excel中“另存为”.xlsx格式后再导入。")
    raise ImportFileError("只支持 .xlsx 或 .csv 文件。")


def sniff(data: bytes, filename: str) -> str:
    """Check the content against the extension; return "csv" or "xlsx" or raise ImportFileError.
    An XLSX is also measured before anything parses it (:func:`inspect_xlsx`)."""
    kind = file_type(filename)
    if not data:
        raise ImportFileError("文件是空的。")
    if kind == "xlsx":
        inspect_xlsx(data)
    else:
        _decode_csv(data)
    return kind


BROKEN_XLSX = "文件不是有效的Excel(.xlsx)文件,可能已损坏或只是改了扩展名。"
SMALL_PART_MAX = 5 * 1024 * 1024  # workbook.xml and its relationships: a few KB in real files
_SCAN_CHUNK = 1024 * 1024
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")


def _limit(name: str) -> int:
    return getattr(settings, name)


def _too_big(what: str) -> ImportFileError:
    return ImportFileError(f"{what},无法导入。请删除多余的内容,或拆分成几个文件分别导入(每个文件最多"
                           f"{_limit('IMPORT_MAX_ROWS')}行数据)。")


_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s[^>]*?\b[\w.-]+:id=\"([^\"]+)\"")
_REL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s[^>]*>")
_ATTR = re.compile(rb"\b(Id|Target)=\"([^\"]*)\"")


def _first_sheet(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> str:
    """The path of the workbook's first sheet (the one imported), from workbook.xml and its rels.
    Read with patterns, not an XML parser: nothing in these parts is expanded."""
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in infos or any(infos[p].file_size > SMALL_PART_MAX for p in ("xl/workbook.xml", rels_name)):
        raise ImportFileError(BROKEN_XLSX)
    sheet = _SHEET_TAG.search(zf.read("xl/workbook.xml"))
    if sheet is None:
        raise ImportFileError(BROKEN_XLSX)
    target = None
    for tag in _REL_TAG.finditer(zf.read(rels_name)):
        attrs = dict(_ATTR.findall(tag.group(0)))
        if attrs.get(b"Id") == sheet.group(1):
            target = attrs.get(b"Target", b"").decode("utf-8", "replace")
            break
    if not target:
        raise ImportFileError(BROKEN_XLSX)
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    if path not in infos:
        raise ImportFileError(BROKEN_XLSX)
    return path


def inspect_xlsx(data: bytes) -> None:
    """Refuse, before any XML is parsed, an XLSX that would take the server's memory or time:
    the unpacked size of the whole file, of its shared strings and of each sheet (as the zip
    declares them: a reader never gets more), the first sheet's declared dimension, and its real
    count of rows and cells (the sheet is streamed through in 1 MB pieces, nothing is kept)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            if not all(part in infos for part in XLSX_PARTS):
                raise ImportFileError(BROKEN_XLSX)
            if sum(i.file_size for i in infos.values()) > _limit("IMPORT_MAX_UNZIPPED_BYTES"):
                raise _too_big("文件解压后太大")
            shared = infos.get("xl/sharedStrings.xml")
            if shared is not None and shared.file_size > _limit("IMPORT_MAX_SHARED_STRINGS_BYTES"):
                raise _too_big("文件中的文字内容太多")
            for name, info in infos.items():
                if name.startswith("xl/worksheets/") and info.file_size > _limit("IMPORT_MAX_SHEET_BYTES"):
                    raise _too_big("工作表太大")
            _count_rows(zf, _first_sheet(zf, infos))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error):
        raise ImportFileError(BROKEN_XLSX) from None


def _count_rows(zf: zipfile.ZipFile, sheet: str) -> None:
    max_rows, max_cells = _limit("IMPORT_MAX_ROWS") + 1, _limit("IMPORT_MAX_CELLS")  # + the header
    rows = cells = 0
    tail = b""
    with zf.open(sheet) as stream:
        first = True
        while chunk := stream.read(_SCAN_CHUNK):
            block = tail + chunk
            if first:
                first = False
                found = _DIMENSION.search(block)
                if found is not None:
                    last_row = int(found.group(4) or found.group(2))
                    if last_row > max_rows:
                        raise _too_big(f"工作表声明有{last_row}行,超过{max_rows - 1}行数据的上限")
            # Count the tags that start before the last 16 bytes (a tag is shorter than that, so
            # each is whole here); those 16 bytes start the next piece.
            cut = max(0, len(block) - 16)
            rows += len(_ROW_TAG.findall(block)) - len(_ROW_TAG.findall(block, cut))
            cells += len(_CELL_TAG.findall(block)) - len(_CELL_TAG.findall(block, cut))
            tail = block[cut:]
            if rows > max_rows:
                raise _too_big(f"工作表超过{max_rows - 1}行数据")
            if cells > max_cells:
                raise _too_big(f"工作表的单元格超过{max_cells}个")
    rows += len(_ROW_TAG.findall(tail))
    cells += len(_CELL_TAG.findall(tail))
    if rows > max_rows:
        raise _too_big(f"工作表超过{max_rows - 1}行数据")
    if cells > max_cells:
        raise _too_big(f"工作表的单元格超过{max_cells}个")


CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 (BOM or not), then what Excel saves in China


def _decode_csv(data: bytes) -> str:
    """The CSV's text: UTF-8 with or without BOM, else GB18030 (a superset of GBK and GB2312, the
    encoding of "CSV (逗号分隔)" saved by Excel or WPS on a Chinese Windows)."""
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise ImportFileError(
            "无法识别CSV文件的编码(支持UTF-8和GBK/GB18030)。请在Excel中“另存为 → CSV UTF-8(逗号分隔)”,或直接上传.xlsx文件。"
        )
    if "\x00" in text:
        raise ImportFileError("CSV文件含有无法识别的内容,请确认是文本格式的CSV文件。")
    return text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _rows_limited(rows: Iterable) -> list[list[str]]:
    """The rows as cell texts, stopping with an error past ``IMPORT_MAX_ROWS`` data rows."""
    max_rows = _limit("IMPORT_MAX_ROWS") + 1  # the header
    out = []
    for r in rows:
        if len(out) >= max_rows:
            raise _too_big(f"文件超过{max_rows - 1}行数据")
        out.append([_cell_text(c) for c in r])
    return out


def read_table(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """Rows of the CSV or of the first sheet as (row number, cell texts), header included."""
    kind = sniff(data, filename)
    if kind == "csv":
        reader = csv.reader(io.StringIO(_decode_csv(data), newline=""))
        try:
            rows = _rows_limited(reader)
        except csv.Error as exc:
            raise ImportFileError(f"CSV文件格式有误:{exc}") from None
    else:
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a broken file
            raise ImportFileError("无法读取该Excel文件,可能已损坏,请重新保存为.xlsx后再试。") from None
        try:
            ws = wb.worksheets[0]
            ws.reset_dimensions()  # some writers store a wrong sheet size; read every row
            rows = _rows_limited(ws.iter_rows(values_only=True))
        finally:
            wb.close()
    numbered = [(i, r) for i, r in enumerate(rows, start=1)]
    # Drop trailing empty rows; the header is the first row that is not empty.
    while numbered and not any(numbered[-1][1]):
        numbered.pop()
    if not numbered:
        raise ImportFileError("文件是空的,没有表头和数据。")
    return numbered


# --------------------------------------------------------------------------------------------
# The engine


class _Rollback(Exception):
    pass


class Context:
    """What ``check`` and ``save`` see: the actor, bulk-loaded lookups, rows seen so far."""

    def __init__(self, kind: ImportKind, actor, rows: list[Row]):
        self.kind = kind
        self.actor = actor
        self.restricted = actor is not None and not actor.is_superuser
        self.rows = rows
        self._columns = {c.key: c for c in kind.get_columns()}
        self._lookups: dict[tuple[type, str], dict[str, Any]] = {}
        self._earlier: dict[str, Row] = {}  # code -> the row (above the current one) defining it
        self._later: dict[str, int] = {}  # code -> first row number defining it

    # -- validation pass ------------------------------------------------------------------

    def lookup(self, model, code, field="code"):
        """The record with this code if it exists and is inside the actor's scope, else None."""
        obj = self._lookups.get((model, field), {}).get(code)
        if obj is None or not getattr(obj, "_import_in_scope", True):
            return None
        return obj

    def exists(self, model, code, field="code") -> bool:
        """Whether the code is taken at all (in scope or not). Never show this to the user."""
        return code in self._lookups.get((model, field), {})

    def ref(self, row: Row, key: str):
        """Resolve a reference column: a model instance, an earlier :class:`Row` (``in_file``
        references), or None — None with an error on the row if a code was given but not found.
        """
        code = row.get(key)
        if not code:
            return None
        ref = self.kind_column(key).ref
        if ref.in_file:
            if code == row.get(self.kind.code_column):
                row.error(key, f"{ref.label}不能是它自己。")
                return None
            if code in self._earlier:
                return self._earlier[code]
        obj = self.lookup(ref.model, code, ref.field)
        if obj is not None:
            return obj
        if ref.in_file and self._later.get(code, 0) > row.number:
            row.error(key, f"{ref.label}“{code}”在文件中位于第{self._later[code]}行,请把它移到本行之前。")
        else:
            row.error(key, not_found_message(code, ref.label))  # out of scope reads the same
        return None

    def can_manage(self, unit) -> bool:
        if not self.restricted:
            return True
        if _unit_permission is None:
            raise ImproperlyConfigured("No unit permission registered (register_unit_permission).")
        return _unit_permission(self.actor, unit)

    def kind_column(self, key) -> Column:
        return self._columns[key]

    # -- write pass -----------------------------------------------------------------------

    def current(self, model, code, field="code"):
        """The record as it is now in the database (after the rows written so far)."""
        if not code:
            return None
        table = self._lookups.setdefault((model, field), {})
        obj = table.get(code)
        if obj is None:
            obj = model._default_manager.get(**{field: code})
            table[code] = obj
        return obj

    def remember(self, obj, field="code") -> None:
        self._lookups.setdefault((type(obj), field), {})[getattr(obj, field)] = obj

    def forget(self, model) -> None:
        """Drop cached records of a model (after a write that changed others, e.g. a move)."""
        for key in [k for k in self._lookups if k[0] is model]:
            self._lookups[key] = {}

    # -- bulk loading ---------------------------------------------------------------------

    def load(self, wanted: dict[tuple[type, str], tuple[set[str], set[str]]]) -> None:
        """One query per (model, field): the records with these codes, marked in/out of scope."""
        for (model, fld), (codes, related) in wanted.items():
            found: dict[str, Any] = {}
            codes = sorted(codes)
            for start in range(0, len(codes), LOOKUP_CHUNK):
                qs = model._default_manager.filter(**{f"{fld}__in": codes[start:start + LOOKUP_CHUNK]})
                if related:
                    qs = qs.select_related(*sorted(related))
                if self.restricted and hasattr(model._default_manager, "for_user"):
                    # Models without ``objects.for_user`` are not scoped: every row is visible.
                    scoped = model._default_manager.for_user(self.actor).filter(pk=OuterRef("pk"))
                    qs = qs.annotate(_import_in_scope=Exists(scoped))
                for obj in qs:
                    found[getattr(obj, fld)] = obj
            self._lookups[(model, fld)] = found


def _header_name(text: str) -> str:
    """A header cell without the decorations people add: "编码*", "编码(必填)"."""
    name = text.strip()
    for suffix in ("(必填)", "(必填)", "*", "＊"):
        name = name.removesuffix(suffix).strip()
    return name


def _header_map(kind: ImportKind, header: list[str], number: int, errors: list[RowError]):
    """Column index -> column key. Accepts keys (any case) and Chinese headers (trailing * ok)."""
    by_name: dict[str, str] = {}
    for c in kind.get_columns():
        by_name[c.key.lower()] = c.key
        by_name[c.header] = c.key
    mapping: dict[int, str] = {}
    seen: dict[str, int] = {}
    for i, text in enumerate(header):
        name = _header_name(text)
        if not name:
            continue
        key = by_name.get(name) or by_name.get(name.lower())
        if key is None:
            errors.append(RowError(number, text, "无法识别的列名,请使用模板中的列名。"))
        elif key in seen:
            errors.append(RowError(number, key, f"列重复(第{seen[key] + 1}列和第{i + 1}列)。"))
        else:
            seen[key] = i
            mapping[i] = key
    for c in kind.get_columns():
        if c.required and c.key not in seen:
            errors.append(RowError(number, c.key, f"缺少必填列“{c.header}”({c.key})。"))
    return mapping


def _parse_rows(kind, table, mapping) -> list[Row]:
    columns = {c.key: c for c in kind.get_columns()}
    present = frozenset(mapping.values())
    rows = []
    for number, cells in table:
        if not any(cells):
            continue
        raw = {key: (cells[i] if i < len(cells) else "") for i, key in mapping.items()}
        row = Row(number=number, raw=raw, present=present)
        for key, text in raw.items():
            col = columns[key]
            if text == "":
                row.values[key] = None
                if col.required:
                    row.error(key, "必填,不能为空。")
                continue
            if len(text) > MAX_CELL_LENGTH:
                row.error(key, f"内容过长(超过{MAX_CELL_LENGTH}个字)。")
                continue
            try:
                row.values[key] = col.parse(text)
            except ValueError as exc:
                row.error(key, str(exc))
        rows.append(row)
    return rows


def _validate(kind: ImportKind, table, actor, result: ImportResult, progress=None) -> Context:
    header_number, header = table[0]
    header_errors: list[RowError] = []
    mapping = _header_map(kind, header, header_number, header_errors)
    rows = _parse_rows(kind, table[1:], mapping)  # checked even if the header is incomplete
    ctx = Context(kind, actor, rows)
    result.rows = rows
    code_key = kind.code_column

    # Duplicate codes in the file; where each code is first defined.
    for row in rows:
        code = row.get(code_key)
        if not code:
            continue
        if code in ctx._later:
            row.error(code_key, f"编码“{code}”与第{ctx._later[code]}行重复。")
        else:
            ctx._later[code] = row.number

    # Bulk lookups: the kind's own records by code, and every referenced model.
    wanted: dict[tuple[type, str], tuple[set[str], set[str]]] = {}

    def want(model, fld, codes, related=()):
        entry = wanted.setdefault((model, fld), (set(), set()))
        entry[0].update(c for c in codes if c)
        entry[1].update(related)

    want(kind.model, kind.code_field, (r.get(code_key) for r in rows), kind.select_related)
    for col in kind.get_columns():
        if col.ref is not None and col.key in mapping.values():
            want(col.ref.model, col.ref.field, (r.get(col.key) for r in rows), col.ref.select_related)
    if rows:
        ctx.load(wanted)

    for done, row in enumerate(rows, start=1):
        if progress is not None:
            progress(done - 1, len(rows))
        code = row.get(code_key)
        if code and not any(e.column == code_key for e in row.errors):
            if ctx.exists(kind.model, code, kind.code_field):
                row.existing = ctx.lookup(kind.model, code, kind.code_field)
                if row.existing is None:  # taken by a record outside the actor's scope
                    row.error(code_key, code_unusable_message(code))
        kind.check(row, ctx)
        if row.ok:
            if row.existing is None:
                row.action = "create"
            elif kind.is_unchanged(row, row.existing):
                row.action = "unchanged"
            else:
                row.action = "update"
        if code and code not in ctx._earlier:
            ctx._earlier[code] = row
    result.errors = sorted(
        header_errors + [e for r in rows for e in r.errors], key=lambda e: e.row
    )
    result._count_actions()
    if progress is not None:
        progress(len(rows), len(rows))
    return ctx


def _service_errors(kind: ImportKind, row: Row, exc) -> list[RowError]:
    if isinstance(exc, PermissionDenied):
        return [RowError(row.number, kind.code_column, str(exc) or "没有权限。")]
    if isinstance(exc, IntegrityError):
        return [RowError(row.number, kind.code_column, "数据库拒绝了这一行(编码重复或数据冲突)。")]
    if hasattr(exc, "error_dict"):
        out = []
        for fld, messages in exc.message_dict.items():
            if fld == NON_FIELD_ERRORS:
                column = kind.code_column
            else:
                column = kind.field_columns.get(fld, fld)
            out += [RowError(row.number, column, m) for m in messages]
        return out
    return [RowError(row.number, kind.code_column, m) for m in exc.messages]


class RowWriteError(Exception):
    """Raised by ``ImportKind.save_many`` for the row a service refused."""

    def __init__(self, row: Row, error: Exception):
        super().__init__(str(error))
        self.row, self.error = row, error


def _write(kind: ImportKind, ctx: Context, result: ImportResult) -> None:
    rows = [row for row in result.rows if row.action != "unchanged"]
    try:
        saved = kind.save_many(rows, ctx)
    except RowWriteError as exc:
        result.errors = _service_errors(kind, exc.row, exc.error)
        raise _Rollback from exc
    for row, (obj, created) in zip(rows, saved, strict=True):
        ctx.remember(obj, kind.code_field)
        row.action = "create" if created else "update"


def run_import(kind: str | ImportKind, data: bytes | None, filename: str, *, actor=None,
               dry_run: bool = False, progress: Callable[[int, int], Any] | None = None,
               table: list | None = None) -> ImportResult:
    """Validate the file and, unless ``dry_run`` or anything is wrong, write it all.

    ``table``: the file's rows as :func:`read_table` returned them before (kept by a web import
    job), so the file is not parsed again; ``data`` is then not read.
    Raises :class:`KindNotAvailable` or :class:`ImportFileError`; every row problem is returned
    in ``result.errors`` instead. ``progress(done, total)`` is called as rows are checked (a
    background job shows it; inside the write transaction nobody else would see it).
    """
    if isinstance(kind, str):
        kind = get_kind(kind)
    if table is None:
        table = read_table(data, filename)
    result = ImportResult(kind=kind, dry_run=dry_run)
    if dry_run:
        _validate(kind, table, actor, result, progress)
        return result
    try:
        with transaction.atomic():
            ctx = _validate(kind, table, actor, result, progress)
            if result.errors:
                return result
            with batch():
                _write(kind, ctx, result)
    except _Rollback:  # a service refused a row: nothing is written
        result.created = result.updated = result.unchanged = 0
        return result
    result._count_actions()
    result.written = True
    return result


# --------------------------------------------------------------------------------------------
# Template workbook


def template_workbook(kind: str | ImportKind) -> PortalWorkbook:
    """Row 1: the Chinese headers; sheet "说明": every column, allowed values, an example row."""
    if isinstance(kind, str):
        kind = get_kind(kind)
    columns = kind.get_columns()
    wb = new_workbook(write_only=False)  # an editable sheet: tests and people read it back
    ws = wb.active
    ws.title = f"{kind.label}导入"[:31]
    write_sheet(ws, [c.header for c in columns], [], {i: max(12, len(c.header) * 2 + 6)
                                                      for i, c in enumerate(columns, start=1)})
    for i in range(1, len(columns) + 1):
        # Text cells keep leading zeros of codes and dates as typed.
        ws.column_dimensions[get_column_letter(i)].number_format = "@"
    notes = wb.create_sheet("说明")
    write_sheet(
        notes,
        ["列名(表头)", "列键(也可作表头)", "是否必填", "说明", "可填的值", "示例"],
        [[c.header, c.key, "必填" if c.required else "选填", c.help, c.allowed_text, c.example]
         for c in columns],
        {1: 18, 2: 18, 3: 10, 4: 48, 5: 60, 6: 16},
    )
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.append([])
    notes.append(["示例行(可复制到第一个工作表的第2行):"])
    notes.cell(row=notes.max_row, column=1).font = Font(bold=True)
    notes.append([c.header for c in columns])
    notes.append([c.example for c in columns])
    notes.append([])
    for line in [
        kind.description,
        "第一行是表头,可用中文列名,也可用列键;从第二行起每行一条记录,空行会被忽略。",
        "编码是记录的唯一标识:再次导入相同编码会更新原记录,不会重复新增。",
        "更新已有记录时:文件里没有的选填列保留原值;有这一列但单元格留空,表示清空(数字按0计)。",
        "导入是“全部成功或全部不导入”:只要有一行有错,就一行也不写入,并列出所有错误(第几行、哪一列)。",
        "日期格式为YYYY-MM-DD,如2024-03-01。也可以保存为CSV文件(UTF-8或GBK编码)导入。",
    ]:
        if line:
            notes.append([line])
    return wb


def template_bytes(kind: str | ImportKind) -> bytes:
    return workbook_bytes(template_workbook(kind))
