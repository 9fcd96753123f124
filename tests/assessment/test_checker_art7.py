"""Focused tests of the Art. 7 assessment-plan checker (assessment/checker.py, assessment/rules/art7.toml).

Pure engine: no database.
"""

import csv
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.checker import (
    RULES_FILE,
    Finding,
    Indicator,
    PlanCheck,
    check_indicator,
    check_plan,
    check_text,
    default_rules,
    load_rules,
    normalise,
    rule_catalogue,
    unlisted_indicator_finding,
)

PLAN = "2025年度社区工作综合考核方案"


def clauses(description: str, evidence: tuple[str, ...] = (), name: str = "指标") -> set[int]:
    return {f.clause for f in check_indicator(Indicator(name, description, evidence), 0)}


# ------------------------------------------------------------------------------------------------ clause 1
@pytest.mark.parametrize(
    "text",
    [
        "信访稳定工作实行一票否决",
        "发生安全事故的实行“一票否定”",
        "该项为否决性指标",
        "发生森林火灾的，综合考核直接定为不合格",
        "取消年度评优资格",
        "出现违纪问题的，不得参加年度评优",
        "考核总分计为零分",
        "考核等次降一档",
        "此项工作不达标的，综合考核结果为不合格",
    ],
)
def test_one_vote_veto_is_found_in_any_wording(text):
    assert clauses(text) == {1}


@pytest.mark.parametrize(
    "text",
    [
        "本方案不设一票否决事项",
        "严禁以任何形式设立一票否决事项",
        "原“一票否决”事项一律取消",
        "发生安全事故的，本项不得分，不影响其他指标得分",
        "不因单一事件取消评优资格",
        "总分90分以上为优秀，60分以下为不合格",
    ],
)
def test_abolishing_the_veto_or_scoring_only_the_item_is_compliant(text):
    assert clauses(text) == set()


# ------------------------------------------------------------------------------------------------ clause 2
@pytest.mark.parametrize(
    "text",
    [
        "与各村签订森林防火目标责任状",
        "年初签订年度工作目标责任书",
        "各村向镇党委递交禁毒工作承诺书",
        "考核结果按得分排序，末位的社区主任作检讨",
        "得分排在后三位的社区进行表态发言",
        "每季度公布各社区得分名次",
        "设立红黑榜",
        "按得分从高到低公布各社区考核结果",
        "考核排名不对外公布，仅供内部参考",
    ],
)
def test_responsibility_letters_and_ranking_in_any_wording_are_clause_two(text):
    assert clauses(text) == {2}


def test_bands_without_quotas_are_fine_but_a_fixed_quota_is_disguised_ranking():
    assert clauses("按得分划分好、较好、一般三个档次") == set()
    assert clauses("得分90分及以上为优秀，不设比例限制") == set()
    assert clauses("优秀等次不超过30%") == {2}
    assert clauses("不合格等次按不低于10%的比例确定") == {2}
    assert clauses("各街道评定优秀社区名额控制在3个以内") == {2}


def test_comparison_with_the_average_is_disguised_ranking_but_own_progress_is_not():
    assert clauses("考核结果与平均分比较") == {2}
    assert clauses("完成率低于全街道平均水平的扣5分") == {2}
    assert clauses("与其他社区相比，工作进度靠后的予以通报") == {2}
    assert clauses("与上年度相比，救助及时率有所提高") == set()
    assert clauses("居民办事平均等待时间不超过15分钟") == set()


def test_prohibiting_ranking_is_compliant_even_with_coordinated_wording():
    assert clauses("严禁对村（社区）进行排名或变相排名") == set()
    assert clauses("考核结果只反馈给各社区本身，不排名、不通报") == set()


def test_ordering_by_name_or_code_is_not_ranking():
    assert clauses("考核结果按社区名称拼音排序公示") == set()


# ------------------------------------------------------------------------------------------------ clause 3
def test_a_ledger_as_one_means_of_verifying_real_outcomes_is_fine():
    assert clauses("困难群众救助资金按时足额发放", ("入户走访核实", "查阅台账")) == set()
    assert clauses("查阅台账，与入户核实结果比对，不一致的每户扣1分") == set()


def test_scoring_ledger_completeness_is_paperwork_in_place_of_results():
    assert clauses("以台账完整度计分") == {3}
    assert clauses("档案资料齐全规范的得满分") == {3}
    assert clauses("每缺一次会议记录扣2分") == {3}


def test_third_party_surveys_home_visits_and_residents_evaluation_are_fine():
    assert clauses("居民满意度", ("满意度测评由第三方开展",)) == set()
    assert clauses("诉求实际办结率", ("入户走访核实实际办理结果",)) == set()
    assert clauses("居民代表对社区年度工作进行民主评议，评议结果占20分") == set()


@pytest.mark.parametrize(
    "text",
    [
        "按上传工作照片数量计分",
        "工作群内每日发送工作动态截图",
        "录制社区活动视频并报送街道",
        "网格员每天在APP打卡",
        "智慧社区平台登录次数及在线时长纳入考核",
        "信息报送及时率达100%得满分",
        "制定印发相关工作方案得2分",
        "召开居民议事会议次数不少于6次",
    ],
)
def test_screenshots_photos_videos_app_data_and_document_counts_are_clause_three(text):
    assert clauses(text) == {3}


def test_assessing_only_by_reports_and_documents_is_clause_three_unless_results_are_checked_too():
    assert clauses("考核采取听汇报、看资料、查台账方式进行") == {3}
    assert clauses("考核采取听汇报、看资料、查台账方式进行", ("入户走访核实",)) == set()
    assert clauses("采取实地核查、入户走访、查阅资料、群众测评相结合的方式") == set()


def test_check_text_serves_free_text_such_as_work_requests():
    findings = check_text("请各社区每天在工作群打卡并上传工作照片")
    assert {(f.clause, f.indicator) for f in findings} == {(3, None)}
    assert check_text("") == []


def test_photos_as_the_only_evidence_are_clause_three():
    assert clauses("垃圾分类宣传入户", ("活动照片", "签到表")) == {3}


def test_not_requiring_photos_and_inspectors_own_photos_are_fine():
    assert clauses("不要求上传工作照片或截图，以实地查看结果为准") == set()
    assert clauses("严禁要求社区上传工作截图") == set()
    assert clauses("考核组现场查看时拍照取证") == set()


def test_a_negated_condition_still_imposes_the_paperwork():
    """Punishing those who do not upload photos (对不上传照片的扣分) demands photos."""
    assert clauses("对不上传照片的扣2分") == {3}
    assert clauses("不签订责任状的扣2分") == {2}
    assert clauses("无照片不得分") == {3}
    assert clauses("无需上传照片，不扣分") == set()


# ------------------------------------------------------------------------------------------------ clause 4
def test_research_without_scoring_is_fine_but_research_with_scoring_is_a_disguised_inspection():
    assert clauses("调研") == set()
    assert clauses("街道每季度到社区调研一次，了解实际困难，帮助解决问题") == set()
    assert clauses("调研不打分、不排名、不作为考核依据") == set()
    assert clauses("调研并现场打分") == {4}
    assert clauses("调研中发现的问题计入年度考核成绩") == {4}


@pytest.mark.parametrize(
    "text", ["每季度开展一次环境整治拉练活动", "年底组织社区治理观摩评比", "以调研名义对各村防汛准备情况进行检查"]
)
def test_drills_and_observation_contests_are_clause_four(text):
    assert clauses(text) == {4}


def test_a_real_emergency_drill_and_a_study_visit_are_not_disguised_inspections():
    assert clauses("每年组织一次消防应急演练，检验居民疏散实际效果") == set()
    assert clauses("组织村干部到先进地区参观学习") == set()
    assert clauses("不搞拉练式检查，不组织观摩评比") == set()


# ------------------------------------------------------------------------------------------------ plan and contract
def test_a_finding_in_the_title_has_indicator_none_and_indicators_are_numbered_from_zero():
    result = check_plan(
        "2025年度村级工作考核排名办法",
        [Indicator("养老", "助餐服务覆盖率", ["入户走访"]), Indicator("信访", "实行一票否决", [])],
    )
    assert not result.compliant
    assert [(f.indicator, f.clause) for f in result.findings] == [(None, 2), (1, 1)]


def test_a_clean_plan_is_compliant_with_no_findings():
    result = check_plan(PLAN, [Indicator("低保", "应保尽保", ["入户核查"]), Indicator("调解", "调解成功率", [])])
    assert result == PlanCheck(compliant=True, findings=[])
    assert result.as_dict() == {"compliant": True, "findings": []}


def test_as_dict_has_exactly_the_contract_shape_plus_rule():
    body = check_plan(PLAN, [{"name": "安全", "description": "实行一票否决", "evidence": ["现场检查"]}]).as_dict()
    assert set(body) == {"compliant", "findings"}
    assert body["compliant"] is False
    (finding,) = body["findings"]
    assert set(finding) == {"article", "clause", "indicator", "message", "evidence", "rule"}
    assert finding["article"] == 7
    assert finding["clause"] == 1
    assert finding["indicator"] == 0
    assert finding["rule"] == "veto-explicit"
    assert isinstance(finding["message"], str) and finding["message"]
    assert "一票否决" in finding["evidence"]


def test_evidence_is_a_short_excerpt_of_the_original_text():
    long = "本指标考核内容包括居民服务、环境整治、平安建设等多个方面的工作成效和群众反映情况以及其他相关事项" * 2
    finding = check_indicator(Indicator("综合", long + "实行一票否决" + long), 0)[0]
    assert "一票否决" in finding.evidence
    assert finding.evidence in long + "实行一票否决" + long
    assert len(finding.evidence) <= 60


def test_evidence_keeps_the_original_full_width_text_and_spacing():
    finding = check_indicator(Indicator("考核", "结果按得分　排 名，公布"), 0)[0]
    assert finding.evidence == "结果按得分　排 名"


def test_one_finding_per_rule_and_indicator_even_when_repeated():
    findings = check_indicator(Indicator("排名", "按得分排名", ["排名靠后的约谈", "排名通报"]), 3)
    assert [(f.rule, f.indicator) for f in findings] == [("ranking-explicit", 3)]


def test_check_indicator_gives_the_same_findings_as_check_plan():
    indicator = Indicator("台账", "以台账完整度计分", ["查阅台账"])
    assert check_indicator(indicator, 0) == check_plan(PLAN, [indicator]).findings


def test_indicators_may_be_given_as_request_mappings_with_missing_or_null_fields():
    result = check_plan(PLAN, [{"name": "排名"}, {"description": None, "evidence": None}, {"evidence": "录制视频"}])
    assert [(f.indicator, f.clause) for f in result.findings] == [(0, 2), (2, 3)]


def test_findings_are_ordered_by_indicator_then_clause():
    result = check_plan(PLAN, [Indicator("综合", "考核结果排名后三位的社区取消评优资格"), Indicator("拉练", "")])
    assert [(f.indicator, f.clause) for f in result.findings] == [(0, 1), (0, 2), (1, 4)]


# ------------------------------------------------------------------------------------------------ messages
def test_messages_are_chinese_by_default_and_cite_the_clause():
    finding = check_indicator(Indicator("信访", "实行一票否决"), 0)[0]
    assert finding.message.startswith("第七条第（一）项")


def test_messages_follow_the_active_language():
    with translation.override("en"):
        finding = check_indicator(Indicator("信访", "实行一票否决"), 0)[0]
    assert finding.message.startswith("Art. 7(1) One-vote veto:")


def test_the_unlisted_indicator_finding_names_the_indicator_and_the_opening_of_article_seven():
    finding = unlisted_indicator_finding(2, "招商引资完成额")
    assert (finding.article, finding.clause, finding.indicator, finding.rule) == (7, 0, 2, "unlisted-indicator")
    assert "招商引资完成额" in finding.message and "清单" in finding.message
    assert finding.evidence == "招商引资完成额"
    with translation.override("en"):
        assert "work list" in unlisted_indicator_finding(0, "x").message


# ------------------------------------------------------------------------------------------------ rule data
def test_every_rule_cites_article_seven_a_clause_and_explains_itself_in_chinese():
    rules = default_rules().rules
    assert {r.clause for r in rules} == {1, 2, 3, 4}
    for rule in rules:
        assert rule.article == 7
        assert rule.patterns
        assert any("\u4e00" <= ch <= "\u9fff" for ch in rule.explanation), rule.id
        assert rule.title and rule.title_en and rule.explanation_en


def test_the_rule_catalogue_lists_every_rule_for_display():
    catalogue = rule_catalogue()
    assert [r["id"] for r in catalogue] == [r.id for r in default_rules().rules]
    assert all(set(r) == {"id", "article", "clause", "title", "explanation"} for r in catalogue)


def test_an_officer_can_extend_the_rules_with_a_new_wording(tmp_path):
    extra = RULES_FILE.read_text(encoding="utf-8") + (
        '\n[[rule]]\nid = "local-wording"\narticle = 7\nclause = 2\ntitle = "示例"\n'
        "explanation = \"示例说明\"\npatterns = ['比学赶超']\n"
    )
    path = tmp_path / "art7.toml"
    path.write_text(extra, encoding="utf-8")
    rules = load_rules(path)
    assert check_plan(PLAN, [Indicator("x", "开展比学赶超")], rules).findings[0].rule == "local-wording"
    assert check_plan(PLAN, [Indicator("x", "开展比学赶超")]).compliant


@pytest.mark.parametrize(
    "entry, complaint",
    [
        ('id = "bad"\narticle = 7\nclause = 1\ntitle = "t"\nexplanation = "e"\npatterns = [\'(\']\n', "bad"),
        ('id = "nopat"\narticle = 7\nclause = 1\ntitle = "t"\nexplanation = "e"\n', "nopat"),
    ],
)
def test_a_malformed_rule_is_reported_with_its_id(tmp_path, entry, complaint):
    path = tmp_path / "rules.toml"
    path.write_text("[[rule]]\n" + entry, encoding="utf-8")
    with pytest.raises(ValueError, match=complaint):
        load_rules(path)


def test_normalisation_makes_full_width_and_spacing_irrelevant():
    assert normalise("ＡＰＰ 打卡，优秀等次不超过３０％") == "app打卡,优秀等次不超过30%"
    assert clauses("优秀等次不超过３０％") == {2}
    assert clauses("实行 “一票 否决”") == {1}


# ------------------------------------------------------------------------------------------------ properties
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.text(
    alphabet="排名一票否决台账照片调研打分不，。；：、的 \n％３0%优秀等次超过平均取消评优资格拉练", max_size=80
)
indicator_dicts = st.fixed_dictionaries({"name": texts, "description": texts, "evidence": st.lists(texts, max_size=4)})


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(title=texts, indicators=st.lists(indicator_dicts, max_size=4))
def test_check_plan_never_raises_on_arbitrary_text(title, indicators):
    result = check_plan(title, indicators)
    body = result.as_dict()
    assert body["compliant"] == (not body["findings"])
    sources = [title] + [t for ind in indicators for t in [ind["name"], ind["description"], *ind["evidence"]]]
    for finding in result.findings:
        assert finding.article == 7 and 1 <= finding.clause <= 4
        assert finding.indicator is None or 0 <= finding.indicator < len(indicators)
        # evidence is always an excerpt of the text it was found in
        assert finding.evidence and any(finding.evidence in s for s in sources)


def _corpus_descriptions() -> list[str]:
    path = Path(__file__).resolve().parent / "corpus.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["description"] for row in csv.DictReader(handle)]


@settings(max_examples=200)
@given(
    description=st.sampled_from(_corpus_descriptions()),
    spaces=st.lists(st.tuples(st.integers(min_value=0, max_value=200), st.sampled_from([" ", "\u3000", "\t"]))),
)
def test_inserting_spaces_never_changes_the_verdict(description, spaces):
    spaced = description
    for position, space in spaces:
        position = min(position, len(spaced))
        spaced = spaced[:position] + space + spaced[position:]
    assert clauses(spaced) == clauses(description)


@settings(max_examples=200)
@given(st.sampled_from(_corpus_descriptions()))
def test_full_width_and_half_width_forms_give_the_same_verdict(description):
    half = description.translate({ord("，"): ",", ord("；"): ";", ord("："): ":", ord("％"): "%"})
    full = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in description)
    assert clauses(half) == clauses(description) == clauses(full)


def test_finding_is_a_frozen_value():
    finding = Finding(7, 1, 0, "veto-explicit", "m", "e")
    with pytest.raises(AttributeError):
        finding.clause = 2  # type: ignore[misc]


def test_the_checker_runs_without_django_and_then_speaks_chinese():
    import subprocess
    import sys

    code = (
        "from assessment.checker import check_plan, Indicator\n"
        "r = check_plan('', [Indicator('信访', '实行一票否决')])\n"
        "print(r.findings[0].message)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("第七条第（一）项【一票否决】")


def test_the_chinese_catalogue_translates_every_message():
    import polib

    po = polib.pofile(str(Path(__file__).resolve().parents[2] / "assessment/locale/zh_Hans/LC_MESSAGES/django.po"))
    assert po.percent_translated() == 100
    assert not po.fuzzy_entries()
    # The compiled catalogue holds the same translations (file times are not kept by git, so compare content).
    mo = polib.mofile(str(Path(po.fpath).with_suffix(".mo")))
    # Entries with a context (pgettext) are their own entries: key by (context, msgid).
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    assert all(compiled.get((e.msgctxt, e.msgid)) == e.msgstr for e in po.translated_entries() if not e.msgid_plural)
