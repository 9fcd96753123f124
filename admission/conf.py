"""Settings of the admission check, read from Django settings when configured (the engine also runs without Django).

ADMISSION_MATCH_THRESHOLD  normalised match score (0..1) from which a request counts as an item of the list (default 0.4)
ADMISSION_NAME_WEIGHT      share of the item name in the match score; the rest is name + content together (default 0.5)
ADMISSION_RULES_DIRS       extra folders of rule files (*.toml) added to admission/rules/, e.g. a city's own rules
"""

from pathlib import Path

# Chosen on tests/admission/corpus.csv against the sample catalog: unlisted requests score at most ~0.37, listed ones at
# least ~0.47. Re-check with the corpus test when the list or the textmatch data change much.
DEFAULT_MATCH_THRESHOLD = 0.4
DEFAULT_NAME_WEIGHT = 0.5
RULES_DIR = Path(__file__).resolve().parent / "rules"


def _setting(name: str, default: object) -> object:
    from django.conf import settings

    if not settings.configured:
        return default
    return getattr(settings, name, default)


def match_threshold() -> float:
    return float(_setting("ADMISSION_MATCH_THRESHOLD", DEFAULT_MATCH_THRESHOLD))  # type: ignore[arg-type]


def name_weight() -> float:
    return float(_setting("ADMISSION_NAME_WEIGHT", DEFAULT_NAME_WEIGHT))  # type: ignore[arg-type]


def rules_dirs() -> list[Path]:
    extra = _setting("ADMISSION_RULES_DIRS", ()) or ()
    return [RULES_DIR, *(Path(p) for p in extra)]  # type: ignore[union-attr]


# --- Workflows (part 2) -------------------------------------------------------------------------------------------
# ADMISSION_MIN_NOTICE_DAYS   requests giving committees fewer days than this before the deadline are flagged (default 5,
#                             as DESIGN.md §8 uses for rush reporting)
# ADMISSION_MAX_TEXT          longest title + content the public check accepts (check time grows with length)
# ADMISSION_PLAQUES_FILE      TOML file of the standard plaque set of a committee (default admission/data/plaques.toml)
DEFAULT_MIN_NOTICE_DAYS = 5
DEFAULT_MAX_TEXT = 10_000
PLAQUES_FILE = Path(__file__).resolve().parent / "data" / "plaques.toml"


def min_notice_days() -> int:
    return int(_setting("ADMISSION_MIN_NOTICE_DAYS", DEFAULT_MIN_NOTICE_DAYS))  # type: ignore[call-overload]


def max_text() -> int:
    return int(_setting("ADMISSION_MAX_TEXT", DEFAULT_MAX_TEXT))  # type: ignore[call-overload]


def plaques_file() -> Path:
    return Path(_setting("ADMISSION_PLAQUES_FILE", PLAQUES_FILE))  # type: ignore[arg-type]
