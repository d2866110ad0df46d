"""Reading what a request sends: one parser per kind of value (ids, codes, dates, search text), each
answering a clear Chinese 404 or form error instead of a server error.

A query or form parameter comes from anyone's browser. ``str.isdigit()`` is true for ``²`` and
``٣`` (``int()`` then fails or reads another number), dates before year 4 or after 9998 overflow
the period arithmetic, a 20-digit id overflows the database's integer, and PostgreSQL refuses a
NUL byte in any text. So every view reads its parameters through these helpers (or the form
fields below), and :class:`BadInputMiddleware` answers 400 for a NUL byte anywhere in the query
string, the form body or the path before a view runs (and admin date filters out of range).

App-free (``cobuild/`` helpers import no app).
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import BadRequest
from django.http import Http404, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.http import url_has_allowed_host_and_scheme

from cobuild import body

#: the largest id a database column holds (BigAutoField; PostgreSQL bigint, SQLite INTEGER)
MAX_ID = 2**63 - 1
#: the dates a page, a filter or a record may name: anything else is a typing slip
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"日期应在 {MIN_DATE:%Y-%m-%d} 至 {MAX_DATE:%Y-%m-%d} 之间。"
DATE_FORMAT_MESSAGE = "日期格式应为 YYYY-MM-DD,例如 2024-07-01。"
#: search terms longer than this are cut (nobody types more; LIKE over 10k characters is waste)
TEXT_MAX = 200
#: codes and slugs are at most 64 characters (CONTRACT.md §3)
CODE_MAX = 64
NUL = "\x00"


def parse_id(value) -> int | None:
    """A positive id written in ASCII digits that a database column can hold, else ``None``."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def id_or_404(value, message: str = "编号无效。") -> int:
    """:func:`parse_id` or a 404 with ``message`` (a malformed id names no record)."""
    number = parse_id(value)
    if number is None:
        raise Http404(message)
    return number


def parse_code(value, max_length: int = CODE_MAX) -> str | None:
    """A code or slug: stripped, without NUL, at most ``max_length`` characters; else ``None``."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or NUL in text or len(text) > max_length:
        return None
    return text


def code_or_404(value, message: str = "没有这个编码。", max_length: int = CODE_MAX) -> str:
    code = parse_code(value, max_length)
    if code is None:
        raise Http404(message)
    return code


def parse_date(value) -> dt.date | None:
    """``YYYY-MM-DD`` within :data:`MIN_DATE`..:data:`MAX_DATE`; empty gives ``None``; raises
    ``ValueError`` with a Chinese message for anything else."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        if not text.isascii():
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(DATE_FORMAT_MESSAGE) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(DATE_RANGE_MESSAGE)
    return day


def date_or_404(value) -> dt.date | None:
    """:func:`parse_date` for a query parameter: a malformed date answers 404 with its message."""
    try:
        return parse_date(value)
    except ValueError as e:
        raise Http404(str(e)) from None


def parse_text(value, max_length: int = TEXT_MAX) -> str:
    """Search text: stripped, NUL bytes dropped, cut at ``max_length`` characters."""
    if value is None:
        return ""
    return str(value).replace(NUL, "").strip()[:max_length]


def local_url(request, value) -> str | None:
    """A ``next`` address to go back to: a path on this site (``/…``), else ``None``. Anything
    else — another host, a scheme, a bare word that ``redirect()`` would take for a view name —
    is refused."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//") or NUL in value:
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return None
    return value


def check_date_range(day: dt.date | None) -> None:
    """The form validator behind :class:`DateField`."""
    if day is not None and not MIN_DATE <= day <= MAX_DATE:
        raise forms.ValidationError(DATE_RANGE_MESSAGE, code="date_range")


class DateField(forms.DateField):
    """A form's date: ``YYYY-MM-DD`` (and Django's other input formats) within the sane range,
    with the Chinese messages of :func:`parse_date`. Every form of the portal uses it."""

    default_error_messages = {"invalid": DATE_FORMAT_MESSAGE}
    default_validators = [check_date_range]

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(DATE_FORMAT_MESSAGE, code="invalid")
        try:
            return super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(DATE_FORMAT_MESSAGE, code="invalid") from None


# The admin's changelist filters: date hierarchy parts and date ranges (DateFieldListFilter). Django
# passes them to ``date()``/``make_aware`` unchecked, so a huge year or 0001-01-01 overflows.
_DATE_PARTS = {"__year": (MIN_DATE.year, MAX_DATE.year), "__month": (1, 12), "__day": (1, 31)}
_RANGE_SUFFIXES = ("__gte", "__gt", "__lte", "__lt")
_DATE_PREFIX = re.compile(r"\s*(\d{1,}-\d{1,2}-\d{1,2})")


def bad_filter(key: str, value: str) -> bool:
    """A changelist filter value outside the sane range (see :data:`MIN_DATE`)."""
    for suffix, (low, high) in _DATE_PARTS.items():
        if key.endswith(suffix):
            number = parse_id(value) if value else low
            return number is None or not low <= number <= high
    if key.endswith(_RANGE_SUFFIXES) and (m := _DATE_PREFIX.match(value or "")):
        try:
            parse_date(m.group(1))
        except ValueError:
            return True
    return False


def _has_nul(data) -> bool:
    for key, values in data.lists():
        if NUL in key:
            return True
        for v in values:
            if isinstance(v, str) and NUL in v:
                return True
    return False


class BadInputMiddleware:
    """Answers 400 (the Chinese page) before any view or the admin sees: a NUL byte in the path, a
    query or form key or value (PostgreSQL refuses NUL in text); an admin filter's date part or
    date range outside the sane range (:func:`bad_filter`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or _has_nul(request.GET):
            raise BadRequest("请求中含有不允许的字符。")
        if any(bad_filter(k, v) for k, v in request.GET.items() if "__" in k):
            raise BadRequest(f"筛选条件中的日期无效或超出范围({MIN_DATE:%Y-%m-%d} 至 {MAX_DATE:%Y-%m-%d})。")
        if request.method == "POST":
            try:
                nul = _has_nul(request.POST)
            except (UnreadablePostError, MultiPartParserError):
                return body.incomplete_response(request)  # the body did not arrive whole
            if nul:
                raise BadRequest("提交的内容中含有不允许的字符。")
        return self.get_response(request)
