"""The admission check engine: focused cases per clause, negation and scope, secondment approvals, list matching.

Pure engine: no database (Django settings only, for translations and ADMISSION_* settings).
"""

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from admission import engine as eng
from admission.engine import (
    ADMIT,
    PURCHASE_SERVICE,
    REJECT,
    Approval,
    Engine,
    ListItem,
    RuleError,
    approval_problem,
    check_request,
    chinese_number,
    items_from_csv,
    load_rules,
)

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "data" / "reference" / "sample-catalog.csv"
SEEDS = ROOT / "data" / "reference" / "prohibited-assignments.csv"


@pytest.fixture(scope="module")
def items() -> list[ListItem]:
    return items_from_csv(CATALOG)


@pytest.fixture(scope="module")
def engine(items) -> Engine:
    return Engine(items, threshold=0.4)


def first_clause(result) -> tuple[int, int] | None:
    return (result.findings[0].article, result.findings[0].clause) if result.findings else None


# --- Each clause ------------------------------------------------------------------------------------------------

CLAUSE_CASES = [
    ("请各村委会作为本村污水治理的环境整治责任主体", 8, 1, "A8-1-responsible-subject"),
    ("请各社区负责清理辖区流动摊贩和占道经营", 8, 1, "A8-1-urban-management"),
    ("请社区对违规经营商户开展执法检查并处以罚款", 8, 1, "A8-1-enforcement"),
    ("由村委会与被征收人签署房屋征收补偿协议", 8, 1, "A8-1-expropriation"),
    ("每个社区全年招商引资任务200万元", 8, 1, "A8-1-investment"),
    ("由村委会负责辖区小作坊的安全生产监督检查", 8, 1, "A8-1-production-safety"),
    ("12345热线工单统一派发到社区办理", 8, 1, "A8-1-complaints"),
    ("请各社区成立垃圾分类工作领导小组", 8, 2, "A8-2-mechanism"),
    ("请每个村指定一名专职信息员专门负责本部门报表", 8, 2, "A8-2-dedicated-post"),
    ("请各社区在办公场所悬挂“老年人协会”牌子", 8, 2, "A8-2-plaque"),
    ("每个社区完成意外险投保不少于80份", 8, 3, "A8-3-insurance"),
    ("请各村征订《农村科技报》每村不少于10份", 8, 3, "A8-3-newspapers"),
    ("各社区完成信用卡办理任务50张", 8, 3, "A8-3-other-commercial"),
    ("抽调社区工作人员1名到区里工作", 8, 4, "A8-4-secondment"),
    ("请村干部每日上下班打卡", 8, 5, "A8-5-check-in"),
    ("请各社区每天拍照上传巡查照片留痕", 8, 5, "A8-5-photos"),
    ("请社区组织居民下载政务app，注册率达到90%", 8, 5, "A8-5-apps-online"),
    ("请各社区于2小时内报送辖区商户名单", 8, 5, "A8-5-rush-reporting"),
    ("每个村完成捐款任务3000元", 8, 5, "A8-5-levies"),
    ("请各村制作展板做好迎检准备", 8, 5, "A8-5-inspection-prep"),
    ("综治工作实行一票否决", 7, 1, "A7-1-veto"),
    ("街道与各社区签订安全生产目标责任状", 7, 2, "A7-2-responsibility-letter"),
    ("月度考核结果全街道排名并通报末位", 7, 2, "A7-2-ranking"),
    ("考核以台账和会议记录为依据，台账每缺一项扣1分", 7, 3, "A7-3-paperwork"),
    ("区里将到各社区观摩并现场打分", 7, 4, "A7-4-disguised-inspection"),
]


@pytest.mark.parametrize(("content", "article", "clause", "rule"), CLAUSE_CASES, ids=[c[3] for c in CLAUSE_CASES])
def test_each_prohibition_is_found_with_its_article_and_clause(engine, content, article, clause, rule):
    result = engine.check("residents", "", content)
    assert result.decision == REJECT
    assert first_clause(result) == (article, clause)
    assert result.findings[0].rule == rule


def test_every_clause_of_articles_7_and_8_has_a_rule():
    covered = {(r.article, r.clause) for r in load_rules()}
    assert covered == {(7, c) for c in range(1, 5)} | {(8, c) for c in range(1, 6)}


def test_every_rule_explanation_cites_its_own_article_and_clause():
    for rule in load_rules():
        cited = f"第{chinese_number(rule.article)}条第（{chinese_number(rule.clause)}）项"
        assert cited in rule.explanation, rule.id


def seed_rows() -> list[dict[str, str]]:
    with open(SEEDS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", seed_rows(), ids=lambda r: r["rule"][:30])
def test_every_seed_example_of_the_reference_data_is_rejected_under_its_clause(engine, row):
    result = engine.check("village", "", row["example"])
    assert result.decision == REJECT
    assert first_clause(result) == (int(row["article"]), int(row["clause"]))


# --- Negation and scope -----------------------------------------------------------------------------------------


def test_assisting_with_safety_publicity_not_as_responsible_subject_is_not_a_violation(engine):
    result = engine.check("residents", "", "协助开展安全生产宣传（不作为责任主体）")
    assert result.findings == []
    assert result.decision != REJECT


def test_being_made_the_responsible_subject_for_production_safety_is(engine):
    result = engine.check("residents", "", "社区作为安全生产责任主体")
    assert first_clause(result) == (8, 1)


@pytest.mark.parametrize(
    "content",
    [
        "各部门不得要求村干部每天打卡",
        "无需上传工作照片",
        "不再要求社区每日报送数据",
        "本次调研不打分、不排名",
        "不设一票否决事项",
        "严禁与社区签订责任状",
        "社区不承担燃气安全监管责任",
        "村委会不作为秸秆禁烧的责任主体",
        "不向村下达招商引资任务",
        "各部门不得以任何名义抽调、借调村干部",
    ],
)
def test_negated_prohibitions_are_not_findings(engine, content):
    assert engine.check("village", "", content).findings == []


def test_a_negation_in_another_sentence_does_not_cancel_a_violation(engine):
    result = engine.check("village", "", "不得推诿。请村干部每天在工作群打卡。")
    assert first_clause(result) == (8, 5)


def test_a_department_enforcing_itself_is_not_the_committee_enforcing(engine):
    result = engine.check("residents", "", "区综合行政执法局将依法下达整改通知并组织拆除，请社区协助做好宣传")
    assert result.findings == []


@pytest.mark.parametrize(
    "content",
    [
        "请社区宣传养犬规定，违规养犬的将由公安机关处以罚款",
        "请社区转告居民，逾期未缴纳罚款的车辆将被交警部门扣押",
        "请各村配合县应急管理局开展的安全生产执法检查，提供企业分布情况",
    ],
)
def test_telling_residents_about_a_departments_penalties_is_not_enforcement(engine, content):
    assert engine.check("residents", "", content).findings == []


@pytest.mark.parametrize(
    "content",
    [
        "街道办事处要求各社区对辖区商户下达整改通知",
        "区城管局责成各社区对占道经营商户处以罚款",
        "请社区对违规养犬人员处以罚款",
    ],
)
def test_a_department_ordering_the_committee_to_enforce_is_enforcement_by_the_committee(engine, content):
    assert first_clause(engine.check("residents", "", content)) == (8, 1)


def test_a_legal_basis_cancels_a_dedicated_post_finding(engine):
    result = engine.check("residents", "", "请社区设置专人专岗负责未成年人保护工作")
    assert result.decision == ADMIT
    assert result.matched_items[0].code == "A06"


def test_removing_plaques_is_not_a_plaque_demand(engine):
    assert engine.check("residents", "", "请各社区摘除违规悬挂的部门牌子").findings == []


def test_a_sightseeing_check_in_spot_is_not_a_check_in(engine):
    assert engine.check("village", "", "请推荐本村网红打卡点").findings == []


def test_ranking_needs_an_assessment_context(engine):
    assert engine.check("residents", "", "名单按姓氏笔画排序公示").findings == []
    assert first_clause(engine.check("residents", "考核办法", "各社区得分排名公布")) == (7, 2)


def test_evidence_quotes_the_sentence_of_the_request(engine):
    result = engine.check("village", "通知", "为做好宣传。请各村每天打卡。谢谢。")
    assert result.findings[0].evidence == "请各村每天打卡。"


def test_findings_are_most_serious_first_one_per_rule(engine):
    result = engine.check("residents", "", "社区作为安全生产责任主体，每天打卡，工作实行一票否决")
    assert [f.rule for f in result.findings] == ["A8-1-responsible-subject", "A7-1-veto", "A8-5-check-in"]


# --- Secondment (Art. 8(4)) -------------------------------------------------------------------------------------

SECONDMENT = "借调社区工作人员1名到区里帮助工作三个月"


@pytest.mark.parametrize(
    "body",
    [
        "沈阳市人民政府",
        "沈阳市皇姑区人民政府",
        "康平县人民政府",
        "北镇市人民政府",
        "宽甸满族自治县人民政府",
        "皇姑区政府",
    ],
)
def test_secondment_with_a_city_or_county_government_approval_is_allowed(engine, body):
    result = engine.check("residents", "", SECONDMENT, approval=Approval(body, "某政发〔2025〕1号"))
    assert result.findings == []
    assert result.decision == PURCHASE_SERVICE
    assert body in result.explanation


@pytest.mark.parametrize(
    "body",
    [
        "和平区南市场街道办事处",
        "新民市大民屯镇人民政府",
        "某乡人民政府",
        "沈阳市民政局",
        "沈阳市皇姑区人民政府办公室",
        "辽宁省人民政府",
        "辽宁省民政厅",
        "",
    ],
)
def test_secondment_approved_by_anyone_else_is_rejected(engine, body):
    result = engine.check("residents", "", SECONDMENT, approval=Approval(body, "某发〔2025〕1号"))
    assert result.decision == REJECT
    assert first_clause(result) == (8, 4)


def test_secondment_without_any_approval_is_rejected_even_if_the_text_claims_one(engine):
    result = engine.check("village", "", "经市人民政府批准，借调村干部1名到市里工作")
    assert first_clause(result) == (8, 4)
    assert "未提供市、县人民政府的批准" in result.findings[0].message


def test_an_approval_without_a_document_does_not_count(engine):
    result = engine.check("village", "", "抽调村干部1名到县里工作", approval=Approval("康平县人民政府", " "))
    assert first_clause(result) == (8, 4)


def test_an_approval_does_not_excuse_other_prohibitions(engine):
    result = engine.check(
        "village", "", "抽调村干部1名到县里工作，每天打卡", approval=Approval("康平县人民政府", "康政发〔2025〕1号")
    )
    assert [f.rule for f in result.findings] == ["A8-5-check-in"]


def test_approval_problem_names_the_body_that_cannot_approve():
    assert approval_problem(Approval("沈阳市人民政府", "沈政发〔2025〕1号")) is None
    assert "街道办事处" in approval_problem(Approval("南市场街道办事处", "x"))
    assert approval_problem(None)


def test_seconding_government_staff_to_a_community_is_not_a_secondment_from_it(engine):
    assert engine.check("residents", "", "抽调区直机关干部50名下沉社区").findings == []


# --- List matching ----------------------------------------------------------------------------------------------

ADMITS = [
    ("village", "请各村召集村民代表会议，讨论集体收益分配", "P01"),
    ("village", "请各村按季度公开村务和财务收支", "P06"),
    ("residents", "请协助做好城市低保对象年度复核", "A02"),
    ("residents", "请社区协助司法所做好社区矫正对象走访", "A04"),
    ("residents", "请社区开展禁毒宣传教育，落实禁毒防范措施", "A19"),
    ("village", "请各村协助做好森林草原火灾应急处置", "A25"),
    ("residents", "请协助做好居住证的申领受理和发放", "A20"),
    ("village", "本村五保户去世后无继承人，请村委会担任遗产管理人", "A08"),
]


@pytest.mark.parametrize(("kind", "content", "code"), ADMITS, ids=[a[2] for a in ADMITS])
def test_listed_work_is_admitted_with_the_matching_item(engine, kind, content, code):
    result = engine.check(kind, "", content)
    assert result.decision == ADMIT
    assert result.matched_items[0].code == code
    assert 0.4 <= result.matched_items[0].score <= 1.0


@pytest.mark.parametrize(
    ("content", "village_only"),
    [
        ("请社区召集村民会议讨论村集体土地承包方案", "P01"),
        ("请社区按季度公开村务和财务收支", "P06"),
        ("请社区居委会担任辖区无人继承遗产的遗产管理人", "A08"),
        ("请社区组织村民委员会换届选举", "P13"),
    ],
)
def test_village_only_items_never_match_for_a_residents_committee(engine, content, village_only):
    residents = engine.check("residents", "", content)
    assert village_only not in [m.code for m in residents.matched_items]
    assert residents.decision == PURCHASE_SERVICE
    assert village_only in [m.code for m in engine.check("village", "", content).matched_items]


def test_community_only_items_never_match_for_a_village_committee(engine):
    text = "请开展便民利民的社区服务活动"
    assert "P10" not in [m.code for m in engine.check("village", "", text).matched_items]
    assert engine.check("residents", "", text).matched_items[0].code == "P10"


def test_unlisted_work_is_a_purchase_of_service_citing_article_5_paragraph_2(engine):
    result = engine.check("village", "", "请各村协助退役军人事务局开展退役军人信息采集")
    assert result.decision == PURCHASE_SERVICE
    assert result.matched_items == []
    assert "第五条第二款" in result.explanation
    assert "同意" in result.explanation


def test_the_threshold_is_configurable_per_call_and_by_setting(items, settings):
    text = "请协助做好城市低保对象年度复核"
    assert Engine(items).check("residents", "", text).decision == ADMIT
    assert Engine(items).check("residents", "", text, threshold=0.99).decision == PURCHASE_SERVICE
    settings.ADMISSION_MATCH_THRESHOLD = 0.99
    assert Engine(items).check("residents", "", text).decision == PURCHASE_SERVICE


def test_scores_are_exposed_for_all_candidates(engine):
    scores = engine.scores("residents", "请协助做好城市低保对象年度复核")
    assert scores[0][0].code == "A02"
    assert all(0 < s <= 1 for _, s in scores)


# --- Result shape and explanation -------------------------------------------------------------------------------


def test_as_dict_has_exactly_the_design_contract_shape(engine):
    result = engine.check("residents", "", "请社区作为安全生产责任主体，协助做好低保复核").as_dict()
    assert set(result) == {"decision", "matched_items", "findings", "explanation"}
    assert result["decision"] in (ADMIT, REJECT, PURCHASE_SERVICE)
    for item in result["matched_items"]:
        assert set(item) == {"code", "name", "category", "score"}
        assert isinstance(item["score"], float)
    for finding in result["findings"]:
        assert set(finding) == {"article", "clause", "rule", "message", "evidence"}
        assert isinstance(finding["article"], int) and isinstance(finding["clause"], int)
    json.dumps(result, ensure_ascii=False)


def test_a_rejection_explains_itself_in_chinese_citing_article_and_clause(engine):
    result = engine.check("village", "", "给每个村下达年度招商引资任务500万元")
    assert "《辽宁省基层群众性自治组织工作清单管理规定》第八条第（一）项" in result.explanation
    assert "招商引资任务500万元" in result.explanation


def test_an_admission_names_the_matched_item(engine):
    result = engine.check("residents", "", "请协助做好城市低保对象年度复核")
    assert "A02" in result.explanation and "协助最低生活保障相关工作" in result.explanation
    assert "第五条第一款" in result.explanation


def test_explanations_follow_the_active_language(engine):
    from django.utils import translation

    with translation.override("en"):
        text = engine.check("village", "", "给每个村下达年度招商引资任务500万元").explanation
    assert "Article 8, clause (1)" in text


def test_rules_apply_only_from_the_regulation_in_force(engine):
    text = "信访稳定工作实行一票否决"
    assert engine.check("village", "", text, on=date(2022, 9, 30)).findings == []
    assert engine.check("village", "", text, on=date(2022, 10, 1)).decision == REJECT


def test_unknown_committee_kinds_are_refused(engine):
    with pytest.raises(ValueError):
        engine.check("street", "", "协助低保")


def test_check_request_builds_the_engine_for_a_list_once(items):
    first = check_request(items, "residents", "", "请协助做好低保复核")
    assert first.decision == ADMIT
    assert eng._engine_for(tuple(items)) is eng._engine_for(tuple(items))


# --- Rule files -------------------------------------------------------------------------------------------------

GOOD = """
[terms]
X_WORD = '打卡'
[[rule]]
id = "{id}"
article = 8
clause = {clause}
title = "t"
explanation = "e"
patterns = ['{pattern}']
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "rules.toml").write_text(text, encoding="utf-8")
    return folder


def test_a_city_can_add_its_own_rules_folder(tmp_path, items, settings):
    extra = write(
        tmp_path, "city", GOOD.format(id="SY-8-5-wechat", clause=5, pattern="朋友圈集赞").replace("X_WORD", "Y_WORD")
    )
    settings.ADMISSION_RULES_DIRS = [str(extra)]
    result = Engine(items).check("residents", "", "请社区居民朋友圈集赞")
    assert result.findings[0].rule == "SY-8-5-wechat"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.format(id="A", clause=9, pattern="x"), "no clause 9"),
        (GOOD.format(id="A", clause=5, pattern="("), "bad regular expression"),
        (GOOD.format(id="A", clause=5, pattern="{NOPE}"), "unknown term"),
        (
            GOOD.format(id="A", clause=5, pattern="x")
            + GOOD.split("[[rule]]")[1].join(["[[rule]]", ""]).format(id="A", clause=5, pattern="y"),
            "duplicate",
        ),
        ("[[rule]]\nid = 'A'\n", "required"),
        ("not toml [", "rules.toml"),
    ],
)
def test_a_broken_rule_file_is_refused_naming_the_problem(tmp_path, text, message):
    folder = write(tmp_path, "bad", text)
    with pytest.raises(RuleError, match=message):
        load_rules([folder])
