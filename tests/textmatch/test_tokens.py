"""textmatch.tokens: jieba with the domain dictionary, stop words and synonym groups."""

import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from textmatch import tokenizer, tokens, warm_up

ROOT = Path(__file__).resolve().parents[2]


def test_domain_words_stay_whole():
    assert "社区矫正" in tokens("协助做好社区矫正工作")
    assert "最低生活保障" in tokens("做好最低生活保障审核")


def test_every_word_of_the_domain_dictionary_is_one_segment():
    from textmatch.segment import _lines

    words = [line.split()[0] for line in _lines("userdict.txt")]
    assert len(words) > 20
    split = [w for w in words if tokenizer().lcut(w) != [w]]
    assert split == []


def test_synonyms_map_to_the_canonical_term():
    assert tokens("低保") == tokens("最低生活保障") == ["最低生活保障"]
    assert tokens("家暴") == tokens("家庭暴力")
    assert tokens("高龄老人") == ["老年人"]


def test_stop_words_and_punctuation_are_dropped():
    out = tokens("请各社区做好相关工作，。！")
    assert out == []


def test_stop_words_can_be_kept():
    assert "工作" in tokens("做好相关工作", keep_stopwords=True)


def test_committee_names_do_not_count_as_content():
    assert tokens("请村委会和居委会协助开展残疾人工作") == ["残疾人"]


def test_the_tokenizer_is_built_once_per_process():
    assert tokenizer() is tokenizer()


def test_jieba_initialises_quietly_in_a_fresh_process():
    done = subprocess.run(
        [sys.executable, "-c", "from textmatch import tokens; print(tokens('协助开展禁毒宣传'))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "禁毒" in done.stdout


@given(st.text())
def test_tokens_never_crash_on_arbitrary_unicode(text):
    out = tokens(text)
    assert all(isinstance(t, str) and t and t == t.strip() for t in out)


def test_warm_up_loads_everything_and_can_be_called_again():
    warm_up()
    warm_up()
    assert tokenizer() is tokenizer()
