"""Querysets compiled once and run many times: for the few reads every request of a burst makes (the API token, the
user's memberships, a channel), where Django's compilation of a select_related query costs several times the
database's work.

``PreparedQuery(build, key=sample, ...)`` calls ``build(key=sample, ...)`` once per thread and database connection
setting, compiles the queryset, and remembers where each sample value sits among the SQL parameters. Each call then
puts the real values in their places, runs the SQL, and builds the model instances (select_related included) with
Django's own machinery, exactly as iterating the queryset would. Only for queries whose shape does not depend on the
inputs: equality filters, not ``__in`` lists of varying length. A sample must be a value no real input takes, so that
its place among the parameters is unambiguous (checked when compiling).
"""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


class _Compiled:
    def __init__(self, queryset: QuerySet, samples: dict[str, Any]) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        self.alias = queryset.db
        self.sql, self.params = sql, list(params)
        self.places: list[tuple[int, str]] = []
        for name, sample in samples.items():
            found = [i for i, p in enumerate(self.params) if type(p) is type(sample) and p == sample]
            if len(found) != 1:
                raise ValueError(f"the sample of {name!r} appears {len(found)} times among the parameters")
            self.places.append((found[0], name))
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model = klass_info["model"]
        self.span = (start, end)
        self.init_list = [f[0].target.attname for f in select[start:end]]
        self.populators = get_related_populators(klass_info, select, self.alias)
        self.compiler = compiler
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])

    def run(self, values: dict[str, Any]) -> list[Model]:
        params = list(self.params)
        for i, name in self.places:
            params[i] = values[name]
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        start, end = self.span
        objects = []
        for row in rows:
            obj = self.model.from_db(self.alias, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


class PreparedQuery:
    """``PreparedQuery(lambda key: Token.objects.select_related("user").filter(key=key), key="\\x00sample")``;
    ``query(key=...)`` returns the list of model instances."""

    def __init__(self, build: Callable[..., QuerySet], **samples: Any) -> None:
        self.build = build
        self.samples = samples
        self._local = threading.local()

    def __call__(self, **values: Any) -> list[Model]:
        if values.keys() != self.samples.keys():
            raise TypeError(f"expected {sorted(self.samples)}, got {sorted(values)}")
        compiled = getattr(self._local, "compiled", None)
        # Compiled per thread (a compiler holds its connection) and again if the connection's settings changed.
        if compiled is None or compiled.compiler.connection is not connections[compiled.alias]:
            compiled = self._local.compiled = _Compiled(self.build(**self.samples), self.samples)
        return compiled.run(values)
