"""core.exports.safe_cell: spreadsheet formula injection is neutralised. Pure; no database."""

from hypothesis import given
from hypothesis import strategies as st

from core.exports import FORMULA_PREFIXES, safe_cell


@given(st.text())
def test_no_cell_ever_starts_a_formula_and_nothing_is_lost(value):
    cell = safe_cell(value)
    assert not cell.startswith(FORMULA_PREFIXES)
    assert cell == value or cell == "'" + value


@given(st.text().filter(lambda s: not s.startswith(FORMULA_PREFIXES)))
def test_ordinary_text_is_left_alone(value):
    assert safe_cell(value) == value


def test_the_usual_attacks_are_prefixed():
    for attack in ("=1+2", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")'):
        assert safe_cell(attack) == "'" + attack


def test_numbers_and_none_pass_through_unchanged():
    for value in (-5, 3.5, None, 0):
        assert safe_cell(value) == value
