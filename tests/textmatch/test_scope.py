"""textmatch scope helpers: sentences, clauses and negation."""

from hypothesis import given
from hypothesis import strategies as st

from textmatch import clause_bounds, negated, negated_span, normalise, sentences


def at(sentence: str, word: str) -> int:
    return sentence.index(word)


def test_sentences_split_on_full_stops_semicolons_and_line_breaks():
    assert sentences("一、请协助。二、不得打卡；三、报送\n四、完成") == [
        "一、请协助。",
        "二、不得打卡；",
        "三、报送",
        "四、完成",
    ]


def test_clause_bounds_stop_at_commas_and_parentheses():
    s = "请各村协助（不作为责任主体），并报告"
    start, end = clause_bounds(s, at(s, "责任"))
    assert s[start:end] == "不作为责任主体"


def test_a_cue_before_the_words_in_the_same_clause_negates_them():
    s = "各部门不得要求社区每天打卡"
    assert negated(s, at(s, "每天打卡"))


def test_a_cue_in_an_earlier_clause_does_not():
    s = "不得推诿，社区每天打卡"
    assert not negated(s, at(s, "每天打卡"))


def test_a_cue_after_the_words_does_not():
    s = "社区作为安全生产责任主体，不得推诿"
    assert not negated(s, at(s, "作为"))


def test_not_responsible_subject_is_negated_and_responsible_subject_is_not():
    negative = normalise("协助开展安全生产宣传（不作为责任主体）")
    positive = normalise("社区作为安全生产责任主体")
    assert negated(negative, at(negative, "责任主体"))
    assert not negated(positive, at(positive, "责任主体"))


def test_a_negating_parenthetical_covers_the_clause_it_annotates():
    s = normalise("负责辖区企业安全检查（不作为责任主体，仅报告隐患）")
    assert negated(s, at(s, "负责"))
    assert negated(s, at(s, "仅报告"))


def test_a_cue_that_starts_before_a_match_and_runs_into_it_counts():
    s = "社区不承担燃气安全监管责任"
    assert negated(s, at(s, "承担"))


def test_a_cue_inside_a_span_negates_the_span():
    s = "村委会不作为责任主体"
    assert negated_span(s, 0, len(s))


def test_quotas_and_failures_are_not_negations():
    for text, word in [("订阅不少于20份", "20份"), ("对整治不达标的村通报", "通报"), ("拒不整改的予以没收", "没收")]:
        assert not negated(text, at(text, word)), text


def test_no_need_and_no_longer_are_negations():
    s = "无需上传工作照片"
    assert negated(s, at(s, "上传"))
    s = "不再要求每日打卡"
    assert negated(s, at(s, "每日打卡"))


@given(st.text(), st.integers(min_value=-5, max_value=300))
def test_negated_never_raises(text, pos):
    assert negated(text, pos) in (True, False)
