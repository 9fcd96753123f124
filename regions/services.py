"""Division-code import and region changes. The only code that writes regions and organisations."""

import csv
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .choices import PREFIX_LENGTH, Level, OrganisationKind
from .codes import CODE_LENGTH, committee_kind, parent_code, subtree_bounds
from .models import Organisation, Region, RegionCodeChange

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


@dataclass(frozen=True)
class DivisionRow:
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
    for stem, level, code_col, parent_col in FILES:
        handle = _open(directory, stem)
        if handle is None:
            continue
        found_any = True
        digits = PREFIX_LENGTH[level]
        with handle:
            reader = csv.DictReader(handle)
            missing = [c for c in (code_col, "name", parent_col) if c and c not in (reader.fieldnames or [])]
            if missing:
                errors.append(_("%(file)s: missing columns %(cols)s") % {"file": f"{stem}.csv", "cols": ", ".join(missing)})
                continue
            for line, record in enumerate(reader, start=2):
                raw = (record.get(code_col) or "").strip()
                name = (record.get("name") or "").strip()
                where = _("%(file)s line %(line)d") % {"file": f"{stem}.csv", "line": line}
                if provinces and raw[:2] not in provinces:
                    continue
                if not (raw.isascii() and raw.isdigit() and len(raw) == digits):
                    errors.append(f"{where} [{code_col}]: " + _("code must be %(n)d digits, got “%(v)s”") % {"n": digits, "v": raw})
                    continue
                if not name:
                    errors.append(f"{where} [name]: " + _("name is empty"))
                    continue
                code = raw.ljust(CODE_LENGTH, "0")
                if code in seen:
                    errors.append(f"{where} [{code_col}]: " + _("duplicate code %(v)s") % {"v": raw})
                    continue
                parent = parent_code(code, level)
                if parent_col:
                    declared = (record.get(parent_col) or "").strip()
                    if declared and declared.ljust(CODE_LENGTH, "0") != parent:
                        errors.append(f"{where} [{parent_col}]: " + _("parent %(p)s does not contain code %(v)s") % {"p": declared, "v": raw})
                        continue
                seen.add(code)
                rows.append(DivisionRow(level, code, name[:100], parent))
    if not found_any:
        errors.append(_("No division files (provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv[.gz]) in %(d)s") % {"d": directory})
    return rows, errors


@transaction.atomic
def import_divisions(
    directory: Path | str,
    *,
    provinces: set[str] | None = None,
    deactivate_missing: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> ImportResult:
    """Import NBS division files idempotently and all-or-nothing (any row error → nothing is written)."""
    directory = Path(directory)
    rows, errors = read_divisions(directory, provinces)
    progress(_("Read %(n)d rows") % {"n": len(rows)})
    existing = {code: (pk, name) for code, pk, name in Region.objects.values_list("code", "pk", "name")}
    known = set(existing) | {r.code for r in rows}
    for row in rows:
        if row.parent and row.parent not in known:
            errors.append(_("code %(c)s: parent %(p)s is in neither the files nor the database") % {"c": row.code, "p": row.parent})
    if errors:
        raise ImportFailed(errors)

    result = ImportResult()
    ids = {code: pk for code, (pk, _name) in existing.items()}
    renamed: list[Region] = []
    changes: list[RegionCodeChange] = []
    for level in Level:
        level_rows = [r for r in rows if r.level == level]
        new = []
        for row in level_rows:
            if row.code in existing:
                pk, old_name = existing[row.code]
                if old_name != row.name:
                    renamed.append(Region(pk=pk, name=row.name))
                    changes.append(RegionCodeChange(region_id=pk, old_code=row.code, old_name=old_name,
                                                    new_code=row.code, new_name=row.name, reason="import"))
                else:
                    result.unchanged += 1
                continue
            new.append(Region(
                code=row.code, name=row.name, level=level, parent_id=ids.get(row.parent) if row.parent else None,
                committee_kind=committee_kind(row.code) if level == Level.VILLAGE else "",
            ))
        for start in range(0, len(new), BATCH):
            batch = new[start:start + BATCH]
            bulk_create_with_history(batch, Region, batch_size=BATCH, default_change_reason="import")
            if any(obj.pk is None for obj in batch):
                # Backends that do not return keys: read them back.
                fetched = dict(Region.objects.filter(code__in=[o.code for o in batch]).values_list("code", "pk"))
                for obj in batch:
                    obj.pk = fetched[obj.code]
            for obj in batch:
                ids[obj.code] = obj.pk
            progress(_("%(level)s: %(done)d / %(total)d") % {"level": Level(level).label, "done": min(start + BATCH, len(new)), "total": len(new)})
        result.created += len(new)
        result.per_level[int(level)] = len(level_rows)
    if renamed:
        bulk_update_with_history(renamed, Region, ["name"], batch_size=BATCH, default_change_reason="import: renamed")
        RegionCodeChange.objects.bulk_create(changes, batch_size=BATCH)
        result.renamed = len(renamed)
    if deactivate_missing:
        in_files = {r.code for r in rows}
        heads = provinces or {r.code[:2] for r in rows}
        gone = [
            Region(pk=pk, is_active=False)
            for code, (pk, _n) in existing.items()
            if code[:2] in heads and code not in in_files
        ]
        bulk_update_with_history(gone, Region, ["is_active"], batch_size=BATCH, default_change_reason="import: no longer in file")
        result.deactivated = len(gone)
    return result


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
    for unit in Region.objects.subtree(region).order_by("-level"):
        old_code, old_name = unit.code, unit.name
        unit.code = head_new + unit.code[len(head_old):]
        if unit.pk == region.pk and new_name:
            unit.name = new_name
        unit._change_reason = reason or "recode"
        unit.save()
        RegionCodeChange.objects.create(region=unit, old_code=old_code, old_name=old_name, new_code=unit.code,
                                        new_name=unit.name, effective=effective, reason=reason)
    region.refresh_from_db()
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
    """Counts per level below a region, one aggregate query."""
    from django.db.models import Count

    low, high = subtree_bounds(region.code, region.level)
    counts = dict(
        Region.objects.filter(code__gte=low, code__lte=high, level__gt=region.level, is_active=True)
        .values_list("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    return {Level(lv).name.lower(): n for lv, n in counts.items()}


def children_with_committee_counts(region: Region) -> list[tuple[Region, int]]:
    """Children of a region with the number of committees under each: two queries whatever the level."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    children = list(Region.objects.filter(parent=region, is_active=True).order_by("code"))
    if region.level >= Level.TOWNSHIP:
        return [(child, 1 if child.level == Level.VILLAGE else 0) for child in children]
    length = PREFIX_LENGTH[Level(region.level + 1)]
    low, high = subtree_bounds(region.code, region.level)
    counts = dict(
        Region.objects.filter(code__gte=low, code__lte=high, level=Level.VILLAGE, is_active=True)
        .annotate(head=Substr("code", 1, length)).values("head").annotate(n=Count("pk")).values_list("head", "n")
    )
    return [(child, counts.get(child.code[:length], 0)) for child in children]
