"""Querysets compiled once and run many times: for the few reads every request of a burst makes (the API token, the
user's memberships, a channel) and those of each batch of submissions, where Django's compilation of a query costs
several times the database's work.

``PreparedQuery(build, key=sample, ids=[sample, ...])`` calls ``build`` with sample values once per thread, database
connection and length of each list input, compiles the queryset, and remembers where each sample value sits among the
SQL parameters. Each call then puts the real values in their places, runs the SQL, and gives what iterating the
queryset would: model instances (select_related included), built by Django's own machinery, or the rows of a
``values_list`` query, converted as Django converts them. Only for queries whose shape depends on nothing but the
lengths of the list inputs (equality and ``__in`` filters); a list input is padded to a power of two by repeating a
value, which an ``__in`` filter ignores. A sample must be a value no real input takes, so that its
place among the parameters is unambiguous (checked when compiling); a list input's samples are derived from its one
sample (``n - i`` for numbers, ``f"{sample}{i}"`` for text).
"""

import itertools
import re
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators


class _Compiled:
    def __init__(self, queryset: QuerySet, samples: dict[str, Any]) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        self.alias = queryset.db
        self.sql, self.params = sql, list(params)
        self.places: list[tuple[int, str, int | None, Any]] = []
        for name, sample in samples.items():
            for index, one in (enumerate(sample) if isinstance(sample, list) else [(None, sample)]):
                # A parameter may come wrapped in a subclass of its type (psycopg's Int4, with server-side binding):
                # the real value is wrapped the same way.
                found = [i for i, p in enumerate(self.params)
                         if isinstance(p, type(one)) and type(p) is not bool and p == one]
                if len(found) != 1:
                    raise ValueError(f"the sample of {name!r} appears {len(found)} times among the parameters")
                wrap = type(self.params[found[0]])
                self.places.append((found[0], name, index, None if wrap is type(one) else wrap))
        self.compiler = compiler
        klass_info, select = compiler.klass_info, compiler.select
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        self.model = None
        if klass_info is not None and queryset._iterable_class is ModelIterable:
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model = klass_info["model"]
            self.span = (start, end)
            self.init_list = [f[0].target.attname for f in select[start:end]]
            self.populators = get_related_populators(klass_info, select, self.alias)
            self.annotations = list(compiler.annotation_col_map.items())  # as ModelIterable sets them
        elif queryset._iterable_class is not ValuesListIterable or queryset._fields is None:
            raise ValueError("only model instances and values_list rows")
        else:
            self.columns = compiler.col_count

    def run(self, values: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        for i, name, index, wrap in self.places:
            value = values[name] if index is None else values[name][index]
            params[i] = value if wrap is None else wrap(value)
        with connections[self.alias].cursor() as cursor:
            rows = execute(cursor, self.sql, params).fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        if self.model is None:
            return [tuple(row[: self.columns]) for row in rows]
        start, end = self.span
        objects = []
        for row in rows:
            obj = self.model.from_db(self.alias, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


def _padded(values: list[Any]) -> list[Any]:
    """A list input padded to a power of two by repeating its last value (``IN (a, b, b, b)`` matches what
    ``IN (a, b)`` does): a batch of 1 to 32 committees compiles 6 shapes per thread, not 32."""
    n = len(values)
    return values + values[-1:] * ((1 << (n - 1).bit_length()) - n) if n > 1 else values


def _samples(sample: Any, n: int) -> list[Any]:
    if isinstance(sample, int):
        return [sample - i for i in range(n)]
    return [f"{sample}{i}" for i in range(n)]


class PreparedQuery:
    """``PreparedQuery(lambda key: Token.objects.select_related("user").filter(key=key), key="\\x00sample")``;
    ``query(key=...)`` returns the list of model instances (or of rows, for a ``values_list`` queryset). A list
    input is declared by a list holding its one sample: ``ids=[-1]``, and called with a list (or set) of values."""

    def __init__(self, build: Callable[..., QuerySet], **samples: Any) -> None:
        self.build = build
        self.samples = samples
        self._local = threading.local()

    def __call__(self, **values: Any) -> list[Any]:
        if values.keys() != self.samples.keys():
            raise TypeError(f"expected {sorted(self.samples)}, got {sorted(values)}")
        values = {k: _padded(list(v)) if isinstance(self.samples[k], list) else v for k, v in values.items()}
        shape = tuple(len(values[k]) for k, sample in self.samples.items() if isinstance(sample, list))
        if not all(shape):
            return []  # an empty list input matches nothing
        cache = getattr(self._local, "compiled", None)
        if cache is None:
            cache = self._local.compiled = {}
        compiled = cache.get(shape)
        # Compiled per thread (a compiler holds its connection) and again if the connection's settings changed.
        if compiled is None or compiled.compiler.connection is not connections[compiled.alias]:
            lengths = iter(shape)
            samples = {k: _samples(s[0], next(lengths)) if isinstance(s, list) else s for k, s in self.samples.items()}
            compiled = cache[shape] = _Compiled(self.build(**samples), samples)
        return compiled.run(values)


# Django's SQLite cursor turns ``%s`` into ``?`` with a regular expression on every execution: for a batch's INSERT
# of a few thousand placeholders that costs more than SQLite's own work. psycopg does the same for PostgreSQL's ``$1``
# placeholders and caches only statements of at most 50 parameters and 4 KB: a batch's read of 8 committees × 64
# elements misses that cache (408 µs of CPU per read instead of 263 µs, docs/performance.md). A generated statement's
# text repeats (one per batch size), so it is converted once and run on psycopg's RawCursor, which takes ``$1`` as it
# is. Only when nobody watches the queries: with query logging (DEBUG, the tests' query counts) or
# execute wrappers, the statement goes through Django's cursor as usual.
_CONVERTED: dict[tuple[str, str], Any] = {}
_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql: str) -> bytes:
    """Django's ``%s`` placeholders as PostgreSQL's ``$1``, ``$2``…, and ``%%`` as ``%``."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql).encode()


def _raw_cursor(db: Any) -> Any:
    """A psycopg RawCursor on the connection, kept with it (a Django connection belongs to one thread)."""
    raw = getattr(db, "_qingdan_raw_cursor", None)
    if raw is None or raw.connection is not db.connection or raw.closed:
        raw = db._qingdan_raw_cursor = psycopg.RawCursor(db.connection)
        # As Django's create_cursor: times in the connection's time zone, if its adapters disagree.
        from django.db.backends.postgresql.psycopg_any import register_tzloader

        loader = db.connection.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, psycopg.pq.Format.TEXT)
        if db.timezone != loader.timezone:
            register_tzloader(db.timezone, raw)
    return raw


def execute(cursor: Any, sql: str, params: list[Any]) -> Any:
    """``cursor.execute(sql, params)`` on a Django cursor, converting the statement once per text; returns the cursor
    that holds the result (for ``fetchall``)."""
    db = cursor.db
    if db.vendor not in ("sqlite", "postgresql") or db.queries_logged or db.execute_wrappers:
        cursor.execute(sql, params)
        return cursor
    converted = _CONVERTED.get((db.vendor, sql))
    if converted is None:
        if len(_CONVERTED) > 512:
            _CONVERTED.clear()
        converted = _CONVERTED[(db.vendor, sql)] = (
            cursor.cursor.convert_query(sql) if db.vendor == "sqlite" else _numbered(sql))
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        if db.vendor == "sqlite":
            raw = cursor.cursor  # Django's SQLiteCursorWrapper, a sqlite3.Cursor
            sqlite3.Cursor.execute(raw, converted, params)
            return cursor
        raw = _raw_cursor(db)
        raw.execute(converted, params)
        return raw
