"""Writing many plain rows at once, without building model instances.

Derived tables (record scope, contributions, summary rows) receive tens of thousands of rows when
an import or a bulk load is flushed. ``insert`` writes them with PostgreSQL's ``COPY`` (one round
trip, no per-row SQL), elsewhere with ``executemany``; ``upsert_add`` adds values to existing
rows (``INSERT … ON CONFLICT DO UPDATE SET v = v + excluded.v``), staging large batches through a
temporary table. Both take the rows in the caller's order (callers sort them to keep a fixed lock
order). This module imports no app.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.db import connection

COPY_MIN = 1000     # below this many rows a plain INSERT is as fast and simpler to read in logs
CHUNK = 500


def _columns(model, fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(f).column for f in fields]


def _csv(rows: Iterable[Sequence]) -> io.StringIO:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else ("t" if v is True else "f" if v is False else v) for v in row])
    buf.seek(0)
    return buf


def _copy(cursor, table: str, columns: list[str], rows: Sequence[Sequence]) -> None:
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)", _csv(rows))


# SQL text below is built only from table and column names taken from the model's metadata and
# quoted with ``quote_name`` (nosec B608); every value goes as a query parameter or through COPY.


def insert(model, fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """INSERT ``rows`` (tuples in the order of ``fields``) into ``model``'s table."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = _columns(model, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) >= COPY_MIN:
            _copy(cursor, table, columns, rows)
            return
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # nosec B608
                               rows[start:start + CHUNK])


def upsert_add(model, key_fields: Sequence[str], value_field: str, rows: Sequence[Sequence]) -> None:
    """Add each row's value (last item) to the row with its key (the other items, in the order of
    ``key_fields``), creating it when missing. ``key_fields`` must match a unique constraint."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    keys = [connection.ops.quote_name(c) for c in _columns(model, key_fields)]
    value = connection.ops.quote_name(model._meta.get_field(value_field).column)
    cols = ", ".join([*keys, value])
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}"  # nosec B608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) >= COPY_MIN:
            stage = connection.ops.quote_name(f"stage_{model._meta.db_table}")
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # nosec B608
                           f"SELECT {cols} FROM {table} WITH NO DATA")
            cursor.execute(f"TRUNCATE {stage}")
            _copy(cursor, stage, [*_columns(model, key_fields), model._meta.get_field(value_field).column], rows)
            cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} ORDER BY "  # nosec B608
                           f"{', '.join(str(i + 1) for i in range(len(keys)))} {conflict}")
            return
        marks = "(" + ", ".join(["%s"] * (len(keys) + 1)) + ")"
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            params = [v for row in chunk for v in row]
            cursor.execute(f"INSERT INTO {table} ({cols}) VALUES {', '.join([marks] * len(chunk))} {conflict}",  # nosec B608
                           params)


def upsert_widen(model, key_fields: Sequence[str], low_field: str, high_field: str, rows: Sequence[Sequence]) -> None:
    """Widen each row's range (the last two items: low, high) to hold the given one, creating it
    when missing; a row already wide enough is left unwritten. ``key_fields`` must match a unique
    constraint."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    keys = [connection.ops.quote_name(c) for c in _columns(model, key_fields)]
    low, high = (connection.ops.quote_name(model._meta.get_field(f).column) for f in (low_field, high_field))
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    cols = ", ".join([*keys, low, high])
    marks = "(" + ", ".join(["%s"] * (len(keys) + 2)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = sorted(rows[start:start + CHUNK])
            cursor.execute(
                f"INSERT INTO {table} ({cols}) VALUES {', '.join([marks] * len(chunk))} "  # nosec B608
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {low} = {least}({table}.{low}, excluded.{low}), "
                f"{high} = {greatest}({table}.{high}, excluded.{high}) "
                f"WHERE {table}.{low} > excluded.{low} OR {table}.{high} < excluded.{high}",
                [v for row in chunk for v in row])


def _history_value(value) -> str:
    """One field for COPY's CSV: NULL unquoted, text always quoted (so '' stays ''), booleans
    as t/f, anything else (numbers, dates, times) as its str()."""
    if value is None:
        return ""
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return '"' + str(value).replace('"', '""') + '"'


def create_with_history(objs: list, model, *, batch_size: int | None = None, user=None, reason=None) -> list:
    """``simple_history.utils.bulk_create_with_history`` for large batches: the rows through
    ``bulk_create`` (which returns their ids), their history rows ("+", ``user``, ``reason``, now)
    through ``COPY`` on PostgreSQL from ``COPY_MIN`` rows on, instead of building a historical
    model instance per row (a third of an import's time). Smaller batches and other databases use
    simple_history itself; both write the same history rows (tests/cobuild/test_bulk_history.py)."""
    from django.utils import timezone
    from simple_history.utils import bulk_create_with_history, get_change_reason_from_object

    if connection.vendor != "postgresql" or len(objs) < COPY_MIN:
        return bulk_create_with_history(objs, model, batch_size=batch_size, default_user=user,
                                        default_change_reason=reason)
    objs = model._default_manager.bulk_create(objs, batch_size=batch_size)
    history = model.history.model
    meta = history._meta
    tracked = [f.attname for f in history.tracked_fields]
    columns = [meta.get_field(f.name).column for f in history.tracked_fields] + [
        meta.get_field("history_date").column, meta.get_field("history_change_reason").column,
        meta.get_field("history_type").column, meta.get_field("history_user").column]
    when = timezone.now()
    buf = io.StringIO()
    for obj in objs:
        who = getattr(obj, "_history_user", user or history.get_default_history_user(obj))
        values = [getattr(obj, name) for name in tracked] + [
            when, get_change_reason_from_object(obj) or reason, "+", getattr(who, "pk", None)]
        buf.write(",".join(_history_value(v) for v in values) + "\n")
    buf.seek(0)
    table = connection.ops.quote_name(meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)", buf)  # nosec B608
    return objs
