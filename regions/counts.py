"""Per-region subtree counts (regions_subtreecount), recomputed in SQL from the regions table.

Kept free of model imports so the data migration that fills the table for existing installations can use it.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .choices import PREFIX_LENGTH, Level
from .codes import CODE_LENGTH

REGIONS_TABLE = "regions_region"
COUNTS_TABLE = "regions_subtreecount"


def refresh(connection: Any, provinces: Iterable[str] | None = None) -> None:
    """Recompute the counts of every region in the given provinces (two-digit heads; None: the whole country).

    One grouped scan per ancestor level; a region's counts are the units in use below it, per level. The join
    on ``a.level`` keeps a city without counties (东莞市 4419) from also being counted as its own county.
    """
    qn = connection.ops.quote_name
    regions, counts = qn(REGIONS_TABLE), qn(COUNTS_TABLE)
    heads = sorted({p[:2] for p in provinces}) if provinces is not None else None
    ranges = [(h.ljust(CODE_LENGTH, "0"), h.ljust(CODE_LENGTH, "9")) for h in heads] if heads is not None else [
        ("0" * CODE_LENGTH, "9" * CODE_LENGTH)]
    with connection.cursor() as cursor:
        for low, high in ranges:
            cursor.execute(
                f"DELETE FROM {counts} WHERE region_id IN (SELECT id FROM {regions} WHERE code >= %s AND code <= %s)",  # noqa: S608
                [low, high],
            )
            for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP):
                length = PREFIX_LENGTH[level]
                zeros = "0" * (CODE_LENGTH - length)
                # Table names from constants, lengths from PREFIX_LENGTH: nothing here comes from input.
                cursor.execute(
                    f"INSERT INTO {counts} (region_id, level, units) "  # noqa: S608
                    f"SELECT a.id, c.level, c.n FROM ("
                    f"  SELECT substr(code, 1, {length}) AS head, level, COUNT(*) AS n FROM {regions}"
                    f"  WHERE is_active AND level > %s AND code >= %s AND code <= %s"
                    f"  GROUP BY substr(code, 1, {length}), level"
                    f") c JOIN {regions} a ON a.code = c.head || '{zeros}' AND a.level = %s",
                    [int(level), low, high, int(level)],
                )


# Set while a service writes many regions and refreshes the counts itself once at the end.
_deferred: ContextVar[bool] = ContextVar("subtree_counts_deferred", default=False)


@contextmanager
def deferred() -> Iterator[None]:
    """Region writes inside this block leave the counts to the caller (who refreshes them once)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def refresh_unless_deferred(connection: Any, provinces: Iterable[str]) -> None:
    """Called by Region.save and RegionQuerySet.update: writes outside the services keep the counts right too."""
    if not _deferred.get():
        refresh(connection, {p[:2] for p in provinces if p})
