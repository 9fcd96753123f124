"""The repeat-visit rule as a pure function (no database), so it can be tested on its own with any dates."""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TypeVar

K = TypeVar("K")


def repeated_visit(others: Iterable[tuple[K, date]], on: date, window_days: int) -> K | None:
    """Which earlier visit (same agency, same committee) a visit on `on` repeats, if any.

    A visit repeats another within `window_days` days either side (a visit recorded late can repeat a later one); the
    nearest earlier visit is preferred, then the nearest later one; among equal dates, the last recorded (highest key).
    """
    window = timedelta(days=window_days)
    earlier = [(d, k) for k, d in others if on - window <= d <= on]
    if earlier:
        return max(earlier, key=lambda pair: (pair[0], pair[1]))[1]  # type: ignore[type-var]
    later = [(d, k) for k, d in others if on < d <= on + window]
    if later:
        return min(later, key=lambda pair: pair[0])[1]
    return None
