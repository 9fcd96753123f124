"""textmatch.BM25Index: scores normalised to 0..1, so a threshold means the same for any list."""

from hypothesis import given
from hypothesis import strategies as st

from textmatch import BM25Index, specificity

DOCS = [
    ("A02", "协助最低生活保障相关工作"),
    ("A19", "协助禁毒宣传和防范"),
    ("A17", "残疾人工作"),
    ("P03", "调解民间纠纷"),
]


def test_a_query_containing_the_whole_document_scores_one():
    index = BM25Index(DOCS)
    assert dict(index.score("请协助做好残疾人两项补贴工作"))["A17"] == 1.0


def test_results_are_best_first_and_only_documents_sharing_a_term():
    index = BM25Index(DOCS)
    ranked = index.score("请协助做好低保对象复核")
    assert ranked[0][0] == "A02"
    assert "P03" not in dict(ranked)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_unrelated_queries_match_nothing():
    assert BM25Index(DOCS).score("高标准农田建设") == []


def test_tokens_can_be_passed_instead_of_text():
    index = BM25Index(DOCS)
    assert index.score(["禁毒"]) == index.score("禁毒")


def test_limit_cuts_the_ranking():
    assert len(BM25Index(DOCS).score("协助低保禁毒", limit=1)) == 1


def test_the_prior_lowers_words_common_in_general_chinese():
    plain = dict(BM25Index(DOCS).score("防范非法集资"))["A19"]
    with_prior = dict(BM25Index(DOCS, prior=specificity).score("防范非法集资"))["A19"]
    assert with_prior < plain


def test_specificity_ranks_telling_words_above_common_ones():
    assert specificity("禁毒") > specificity("防范") > specificity("政策")
    assert 0.3 <= specificity("一个从未见过的词") <= 1.5


def test_an_empty_index_scores_nothing():
    index = BM25Index([])
    assert len(index) == 0
    assert index.score("禁毒") == []


@given(st.text())
def test_scores_stay_between_zero_and_one(query):
    for _key, score in BM25Index(DOCS, prior=specificity).score(query):
        assert 0.0 < score <= 1.0
