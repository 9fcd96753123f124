"""Validation and diff on snapshots: pure, no database."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worklists.engine import CiteSnap, ItemSnap, diff, validate

LAW = CiteSnap("中华人民共和国民法典", "第三十二条")


def item(code="L01", name="某事项", content="内容", origin="local", citations=(LAW,), **kw):
    return ItemSnap(code=code, name=name, content=content, origin=origin, citations=tuple(citations), **kw)


def codes(findings):
    return [(f.code, f.item) for f in findings]


def test_an_item_without_legal_basis_blocks_the_list():
    report = validate([item(citations=())])
    assert ("no_basis", "L01") in codes(report.errors)


def test_citing_a_repealed_provision_blocks_and_an_amended_one_warns():
    report = validate([
        item("A", "甲", citations=[CiteSnap("森林防火条例", "第五条", status="repealed")]),
        item("B", "乙", citations=[CiteSnap("中华人民共和国村民委员会组织法", "第二十一条", status="amended")]),
    ])
    assert ("repealed_basis", "A") in codes(report.errors)
    assert ("amended_basis", "B") in codes(report.warnings)
    assert not any(f.item == "B" for f in report.errors)


def test_duplicate_codes_and_duplicate_names_block():
    report = validate([item("A", "调解民间纠纷"), item("A", "其他"), item("C", "调解 民间纠纷")])
    assert ("duplicate_code", "A") in codes(report.errors)
    assert ("duplicate_name", "C") in codes(report.errors)


def test_a_local_item_making_the_committee_responsible_for_enforcement_is_blocked_with_article_8():
    report = validate([item("L9", "违法建设整治", "请各社区对辖区违法建设下达整改通知并组织拆除")])
    art8 = [f for f in report.errors if f.article == 8]
    assert art8 and art8[0].clause == 1 and art8[0].evidence


def test_a_local_item_with_a_commercial_insurance_quota_is_blocked_under_clause_3():
    report = validate([item("L8", "家庭财产保险", "每个村完成家庭财产商业保险投保不少于50户")])
    assert any(f.article == 8 and f.clause == 3 for f in report.errors)


def test_reporting_hazards_without_being_the_responsible_subject_is_not_an_art8_breach():
    text = "发现事故隐患或者安全生产违法行为时，向当地人民政府或者有关部门报告（不作为安全生产责任主体）"
    assert validate([item("L7", "报告安全生产事故隐患", text)]).ok


def test_items_taken_from_the_upper_list_are_not_checked_against_art8_wording():
    text = "社区作为辖区企业安全生产监管责任主体"
    assert validate([item("A24", "derived", text, origin="derived")]).ok
    assert not validate([item("L24", "local", text, origin="local")]).ok


def test_a_local_item_resting_only_on_a_city_document_is_blocked():
    city = CiteSnap("沈阳市某文件", "第三条", jurisdiction="local")
    report = validate([item(citations=[city])])
    assert ("local_basis", "L01") in codes(report.errors)


def test_an_upper_item_left_out_without_reason_is_a_warning_not_an_error():
    upper = [item("P01", "召集村民会议"), item("P02", "办理公共事务")]
    mine = [item("P01", "召集村民会议", origin="derived", upper_code="P01")]
    report = validate(mine, upper_items=upper, omissions={})
    assert report.ok
    assert ("omitted_without_reason", "P02") in codes(report.warnings)
    assert not validate(mine, upper_items=upper, omissions={"P02": "本地无此情形"}).warnings


def test_a_law_cited_without_article_is_flagged_as_unconfirmed():
    report = validate([item(citations=[CiteSnap("全民健身条例", "")])])
    assert report.ok and ("article_unconfirmed", "L01") in codes(report.warnings)


def test_diff_reports_added_removed_and_changed_fields():
    old = [item("A", "甲"), item("B", "乙"), item("C", "丙", agency="民政")]
    new = [item("A", "甲"), item("C", "丙", agency="卫生健康", citations=[CiteSnap("中华人民共和国民法典", "第三十一条")]), item("D", "丁")]
    result = diff(old, new)
    assert result["added"] == [{"code": "D", "name": "丁"}]
    assert result["removed"] == [{"code": "B", "name": "乙"}]
    (changed,) = result["changed"]
    assert changed["code"] == "C"
    assert changed["fields"]["agency"] == {"old": "民政", "new": "卫生健康"}
    assert changed["fields"]["basis"]["new"] == "中华人民共和国民法典 第三十一条"


names = st.text(alphabet="甲乙丙丁戊己庚辛", min_size=1, max_size=4)
snaps = st.lists(st.builds(item, code=st.sampled_from(list("ABCDEFG")), name=names, content=names), max_size=7,
                 unique_by=lambda i: i.code)


@given(snaps, snaps)
def test_diff_accounts_for_every_code_exactly_once(old, new):
    result = diff(old, new)
    added = {i["code"] for i in result["added"]}
    removed = {i["code"] for i in result["removed"]}
    changed = {i["code"] for i in result["changed"]}
    assert added == {i.code for i in new} - {i.code for i in old}
    assert removed == {i.code for i in old} - {i.code for i in new}
    assert changed <= {i.code for i in new} & {i.code for i in old}
    assert diff(new, new) == {"added": [], "removed": [], "changed": []}


def test_every_art8_rule_in_the_data_file_names_article_8_and_a_clause():
    from worklists.engine import art8_rules

    rules = art8_rules()
    assert rules and all(r.article == 8 and 1 <= r.clause <= 5 and r.message for r in rules)
    assert {r.clause for r in rules} >= {1, 2, 3, 4}


filler = st.text(alphabet="的了和在是为与村社区居民工作开展", max_size=12)


@given(filler, st.sampled_from(["商业保险", "报刊订阅", "抽调", "借调", "对口挂牌"]), filler)
def test_a_local_item_containing_a_quota_secondment_or_plaque_word_is_always_blocked(before, word, after):
    report = validate([item("L1", "事项", before + word + after)])
    assert any(f.article == 8 and word in f.evidence for f in report.errors)


@given(filler, st.sampled_from(["商业保险", "抽调", "安全生产责任主体"]), filler)
def test_a_negation_word_in_the_text_cancels_the_art8_match(before, word, after):
    report = validate([item("L1", "事项", f"不得要求{before}{word}{after}")])
    assert not any(f.article == 8 for f in report.errors)


def test_an_unrelated_prohibition_word_does_not_hide_a_secondment():
    report = validate([item("L1", "借调人员", "抽调社区工作人员2名到街道工作三个月，不得推诿")])
    assert any(f.article == 8 and f.clause == 4 for f in report.errors)


def _art8_examples():
    path = Path(__file__).resolve().parents[2] / "data" / "reference" / "prohibited-assignments.csv"
    with open(path, encoding="utf-8") as handle:
        return [(int(r["clause"]), r["example"]) for r in csv.DictReader(handle) if r["article"] == "8"]



@pytest.mark.parametrize(("clause", "example"), _art8_examples())
def test_every_art8_example_of_the_reference_data_is_blocked_as_a_local_item_under_its_clause(clause, example):
    report = validate([item("L1", "本级事项", example)])
    assert clause in {f.clause for f in report.errors if f.article == 8}
