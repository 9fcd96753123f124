"""analyze() returns the §8 response of POST /api/v1/reporting/analyze (pure: no database)."""

import pytest
from django.utils import translation

from reporting.analysis import analyze
from reporting.elements import Resolver


def form(
    id, agency, fields, *, frequency="annual", deadline_days=10, in_annual_plan=True, list_item="A01", kind="report"
):  # noqa: A002
    data = {
        "id": id,
        "agency": agency,
        "name": f"{id}表",
        "kind": kind,
        "frequency": frequency,
        "deadline_days": deadline_days,
        "in_annual_plan": in_annual_plan,
        "fields": fields,
    }
    if list_item is not None:
        data["list_item"] = list_item
    return data


FORMS = [
    form("F1", "县民政局", ["户籍总人口(人)", "60周岁以上老年人数", "低保户数（户）", "低保人数"], frequency="monthly"),
    form("F2", "县卫健局", ["户籍人口数", "65周岁以上老年人数", "育龄妇女数"], frequency="quarterly"),
    form("F3", "县民政局", ["户籍人口", "60岁及以上老人数量", "文明家庭创建户数"], deadline_days=3, list_item=None),
    form(
        "F4",
        "县残联",
        ["持证残疾人数", "享受低保的残疾人数", "文明家庭创建户数（户）"],
        in_annual_plan=False,
        frequency="weekly",
    ),
]


@pytest.fixture(scope="module")
def result():
    with translation.override("zh-hans"):
        return analyze(FORMS)


def test_the_response_has_exactly_the_contract_keys(result):
    assert set(result) == {"overlaps", "rush", "unlisted", "burden"}
    for overlap in result["overlaps"]:
        assert set(overlap) == {"element", "fields", "agencies", "multi_head"}
        for entry in overlap["fields"]:
            assert set(entry) == {"form", "field"}
    for entry in result["rush"]:
        assert set(entry) == {"form", "reasons"}
        assert all(isinstance(reason, str) for reason in entry["reasons"])
    assert set(result["burden"]) == {"fields_total", "fields_unique", "filings_per_year"}


def _group(result, element):
    return next(o for o in result["overlaps"] if o["element"] == element)


def test_the_same_datum_asked_by_two_agencies_is_a_multi_head_overlap(result):
    population = _group(result, "户籍人口")
    assert population["fields"] == [
        {"form": "F1", "field": "户籍总人口(人)"},
        {"form": "F2", "field": "户籍人口数"},
        {"form": "F3", "field": "户籍人口"},
    ]
    assert population["agencies"] == ["县民政局", "县卫健局"]
    assert population["multi_head"] is True


def test_the_same_datum_asked_twice_by_one_agency_is_an_overlap_but_not_multi_head(result):
    elderly = _group(result, "60周岁及以上老年人数")
    assert [f["form"] for f in elderly["fields"]] == ["F1", "F3"]
    assert elderly["agencies"] == ["县民政局"]
    assert elderly["multi_head"] is False


def test_an_unresolved_field_still_groups_by_its_normalised_name(result):
    group = _group(result, "文明家庭创建户数")
    assert group["fields"] == [
        {"form": "F3", "field": "文明家庭创建户数"},
        {"form": "F4", "field": "文明家庭创建户数（户）"},
    ]
    assert group["multi_head"] is True


def test_different_data_are_never_in_one_group(result):
    elements = [o["element"] for o in result["overlaps"]]
    assert "65周岁及以上老年人数" not in elements  # 65 岁 asked once only; not merged with 60 岁
    assert "低保户数" not in elements and "低保人数" not in elements
    assert "持证残疾人数" not in elements


def test_each_field_is_in_at_most_one_group_and_groups_have_two_or_more(result):
    seen = [(f["form"], f["field"]) for o in result["overlaps"] for f in o["fields"]]
    assert len(seen) == len(set(seen))
    assert all(len(o["fields"]) >= 2 for o in result["overlaps"])


def test_overlaps_put_the_most_agencies_first(result):
    counts = [len(o["agencies"]) for o in result["overlaps"]]
    assert counts == sorted(counts, reverse=True)


def test_forms_outside_the_plan_or_with_short_notice_are_rush(result):
    rush = {entry["form"]: entry["reasons"] for entry in result["rush"]}
    assert set(rush) == {"F3", "F4"}
    assert len(rush["F3"]) == 1 and "3天" in rush["F3"][0] and "5天" in rush["F3"][0] and "第六条" in rush["F3"][0]
    assert len(rush["F4"]) == 1 and "年度报送计划" in rush["F4"][0]


def test_the_minimum_notice_is_configurable():
    forms = [form("A", "x", ["党员数"], deadline_days=6)]
    assert analyze(forms)["rush"] == []
    assert [r["form"] for r in analyze(forms, min_notice_days=7)["rush"]] == ["A"]
    assert analyze([form("B", "x", [], deadline_days=5)])["rush"] == []


def test_rush_reasons_follow_the_active_language():
    forms = [form("A", "x", [], deadline_days=1, in_annual_plan=False)]
    with translation.override("en"):
        reasons = analyze(forms)["rush"][0]["reasons"]
    assert reasons[0].startswith("Not in the annual reporting plan")
    assert "fewer than the minimum of 5 days" in reasons[1]


def test_forms_without_a_list_item_are_unlisted(result):
    assert result["unlisted"] == [{"form": "F3"}]
    assert analyze([form("X", "a", [], list_item="  ")])["unlisted"] == [{"form": "X"}]


def test_burden_counts_fields_distinct_data_and_filings_per_year(result):
    burden = result["burden"]
    assert burden["fields_total"] == 13
    # 户籍人口, 60+, 低保户, 低保人, 65+, 育龄妇女, 文明家庭创建户数, 持证残疾人, 低保残疾人
    assert burden["fields_unique"] == 9
    assert burden["filings_per_year"] == 12 + 4 + 1 + 52


@pytest.mark.parametrize(
    ("frequency", "filings"),
    [("daily", 365), ("weekly", 52), ("monthly", 12), ("quarterly", 4), ("semiannual", 2), ("annual", 1), ("adhoc", 1)],
)
def test_each_frequency_counts_its_filings_per_year(frequency, filings):
    assert analyze([form("A", "x", [], frequency=frequency)])["burden"]["filings_per_year"] == filings


def test_an_overlap_is_named_by_the_element_canonical_name():
    result = analyze([form("A", "x", ["低保对象人数"]), form("B", "y", ["享受低保人数（人）"])])
    assert [o["element"] for o in result["overlaps"]] == ["低保人数"]


def test_a_field_repeated_verbatim_in_one_form_is_listed_once():
    result = analyze([form("A", "x", ["党员数", "党员数"])])
    assert result["overlaps"] == []
    assert result["burden"]["fields_total"] == 2
    assert result["burden"]["fields_unique"] == 1


def test_two_wordings_in_one_form_are_an_overlap_of_one_agency():
    result = analyze([form("A", "x", ["党员数", "党员人数（人）"])])
    assert result["overlaps"] == [
        {
            "element": "党员数",
            "fields": [{"form": "A", "field": "党员数"}, {"form": "A", "field": "党员人数（人）"}],
            "agencies": ["x"],
            "multi_head": False,
        }
    ]


def test_a_resolver_with_learnt_mappings_can_be_passed_in():
    forms = [form("A", "x", ["两癌筛查适龄妇女数"]), form("B", "y", ["育龄妇女人数"])]
    assert analyze(forms)["overlaps"] == []
    resolver = Resolver(learnt_mappings=[("两癌筛查适龄妇女数", "CHD006")])
    assert [o["element"] for o in analyze(forms, resolver=resolver)["overlaps"]] == ["育龄妇女数"]


def test_no_forms_give_an_empty_analysis():
    assert analyze([]) == {
        "overlaps": [],
        "rush": [],
        "unlisted": [],
        "burden": {"fields_total": 0, "fields_unique": 0, "filings_per_year": 0},
    }


def test_two_fields_are_the_same_datum_exactly_when_they_share_a_group():
    names = [
        "户籍人口",
        "户籍总人口(人)",
        "常住人口",
        "低保户数",
        "低保人数",
        "低保家庭数",
        "文明家庭创建户数",
        "文明家庭创建户数（户）",
        "60岁以上老年人数",
        "65岁以上老年人数",
        "老年人口",
    ]
    forms = [form(f"F{i}", f"a{i}", [name]) for i, name in enumerate(names)]
    result = analyze(forms)
    group_of = {f["field"]: i for i, o in enumerate(result["overlaps"]) for f in o["fields"]}
    resolver = Resolver()
    for a in names:
        for b in names:
            if a != b:
                shared = a in group_of and group_of.get(a) == group_of.get(b)
                assert shared == resolver.same_datum(a, b), (a, b)


def test_unresolved_fields_are_listed_once_per_meaning_for_the_mapping_queue():
    from reporting.analysis import unresolved_fields

    queue = unresolved_fields(FORMS)
    assert queue == [
        {
            "normalised": "文明家庭创建户数",
            "names": ["文明家庭创建户数", "文明家庭创建户数（户）"],
            "forms": ["F3", "F4"],
            "reason": "unresolved",
        }
    ]
    resolver = Resolver(learnt_mappings=[("文明家庭创建户数", "POP002")])
    assert unresolved_fields(FORMS, resolver=resolver) == []


def test_breakdown_lines_of_different_forms_are_never_merged():
    forms = [form("A", "x", ["党员数", "其中：女"]), form("B", "y", ["户籍人口", "其中：女"])]
    result = analyze(forms)
    assert result["overlaps"] == []
    assert result["burden"]["fields_unique"] == 4


def test_the_minimum_notice_comes_from_settings_when_not_given(settings):
    settings.REPORTING_MIN_NOTICE_DAYS = 10
    forms = [form("A", "x", [], deadline_days=8)]
    assert [r["form"] for r in analyze(forms)["rush"]] == ["A"]
    assert analyze(forms, min_notice_days=5)["rush"] == []


def test_malformed_entries_are_read_cautiously():
    result = analyze(
        [
            "not a form",
            {"agency": "x", "fields": ["党员数", None, 12], "deadline_days": "3", "in_annual_plan": "yes"},
            {"id": "B", "agency": "y", "fields": "党员数", "frequency": "hourly", "in_annual_plan": True},
        ]
    )
    assert result["rush"][0]["form"] == "#2"  # no id: its position
    assert len(result["rush"][0]["reasons"]) == 2  # "yes" is not true; "3" days is short
    assert result["burden"] == {"fields_total": 2, "fields_unique": 2, "filings_per_year": 2}


def test_fields_are_reported_exactly_as_the_form_wrote_them():
    result = analyze([form("A", "x", ["户籍人口　"]), form("B", "y", [" 户籍人口数 "])])
    assert result["overlaps"][0]["fields"] == [
        {"form": "A", "field": "户籍人口　"},
        {"form": "B", "field": " 户籍人口数 "},
    ]


@pytest.mark.parametrize(("days", "english", "chinese"), [
    (1, "Gives 1 day to report", "报送时限为1天"),
    (3, "Gives 3 days to report", "报送时限为3天"),
])
def test_a_short_notice_reason_counts_its_days_in_either_language(days, english, chinese):
    form = {"id": "f", "name": "台账", "fields": ["户籍人口"], "deadline_days": days, "in_annual_plan": True,
            "list_items": ["A1"]}
    for language, expected in (("en", english), ("zh-hans", chinese)):
        with translation.override(language):
            [rush] = analyze([form], resolver=Resolver())["rush"]
            assert rush["reasons"][0].startswith(expected)
