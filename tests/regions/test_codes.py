"""The 12-digit division code: pure functions, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regions.choices import PREFIX_LENGTH, CommitteeKind, Level
from regions.codes import (
    InvalidCode,
    ancestor_code,
    committee_kind,
    level_of,
    normalise,
    parent_code,
    prefix,
    subtree_bounds,
)

nonzero = st.sampled_from("123456789")


@st.composite
def codes(draw, level: Level | None = None):  # noqa: ANN001, ANN201
    """A well-formed 12-digit code of a given (or any) level: its last segment is not all zeros."""
    level = level or draw(st.sampled_from(list(Level)))
    head = draw(st.text(alphabet="0123456789", min_size=PREFIX_LENGTH[level], max_size=PREFIX_LENGTH[level]))
    # make each segment up to `level` non-zero so the code really is of that level
    chars = list(head)
    for lv in range(1, level + 1):
        lo = 0 if lv == 1 else PREFIX_LENGTH[Level(lv - 1)]
        hi = PREFIX_LENGTH[Level(lv)]
        if not "".join(chars[lo:hi]).strip("0"):
            chars[hi - 1] = draw(nonzero)
    return "".join(chars).ljust(12, "0"), level


@pytest.mark.parametrize("raw,expected", [
    ("21", "210000000000"), ("2101", "210100000000"), ("210105", "210105000000"),
    ("210105023", "210105023000"), ("210105023201", "210105023201"), (" 210105 ", "210105000000"),
])
def test_normalise_pads_every_prefix_length_to_twelve_digits(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", ["", "2", "210", "21010", "2101050232", "21010502320", "2101050232011", "21a105",
                                 "２１", "-21", "21.0", None])
def test_normalise_refuses_anything_but_2_4_6_9_or_12_ascii_digits(raw):
    with pytest.raises(InvalidCode):
        normalise(raw)


@given(st.text(max_size=14))
def test_normalise_either_returns_twelve_ascii_digits_or_refuses(raw):
    try:
        code = normalise(raw)
    except InvalidCode:
        return
    assert len(code) == 12 and code.isascii() and code.isdigit()
    assert code.startswith(raw.strip())


@given(codes())
def test_level_of_reads_the_level_from_the_trailing_zeros(pair):
    code, level = pair
    assert level_of(code) == level


@given(codes())
def test_a_code_lies_inside_its_own_subtree_and_in_every_ancestors_subtree(pair):
    code, level = pair
    low, high = subtree_bounds(code, level)
    assert low == code[: PREFIX_LENGTH[level]].ljust(12, "0") and low <= code <= high
    up, up_level = parent_code(code, level), level - 1
    while up is not None:
        low, high = subtree_bounds(up, up_level)
        assert low <= code <= high
        up, up_level = parent_code(up, up_level), up_level - 1


@given(codes(), codes())
def test_subtree_bounds_contain_exactly_the_codes_with_the_same_prefix(a, b):
    (code, level), (other, _other_level) = a, b
    low, high = subtree_bounds(code, level)
    assert (low <= other <= high) == (prefix(other, level) == prefix(code, level))


def test_ancestor_codes_are_the_county_and_township_a_committee_lies_in():
    assert ancestor_code("210105023201", Level.COUNTY) == "210105000000"
    assert ancestor_code("210105023201", Level.TOWNSHIP) == "210105023000"
    assert ancestor_code("210105023201", Level.VILLAGE) == "210105023201"


def test_parent_codes_follow_the_2_2_2_3_3_layout():
    assert parent_code("210105023201", Level.VILLAGE) == "210105023000"
    assert parent_code("210105023000", Level.TOWNSHIP) == "210105000000"
    assert parent_code("210105000000", Level.COUNTY) == "210100000000"
    assert parent_code("210100000000", Level.CITY) == "210000000000"
    assert parent_code("210000000000", Level.PROVINCE) is None


@pytest.mark.parametrize("code,kind", [
    ("210105023201", CommitteeKind.VILLAGE), ("210105023501", CommitteeKind.VILLAGE),
    ("210202001002", CommitteeKind.RESIDENTS), ("210202001402", CommitteeKind.RESIDENTS),
])
def test_digit_ten_tells_a_village_committee_from_a_residents_committee(code, kind):
    assert committee_kind(code) == kind


def test_an_all_zero_code_has_no_level():
    with pytest.raises(InvalidCode):
        level_of("000000000000")
