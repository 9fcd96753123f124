"""Division-code import and region changes. The only code that writes regions and organisations."""

import csv
import gzip
import io
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import counts
from .choices import PREFIX_LENGTH, Level, OrganisationKind
from .codes import CODE_LENGTH, committee_kind, parent_code
from .models import Organisation, Region, RegionCodeChange, SubtreeCount

# (file stem, level, code column, parent column) — the NBS / china-division layout.
FILES = [
    ("provinces", Level.PROVINCE, "code", None),
    ("cities", Level.CITY, "code", "provinceCode"),
    ("areas", Level.COUNTY, "code", "cityCode"),
    ("streets", Level.TOWNSHIP, "code", "areaCode"),
    ("villages", Level.VILLAGE, "code", "streetCode"),
]
BATCH = 5000


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors[:50]))
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    renamed: int = 0
    unchanged: int = 0
    deactivated: int = 0
    per_level: dict[int, int] = field(default_factory=dict)


class DivisionRow(NamedTuple):
    level: int
    code: str
    name: str
    parent: str | None


def _open(directory: Path, stem: str) -> io.TextIOBase | None:
    for candidate in (directory / f"{stem}.csv", directory / f"{stem}.csv.gz"):
        if candidate.exists():
            if candidate.suffix == ".gz":
                return io.TextIOWrapper(gzip.open(candidate, "rb"), encoding="utf-8-sig", newline="")
            return open(candidate, encoding="utf-8-sig", newline="")  # noqa: SIM115 — closed by the caller
    return None


def read_divisions(directory: Path, provinces: set[str] | None = None) -> tuple[list[DivisionRow], list[str]]:
    """Parse and check every file; returns rows (parents first) and errors as '文件 第N行 [列名]: …'."""
    rows: list[DivisionRow] = []
    errors: list[str] = []
    seen: set[str] = set()
    found_any = False
    heads = tuple(provinces) if provinces else None
    for stem, level, code_col, parent_col in FILES:
        handle = _open(directory, stem)
        if handle is None:
            continue
        found_any = True
        digits = PREFIX_LENGTH[level]
        parent_level = Level(level - 1) if level > Level.PROVINCE else None

        def where(line: int, column: str, stem: str = stem) -> str:
            # Built only for bad rows: a translated string per row costs more than the whole check.
            return _("%(file)s line %(line)d") % {"file": f"{stem}.csv", "line": line} + f" [{column}]: "

        with handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in (code_col, "name", parent_col) if c and c not in header]
            if missing:
                errors.append(_("%(file)s: missing columns %(cols)s") % {"file": f"{stem}.csv", "cols": ", ".join(missing)})
                continue
            i_code, i_name = header.index(code_col), header.index("name")
            i_parent = header.index(parent_col) if parent_col else None
            for line, record in enumerate(reader, start=2):
                if not record:
                    continue
                raw = record[i_code].strip() if i_code < len(record) else ""
                if heads and not raw.startswith(heads):
                    continue
                name = record[i_name].strip() if i_name < len(record) else ""
                if not (len(raw) == digits and raw.isascii() and raw.isdigit()):
                    errors.append(where(line, code_col) + _("code must be %(n)d digits, got “%(v)s”") % {"n": digits, "v": raw})
                    continue
                if not name:
                    errors.append(where(line, "name") + _("name is empty"))
                    continue
                code = raw.ljust(CODE_LENGTH, "0")
                parent = raw[: PREFIX_LENGTH[parent_level]].ljust(CODE_LENGTH, "0") if parent_level else None
                if i_parent is not None:
                    declared = record[i_parent].strip() if i_parent < len(record) else ""
                    if declared and declared.ljust(CODE_LENGTH, "0") != parent:
                        errors.append(where(line, parent_col) + _("parent %(p)s does not contain code %(v)s") % {"p": declared, "v": raw})
                        continue
                if code == parent:
                    # NBS repeats a unit one level down when it has no units of that level (东莞市 441900 as its
                    # own county, 金门县 as its own township): the same unit, not a new one. Its children attach to it.
                    continue
                if code in seen:
                    errors.append(where(line, code_col) + _("duplicate code %(v)s") % {"v": raw})
                    continue
                seen.add(code)
                rows.append(DivisionRow(level, code, name[:100], parent))
    if not found_any:
        errors.append(_("No division files (provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv[.gz]) in %(d)s") % {"d": directory})
    return rows, errors


def import_divisions(
    directory: Path | str,
    *,
    provinces: set[str] | None = None,
    deactivate_missing: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> ImportResult:
    """Import NBS division files idempotently and all-or-nothing (any row error → nothing is written).

    Files are read and checked before the transaction opens, so nothing is locked while they are parsed. Everything
    written (regions, history, code changes, subtree counts, and on a bulk load the dropped and rebuilt indexes) is
    one transaction: a failure or a killed process leaves the database as it was.
    """
    directory = Path(directory)
    rows, errors = read_divisions(directory, provinces)
    progress(_("Read %(n)d rows") % {"n": len(rows)})
    with _bulk_load_pragmas(), transaction.atomic(), counts.deferred():
        return _write_divisions(rows, errors, provinces, deactivate_missing, progress)


def _write_divisions(
    rows: list[DivisionRow], errors: list[str], provinces: set[str] | None, deactivate_missing: bool,
    progress: Callable[[str], None],
) -> ImportResult:
    existing = {code: (pk, name) for code, pk, name in Region.objects.values_list("code", "pk", "name")}
    inactive = set(Region.objects.filter(is_active=False).values_list("code", flat=True))
    known = set(existing) | {r.code for r in rows}
    for row in rows:
        if row.parent and row.parent not in known:
            errors.append(_("code %(c)s: parent %(p)s is in neither the files nor the database") % {"c": row.code, "p": row.parent})
    if errors:
        raise ImportFailed(errors)

    result = ImportResult()
    ids = {code: pk for code, (pk, _name) in existing.items()}
    renamed: dict[int, str] = {}
    changes: list[RegionCodeChange] = []
    by_level: dict[int, list[DivisionRow]] = {int(level): [] for level in Level}
    for row in rows:
        by_level[row.level].append(row)
    new_total = sum(1 for r in rows if r.code not in existing)
    bulk = new_total >= BULK_ROWS
    history_model = Region.history.model
    with _indexes_rebuilt_after([Region, history_model], progress) if bulk else nullcontext():
        for level, level_rows in by_level.items():
            new = []
            for row in level_rows:
                if row.code in existing:
                    pk, old_name = existing[row.code]
                    if old_name != row.name:
                        renamed[pk] = row.name
                        changes.append(RegionCodeChange(region_id=pk, old_code=row.code, old_name=old_name,
                                                        new_code=row.code, new_name=row.name, reason="import"))
                    else:
                        result.unchanged += 1
                    continue
                new.append(NewRegion(
                    row.code, row.name, level, ids.get(row.parent) if row.parent else None,
                    _KIND_BY_DIGIT[row.code[9]] if level == Level.VILLAGE else "",
                ))
            if new:
                ids.update(_insert_with_history(new, reason="import"))  # children need their parents' keys
                progress(_("%(level)s: %(done)d / %(total)d") % {"level": Level(level).label, "done": len(new), "total": len(new)})
            result.created += len(new)
            result.per_level[level] = len(level_rows)
    if renamed:
        _update_with_history(renamed, "name", "import: renamed")
        RegionCodeChange.objects.bulk_create(changes, batch_size=BATCH)
        result.renamed = len(renamed)
    in_files = {r.code for r in rows}
    back = {existing[code][0]: True for code in inactive & in_files}
    if back:
        _update_with_history(back, "is_active", "import: back in file")
    if deactivate_missing:
        heads = provinces or {r.code[:2] for r in rows}
        gone = {
            pk: False
            for code, (pk, _n) in existing.items()
            if code[:2] in heads and code not in in_files and code not in inactive
        }
        _update_with_history(gone, "is_active", "import: no longer in file")
        result.deactivated = len(gone)
    if result.created or back or result.deactivated:
        refresh_subtree_counts(None if bulk else {code[:2] for code in in_files} | set(provinces or ()))
    if bulk and connection.vendor == "postgresql":
        # Planner statistics for the tables just loaded (autovacuum would gather them only later).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_qn(Region._meta.db_table)}, {_qn(SubtreeCount._meta.db_table)}")
    return result


# From this many new rows on, secondary indexes are dropped and rebuilt after the load (one sort each) instead of
# being maintained row by row; below it (a province, a few changes) the other users of the tables are not blocked.
BULK_ROWS = 100_000
# Digit 10 of a village-level code → committee kind, looked up instead of computed 620,000 times.
_KIND_BY_DIGIT = {d: committee_kind("000000000" + d + "00").value for d in "0123456789"}


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


@contextmanager
def _bulk_load_pragmas() -> Iterator[None]:
    """SQLite: a page cache large enough for the national load, for this connection only, restored after.

    The default 2 MB cache makes every index insert of a 600,000-row load spill pages to the WAL and read them back,
    and index builds sort in it. (journal_mode and synchronous cannot change inside a transaction, and the import may
    run inside one.)
    Durability settings stay as they are (WAL, synchronous=NORMAL): a crash mid-import must leave nothing behind.
    """
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


@contextmanager
def _indexes_rebuilt_after(models: list[Any], progress: Callable[[str], None]) -> Iterator[None]:
    """Drop the non-unique indexes (and on PostgreSQL the self-referencing foreign key) of ``models``, rebuild after.

    Runs inside the import's transaction: the drops roll back with everything else. Unique indexes stay, so a
    duplicate code still fails the load. On PostgreSQL the tables are locked against readers until the commit.
    """
    saved: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND confrelid = conrelid AND contype = 'f'", [table])
                keys = cursor.fetchall()
                cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary", [table])
                indexes = cursor.fetchall()
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            else:
                keys = []
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
                    "AND sql NOT LIKE 'CREATE UNIQUE%%'", [table])
                indexes = cursor.fetchall()
            for name, _definition in keys:
                cursor.execute(f"ALTER TABLE {_qn(table)} DROP CONSTRAINT {_qn(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {_qn(name)}")
            saved.append((table, keys, indexes))
    yield
    progress(_("Rebuilding the division-code indexes"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL builds no index on a table with deferred foreign-key checks pending (history_user): run
            # them now, then defer again as Django's constraints are (all DEFERRABLE INITIALLY DEFERRED).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, keys, indexes in saved:
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, definition in keys:
                # One validating join instead of a deferred trigger per inserted row.
                cursor.execute(f"ALTER TABLE {_qn(table)} ADD CONSTRAINT {_qn(name)} {definition}")


def refresh_subtree_counts(provinces: set[str] | None = None) -> None:
    """Recompute the maintained subtree counts of the given provinces (None: all), in the caller's transaction."""
    counts.refresh(connection, provinces)


class NewRegion(NamedTuple):
    code: str
    name: str
    level: int
    parent_id: int | None
    committee_kind: str


def _insert_with_history(new: list[NewRegion], reason: str) -> dict[str, int]:
    """Insert regions and their "+" history rows in bulk: COPY on PostgreSQL, executemany elsewhere.

    The ORM's bulk_create spends ~0.1 ms per row compiling SQL, which made a national import take minutes.
    Rows and history rows are written exactly as bulk_create_with_history would (same columns, defaults,
    change reason and history user), inside the caller's transaction, so the import stays all-or-nothing.
    """
    from django.utils import timezone

    now = timezone.now()
    varying = list(NewRegion._fields)
    _copy_rows(Region, varying, new, {"created_at": now, "updated_at": now})
    # One query reads the new keys back (all regions are new rows of one level).
    table = _qn(Region._meta.db_table)
    with connection.cursor() as cursor:
        if len(new) < BATCH:
            marks = ", ".join(["%s"] * len(new))
            cursor.execute(f"SELECT code, id FROM {table} WHERE code IN ({marks})", [r.code for r in new])  # noqa: S608
        else:
            cursor.execute(f"SELECT code, id FROM {table} WHERE level = %s", [new[0].level])  # noqa: S608
        keys = dict(cursor.fetchall())
    history_model = Region.history.model
    user = history_model.get_default_history_user(Region())
    _copy_rows(
        history_model, ["id", *varying], ((keys[r.code], *r) for r in new),
        {"created_at": now, "updated_at": now, "history_date": now, "history_change_reason": reason,
         "history_type": "+", "history_user_id": getattr(user, "pk", None)},
    )
    return keys


def _copy_rows(model: Any, varying: list[str], rows: Any, constants: dict[str, Any]) -> None:
    """Write rows of ``model``: ``varying`` columns from each row, every other column from ``constants`` or its default."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.get_internal_type().endswith("AutoField"))]
    names = {f.attname for f in fields}
    unknown = (set(varying) | set(constants)) - names
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    fixed = [f for f in fields if f.attname not in varying]
    fixed_values = tuple(
        f.get_db_prep_save(constants[f.attname] if f.attname in constants else f.get_default(), connection) for f in fixed
    )
    column_of = {f.attname: f.column for f in fields}
    columns = [*varying, *(f.attname for f in fixed)]
    qn = connection.ops.quote_name
    sql_columns = ", ".join(qn(column_of[c]) for c in columns)
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Constants go as text the server parses: dumping the same aware datetime again for every row cost
            # three times as much as the rows themselves.
            fixed_text = tuple(_pg_text(v) for v in fixed_values)
            with cursor.cursor.copy(f"COPY {table} ({sql_columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, *fixed_text))
        else:
            # The constant columns are written into the statement once: binding them again for each of 600,000
            # rows was a third of the national import's time.
            marks = ", ".join(["?"] * len(varying) + [_sqlite_literal(v) for v in fixed_values])
            sql = f"INSERT INTO {table} ({sql_columns}) VALUES ({marks})"  # noqa: S608 — names from model metadata
            sqlite3.Cursor.executemany(cursor.cursor, sql, rows)  # the plain driver call: "?" marks, no rewriting


def _pg_text(value: Any) -> str | None:
    """PostgreSQL's text input form of one of _copy_rows' constants."""
    from datetime import datetime

    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value)
    raise TypeError(f"no PostgreSQL text form for {type(value).__name__}")


def _sqlite_literal(value: Any) -> str:
    """An SQL literal for one of _copy_rows' constants (our own values: None, booleans, numbers, text)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQLite literal for {type(value).__name__}")


def _update_with_history(values: dict[int, object], field_name: str, reason: str) -> None:
    """Set one field on many regions with a history row each; whole rows are loaded so history is complete."""
    from django.utils import timezone

    now = timezone.now()
    pks = list(values)
    for start in range(0, len(pks), BATCH):
        objs = list(Region.objects.filter(pk__in=pks[start:start + BATCH]))
        for obj in objs:
            setattr(obj, field_name, values[obj.pk])
            obj.updated_at = now
        bulk_update_with_history(objs, Region, [field_name, "updated_at"], batch_size=BATCH, default_change_reason=reason)


@transaction.atomic
def recode_region(region: Region, new_code: str, new_name: str | None = None, *, effective: date | None = None, reason: str = "") -> Region:
    """Give a region (and its subtree) a new code or name, keeping the old ones in its history.

    A county that becomes a district gets a new code; every unit below it changes prefix in the same step.
    """
    new_code = new_code.ljust(CODE_LENGTH, "0")
    effective = effective or date.today()
    head_old = region.code[: PREFIX_LENGTH[Level(region.level)]]
    head_new = new_code[: PREFIX_LENGTH[Level(region.level)]]
    if new_code[len(head_new):].strip("0"):
        raise ValueError(_("The new code %(c)s is not a code of this level.") % {"c": new_code})
    if head_new != head_old and Region.objects.filter(code=new_code).exists():
        raise ValueError(_("The code %(c)s is already in use.") % {"c": new_code})
    # A new code may place the unit under another parent (a county moved to another city): follow it.
    new_parent_code = parent_code(new_code, region.level)
    new_parent = Region.objects.filter(code=new_parent_code).first() if new_parent_code else None
    if new_parent_code and new_parent is None:
        raise ValueError(_("No region has the code %(code)s.") % {"code": new_parent_code})
    with counts.deferred():
        _move_subtree(region, head_old, head_new, new_name, new_parent, effective, reason)
    refresh_subtree_counts({head_old[:2], head_new[:2]})
    region.refresh_from_db()
    return region


def _move_subtree(region: Region, head_old: str, head_new: str, new_name: str | None, new_parent: Region | None,
                  effective: date, reason: str) -> None:
    for unit in Region.objects.subtree(region).order_by("-level"):
        old_code, old_name = unit.code, unit.name
        unit.code = head_new + unit.code[len(head_old):]
        if unit.pk == region.pk:
            unit.name = new_name or unit.name
            unit.parent = new_parent
        unit._change_reason = reason or "recode"
        unit.save()
        RegionCodeChange.objects.create(region=unit, old_code=old_code, old_name=old_name, new_code=unit.code,
                                        new_name=unit.name, effective=effective, reason=reason)


def region_or_404(code: str) -> Region:
    """The region a page's code names (2–12 digits; a former code resolves to the region now holding it), else 404.

    Callers compare ``region.code`` with the code asked for and redirect to the current one when it differs.
    """
    from django.http import Http404

    from .codes import InvalidCode, normalise

    try:
        region = resolve_code(normalise(code))
    except InvalidCode:
        raise Http404 from None
    if region is None:
        raise Http404
    return region


def resolve_code(code: str) -> Region | None:
    """A region by its current code, or by a former code it had."""
    region = Region.objects.filter(code=code).first()
    if region is not None:
        return region
    change = RegionCodeChange.objects.filter(old_code=code).select_related("region").order_by("-effective", "-id").first()
    return change.region if change else None


def ensure_committee_organisations(root: Region | None = None) -> int:
    """One committee organisation per village-level unit (created where missing)."""
    regions = Region.objects.committees().filter(is_active=True)
    if root is not None:
        regions = regions.subtree(root)
    have = set(Organisation.objects.filter(kind=OrganisationKind.COMMITTEE).values_list("region_id", flat=True))
    new = [
        Organisation(name=r.name, kind=OrganisationKind.COMMITTEE, region_id=r.pk)
        for r in regions.only("pk", "name").iterator(chunk_size=BATCH)
        if r.pk not in have
    ]
    bulk_create_with_history(new, Organisation, batch_size=BATCH, default_change_reason="committee for village-level unit")
    return len(new)


def subtree_counts(region: Region) -> dict[str, int]:
    """Units in use below a region, per level: one indexed read of the maintained counts."""
    rows = SubtreeCount.objects.filter(region=region).order_by("level").values_list("level", "units")
    return {Level(lv).name.lower(): n for lv, n in rows if n}


def children_with_committee_counts(region: Region) -> list[tuple[Region, int]]:
    """Children of a region with the number of committees under each: two queries whatever the level."""
    children = list(Region.objects.filter(parent=region, is_active=True).order_by("code"))
    if region.level >= Level.TOWNSHIP:
        return [(child, 1 if child.level == Level.VILLAGE else 0) for child in children]
    # Children are usually one level down, but a city without counties (东莞市) has townships as children:
    # each child's own counts row holds the committees below it either way.
    counts = dict(
        SubtreeCount.objects.filter(region_id__in=[child.pk for child in children], level=Level.VILLAGE)
        .values_list("region_id", "units")
    )
    return [(child, counts.get(child.pk, 0)) for child in children]
