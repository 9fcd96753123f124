"""Period keys of the value store: one key per filing period of each frequency (pure, no database)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reporting.services import period_key


def test_each_frequency_has_its_own_period_key():
    day = date(2026, 11, 27)
    assert [period_key(f, day) for f in ("daily", "weekly", "monthly", "quarterly", "semiannual", "annual", "adhoc")] \
        == ["2026-11-27", "2026-W48", "2026-11", "2026-Q4", "2026-H2", "2026", "2026"]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 30)),
       st.sampled_from(["weekly", "monthly", "quarterly", "semiannual", "annual"]))
def test_two_days_share_a_key_only_inside_one_period(day, frequency):
    # A day and the next share a key exactly when no period boundary lies between them.
    today, tomorrow = period_key(frequency, day), period_key(frequency, day + timedelta(days=1))
    boundary = {
        "weekly": day.isocalendar().week != (day + timedelta(days=1)).isocalendar().week,
        "monthly": day.month != (day + timedelta(days=1)).month,
        "quarterly": (day.month - 1) // 3 != ((day + timedelta(days=1)).month - 1) // 3 or day.year != (day + timedelta(days=1)).year,
        "semiannual": (day.month <= 6) != ((day + timedelta(days=1)).month <= 6) or day.year != (day + timedelta(days=1)).year,
        "annual": day.year != (day + timedelta(days=1)).year,
    }[frequency]
    assert (today != tomorrow) == boundary
