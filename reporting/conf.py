"""Reporting engine settings, overridable from Django settings (and so from the environment in config/settings.py).

REPORTING_MIN_NOTICE_DAYS
    A form giving fewer days than this to report is rush reporting (突击报送, Art. 6(1)). Default 5.
REPORTING_FUZZY_MIN_SCORE
    The rapidfuzz ratio (0-100) at which a field name close in spelling to a dictionary name resolves to it.
    Default 90; only names with identical qualifiers and unit are ever compared.

Filings per year by frequency (for the burden figure): a daily form is filed every day of the year, 365, because
daily reports to committees (日报) are rarely paused at weekends; weekly 52, monthly 12, quarterly 4, semiannual 2,
annual 1, and an ad-hoc form counts once (the least it can cost); an unknown frequency also counts once.
"""

from typing import Any

DEFAULT_MIN_NOTICE_DAYS = 5
DEFAULT_FUZZY_MIN_SCORE = 90

FILINGS_PER_YEAR: dict[str, int] = {
    "daily": 365,
    "weekly": 52,
    "monthly": 12,
    "quarterly": 4,
    "semiannual": 2,
    "annual": 1,
    "adhoc": 1,
}
UNKNOWN_FREQUENCY_FILINGS = 1


def _setting(name: str, default: Any) -> Any:
    try:
        from django.conf import settings

        if settings.configured:
            return getattr(settings, name, default)
    except ImportError:  # pragma: no cover - Django is always installed in this project
        pass
    return default


def min_notice_days() -> int:
    return int(_setting("REPORTING_MIN_NOTICE_DAYS", DEFAULT_MIN_NOTICE_DAYS))


def fuzzy_min_score() -> float:
    return float(_setting("REPORTING_FUZZY_MIN_SCORE", DEFAULT_FUZZY_MIN_SCORE))


def filings_per_year(frequency: Any) -> int:
    return FILINGS_PER_YEAR.get(frequency, UNKNOWN_FREQUENCY_FILINGS) if isinstance(frequency, str) else 1
