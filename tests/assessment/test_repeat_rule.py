"""The repeat-visit rule (assessment/visits.py), property-tested over arbitrary dates. Pure: no database."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from assessment.visits import repeated_visit

DAY = date(2026, 6, 1)
offsets = st.lists(st.integers(min_value=-120, max_value=120), max_size=12)


@given(offsets=offsets, window=st.integers(min_value=1, max_value=90))
def test_a_visit_is_a_repeat_exactly_when_another_falls_within_the_window(offsets, window):
    others = [(i, DAY + timedelta(days=o)) for i, o in enumerate(offsets)]
    found = repeated_visit(others, DAY, window)
    within = [i for i, o in enumerate(offsets) if abs(o) <= window]
    assert (found is None) == (not within)
    if found is not None:
        assert found in within


@given(offsets=offsets, window=st.integers(min_value=1, max_value=90))
def test_the_nearest_earlier_visit_is_preferred_to_any_later_one(offsets, window):
    others = [(i, DAY + timedelta(days=o)) for i, o in enumerate(offsets)]
    found = repeated_visit(others, DAY, window)
    earlier = [o for o in offsets if -window <= o <= 0]
    if earlier:
        assert offsets[found] == max(earlier)


def test_the_window_edges_count_and_one_day_more_does_not():
    assert repeated_visit([(1, DAY - timedelta(days=30))], DAY, 30) == 1
    assert repeated_visit([(1, DAY - timedelta(days=31))], DAY, 30) is None
    assert repeated_visit([(1, DAY + timedelta(days=5))], DAY, 30) == 1
    assert repeated_visit([], DAY, 30) is None
