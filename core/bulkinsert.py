"""Many rows in one statement, with their simple_history rows, for the few hot paths that write in batches (a burst
of committees' submissions, the audit records of a batch).

PostgreSQL: the rows travel as one JSON parameter, a JSON array of arrays read with json_array_elements: psycopg
quotes one string, where an array or a VALUES list costs a Python call per cell; a data-modifying WITH writes the
history rows from the rows the INSERT or UPDATE returns, in the same statement. SQLite: a multi-row INSERT …
RETURNING or the UPDATEs, then the history rows by one INSERT … SELECT of their ids.

Callers give Python values; JSON and time columns are adapted here, for the database in use.

Rows go in their order, so ids ascend with it (the audit chain relies on this and checks it).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection

from .prepared import execute

HISTORY_COLUMNS = ["history_date", "history_change_reason", "history_type", "history_user_id"]
SQLITE_CHUNK = 2000  # rows per statement on SQLite, below its limit on parameters


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclass(frozen=True)
class Logged:
    """The history rows to write with the rows: when, why, "+" or "~", and the row's column holding who wrote it."""

    at: datetime
    reason: str
    kind: str
    user_column: str


def history_insert(model: Any, user_column: str) -> str:
    """``INSERT INTO`` the model's history table ``SELECT`` its columns, then %s date, %s reason, %s type and the
    row's own ``user_column`` (who wrote it: a batch holds several users) ``FROM`` what the caller appends."""
    return _history_insert(model, user_column, connection.vendor)


@lru_cache(maxsize=32)
def _history_insert(model: Any, user_column: str, _vendor: str) -> str:
    own = [f.column for f in model._meta.concrete_fields]
    table = model.history.model._meta.db_table
    # Identifiers come from the models' meta, quoted; every value is a placeholder.
    return (f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in own + HISTORY_COLUMNS)}) "  # noqa: S608
            f"SELECT {', '.join(quote(c) for c in own)}, %s, %s, %s, {quote(user_column)} FROM ")


def _json_rows(rows: list[Any]) -> str:
    """The parameter ``_json_source`` reads: plain JSON (times already as their ISO text)."""
    return json.dumps(rows, ensure_ascii=False)


@lru_cache(maxsize=64)
def _adapters(model: Any, columns: tuple[str, ...], vendor: str) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """(index, adapter) of the columns whose Python values the database in use cannot take as they are: in
    PostgreSQL's JSON rows a time goes as its exact ISO text and JSON stays an object; SQLite takes both as text."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for i, column in enumerate(columns):
        kind = fields[column].get_internal_type()
        if kind == "DateTimeField":
            found.append((i, datetime.isoformat if vendor == "postgresql"
                          else lambda v: connection.ops.adapt_datetimefield_value(v)))
        elif kind == "JSONField" and vendor != "postgresql":
            found.append((i, lambda v: connection.ops.adapt_json_value(v, None)))
    return tuple(found)


def _adapted(model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[Any]:
    adapters = _adapters(model, columns, connection.vendor)
    if not adapters:
        return rows
    out = []
    for row in rows:
        cells = list(row)
        for i, adapt in adapters:
            if cells[i] is not None:
                cells[i] = adapt(cells[i])
        out.append(cells)
    return out


def _constants(constants: dict[str, Any]) -> list[Any]:
    """Values the same for every row travel as parameters of their own (None: NULL)."""
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(v) if isinstance(v, datetime) else v for v in constants.values()]


@lru_cache(maxsize=32)
def _json_source(model: Any, columns: tuple[str, ...]) -> str:
    """PostgreSQL: a row source ``r`` with these columns of the model, read from one %s parameter (``_json_rows``).
    Text stays text, so that the column's own length check applies on writing; JSON stays JSON."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    cells = []
    for i, column in enumerate(columns):
        db_type = fields[column].db_type(connection)
        if db_type == "jsonb":
            cells.append(f"(j->{i})::jsonb AS {quote(column)}")
        elif db_type.startswith(("varchar", "text")):
            cells.append(f"j->>{i} AS {quote(column)}")
        else:
            cells.append(f"(j->>{i})::{db_type} AS {quote(column)}")
    return f"(SELECT {', '.join(cells)} FROM json_array_elements(%s::json) AS j) AS r"  # noqa: S608 - quoted names


def insert_rows(cursor: Any, model: Any, constants: dict[str, Any], columns: tuple[str, ...],
                rows: list[tuple[Any, ...]], logged: Logged | None = None, returning: tuple[str, ...] = ("id",),
                ) -> list[tuple[Any, ...]]:
    """INSERT rows (the values of ``columns``, plus ``constants`` the same for every row) and, if ``logged``, their
    history rows. Returns the ``returning`` columns of the new rows (match them by a unique column: the order of
    RETURNING is not promised)."""
    table, names = quote(model._meta.db_table), [*constants, *columns]
    consts, rows_in = _constants(constants), _adapted(model, columns, rows)
    back = ", ".join(quote(c) for c in returning)
    if connection.vendor == "postgresql":
        sql = (f"WITH written AS (INSERT INTO {table} ({', '.join(quote(c) for c in names)}) "  # noqa: S608 - quoted
               f"SELECT {', '.join(['%s'] * len(consts) + [f'r.{quote(c)}' for c in columns])} "
               f"FROM {_json_source(model, columns)} RETURNING *)")
        params = [*consts, _json_rows(rows_in)]
        if logged:
            sql += f", logged AS ({history_insert(model, logged.user_column)} written)"
            params += _logged_params(logged)
        cursor.execute(sql + f" SELECT {back} FROM written", params)  # noqa: S608 - quoted names
        return cursor.fetchall()
    found: list[tuple[Any, ...]] = []
    row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
    for start in range(0, len(rows_in), SQLITE_CHUNK):
        chunk = rows_in[start:start + SQLITE_CHUNK]
        execute(cursor, f"INSERT INTO {table} ({', '.join(quote(c) for c in names)}) VALUES "  # noqa: S608 - quoted
                + ", ".join([row_sql] * len(chunk)) + f" RETURNING {quote('id')}, {back}",
                [v for row in chunk for v in (*consts, *row)])
        written = cursor.fetchall()
        found += [row[1:] for row in written]
        if logged:
            _log_ids(cursor, model, logged, [row[0] for row in written])
    return found


def update_rows(cursor: Any, model: Any, columns: tuple[str, ...], keys: tuple[str, ...],
                rows: list[tuple[Any, ...]], logged: Logged, constants: dict[str, Any],
                increments: tuple[str, ...] = ()) -> None:
    """UPDATE rows, each given as the values of ``columns`` then of ``keys``: the row whose ``keys`` columns hold
    those values (``id`` first; a further key, such as the lock_version read, makes it a compare-and-set) takes the
    ``columns`` values, the ``constants`` (None: NULL) and 1 more in each of ``increments``; then their history rows."""
    table, consts = quote(model._meta.db_table), _constants(constants)
    if connection.vendor == "postgresql":
        sets = ([f"{quote(c)} = r.{quote(c)}" for c in columns] + [f"{quote(c)} = %s" for c in constants]
                + [f"{quote(c)} = t.{quote(c)} + 1" for c in increments])
        match = " AND ".join(f"t.{quote(c)} = r.{quote(c)}" for c in keys)
        cursor.execute(
            f"WITH written AS (UPDATE {table} AS t SET {', '.join(sets)} "  # noqa: S608 - quoted names
            f"FROM {_json_source(model, columns + keys)} WHERE {match} RETURNING t.*) "
            f"{history_insert(model, logged.user_column)} written",
            [*consts, _json_rows(_adapted(model, columns + keys, rows)), *_logged_params(logged)])
        return
    sets = ([f"{quote(c)} = %s" for c in (*columns, *constants)]
            + [f"{quote(c)} = {quote(c)} + 1" for c in increments])
    match = " AND ".join(f"{quote(c)} = %s" for c in keys)
    n = len(columns)
    cursor.executemany(f"UPDATE {table} SET {', '.join(sets)} WHERE {match}",  # noqa: S608 - quoted names
                       [(*row[:n], *consts, *row[n:]) for row in _adapted(model, columns + keys, rows)])
    _log_ids(cursor, model, logged, [row[n] for row in rows])


def _logged_params(logged: Logged) -> list[Any]:
    return [connection.ops.adapt_datetimefield_value(logged.at), logged.reason, logged.kind]


def _log_ids(cursor: Any, model: Any, logged: Logged, ids: list[int]) -> None:
    """SQLite: the history rows of the model's rows with these ids, as they are now."""
    execute(cursor, history_insert(model, logged.user_column) + f"{quote(model._meta.db_table)} WHERE "  # noqa: S608
            + f"{quote('id')} IN (" + ", ".join(["%s"] * len(ids)) + ")", [*_logged_params(logged), *ids])
