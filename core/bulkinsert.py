"""Many rows in one statement, with their simple_history rows, for the few hot paths that write in batches (a burst
of committees' submissions, the audit records of a batch).

PostgreSQL: the rows travel as one JSON parameter, a JSON array of arrays read with json_array_elements: psycopg
quotes one string, where an array or a VALUES list costs a Python call per cell; a data-modifying WITH writes the
history rows from the rows the INSERT returns, in the same statement. SQLite: a multi-row INSERT … RETURNING, then
the history rows by one INSERT … SELECT of the new ids.

Rows go in their order, so ids ascend with it (the audit chain relies on this and checks it).
"""

import json
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


def json_rows(rows: list[tuple[Any, ...]] | list[list[Any]]) -> str:
    """The parameter ``json_source`` reads. Plain JSON: a datetime must be given as its isoformat() text."""
    return json.dumps(rows, ensure_ascii=False)


@lru_cache(maxsize=32)
def json_source(model: Any, columns: tuple[str, ...]) -> str:
    """PostgreSQL: a row source ``r`` with these columns of the model, read from one %s parameter (``json_rows``).
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
    adapt = connection.ops.adapt_datetimefield_value
    table, names = quote(model._meta.db_table), [*constants, *columns]
    consts = [adapt(v) if isinstance(v, datetime) else v for v in constants.values()]
    back = ", ".join(quote(c) for c in returning)
    if connection.vendor == "postgresql":
        sql = (f"WITH written AS (INSERT INTO {table} ({', '.join(quote(c) for c in names)}) "  # noqa: S608 - quoted
               f"SELECT {', '.join(['%s'] * len(consts) + [f'r.{quote(c)}' for c in columns])} "
               f"FROM {json_source(model, columns)} RETURNING *)")
        params = [*consts, json_rows(rows)]
        if logged:
            sql += f", logged AS ({history_insert(model, logged.user_column)} written)"
            params += [adapt(logged.at), logged.reason, logged.kind]
        cursor.execute(sql + f" SELECT {back} FROM written", params)  # noqa: S608 - quoted names
        return cursor.fetchall()
    found: list[tuple[Any, ...]] = []
    row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
    for start in range(0, len(rows), SQLITE_CHUNK):
        chunk = rows[start:start + SQLITE_CHUNK]
        execute(cursor, f"INSERT INTO {table} ({', '.join(quote(c) for c in names)}) VALUES "  # noqa: S608 - quoted
                + ", ".join([row_sql] * len(chunk)) + f" RETURNING {quote('id')}, {back}",
                [v for row in chunk for v in (*consts, *row)])
        written = cursor.fetchall()
        found += [row[1:] for row in written]
        if logged:
            log_ids(cursor, model, logged, [row[0] for row in written])
    return found


def log_ids(cursor: Any, model: Any, logged: Logged, ids: list[int]) -> None:
    """The history rows of the model's rows with these ids, as they are now (after an UPDATE on SQLite)."""
    at = connection.ops.adapt_datetimefield_value(logged.at)
    execute(cursor, history_insert(model, logged.user_column) + f"{quote(model._meta.db_table)} WHERE "  # noqa: S608
            + f"{quote('id')} IN (" + ", ".join(["%s"] * len(ids)) + ")", [at, logged.reason, logged.kind, *ids])
