"""textmatch.normalise: one canonical form for patterns and indexes."""

from hypothesis import given
from hypothesis import strategies as st

from textmatch import normalise


def test_full_width_letters_and_digits_become_ascii_and_lower_case():
    assert normalise("ＡＢＣ村１２３号") == "abc村123号"


def test_ascii_clause_marks_become_chinese_marks():
    assert normalise("请各村,每天;打卡:是否(必要)?") == "请各村，每天；打卡：是否（必要）？"


def test_full_width_marks_survive_as_chinese_marks():
    assert normalise("协助开展宣传（不作为责任主体），谢谢！") == "协助开展宣传（不作为责任主体），谢谢！"


def test_decorative_brackets_and_quotes_are_removed_but_book_titles_stay():
    assert normalise("【通知】请悬挂“科普e站”牌子，订阅《辽宁日报》") == "通知请悬挂科普e站牌子，订阅《辽宁日报》"


def test_document_number_brackets_become_parentheses():
    assert normalise("沈政〔2025〕12号") == "沈政（2025）12号"


def test_spaces_between_chinese_characters_are_removed_and_latin_words_keep_one():
    assert normalise("请 各  村 每 天\u3000打卡 hello   world") == "请各村每天打卡hello world"


def test_line_breaks_are_unified_and_kept_once():
    assert normalise("第一行\r\n\r\n  第二行\r第三行") == "第一行\n第二行\n第三行"


def test_zero_width_and_control_characters_are_dropped():
    assert normalise("打\u200b卡\ufeff\x07") == "打卡"


def test_empty_text_stays_empty():
    assert normalise("") == ""
    assert normalise(" \n\t ") == ""


@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_normalised_text_has_no_carriage_returns_or_double_spaces(text):
    out = normalise(text)
    assert "\r" not in out
    assert "  " not in out
    assert out == out.strip()
