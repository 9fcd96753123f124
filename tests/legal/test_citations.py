"""Chinese numerals and citations: pure functions, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legal.citations import (
    Citation,
    CitationError,
    format_article,
    from_chinese,
    parse_basis,
    parse_citation,
    to_chinese,
)


@pytest.mark.parametrize(("number", "text"), [
    (1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (25, "二十五"), (100, "一百"), (105, "一百零五"),
    (110, "一百一十"), (1145, "一千一百四十五"), (1001, "一千零一"),
])
def test_numbers_are_written_as_in_chinese_statutes(number, text):
    assert to_chinese(number) == text
    assert from_chinese(text) == number


@given(st.integers(min_value=1, max_value=9999))
def test_every_number_survives_writing_and_reading(number):
    assert from_chinese(to_chinese(number)) == number


@given(
    st.integers(min_value=1, max_value=1500),
    st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
    st.one_of(st.none(), st.integers(min_value=1, max_value=20)),
)
def test_every_article_label_parses_back_to_its_numbers(article, paragraph, item):
    label = format_article(article, paragraph, item)
    parsed = parse_citation(f"中华人民共和国民法典 {label}")
    assert parsed == Citation("中华人民共和国民法典", article, paragraph, item)


@given(st.text(max_size=40))
def test_parsing_arbitrary_text_either_succeeds_or_raises_citation_error(text):
    try:
        cites = parse_basis(text)
    except CitationError:
        return
    for cite in cites:
        assert cite.law and cite.law == cite.law.strip()
        assert parse_citation(str(cite)) == cite


def test_a_basis_with_several_citations_is_split_on_the_chinese_semicolon():
    cites = parse_basis("中华人民共和国村民委员会组织法 第十二条；中华人民共和国城市居民委员会组织法 第十条第一款第（九）项")
    assert [str(c) for c in cites] == [
        "中华人民共和国村民委员会组织法 第十二条", "中华人民共和国城市居民委员会组织法 第十条第一款第（九）项",
    ]
    assert cites[1].item == 9


def test_a_law_cited_without_article_is_a_citation_of_the_whole_law():
    citation = parse_citation("《全民健身条例》")
    assert citation.law == "全民健身条例" and citation.article is None and citation.label == ""


@pytest.mark.parametrize("text", ["第十二条", "中华人民共和国民法典 第十二", "民法典 第二三条", ""])
def test_malformed_citations_are_refused(text):
    with pytest.raises(CitationError):
        parse_citation(text)
