"""Property tests (hypothesis): analyze() never crashes and keeps its invariants on arbitrary forms."""

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.analysis import analyze
from reporting.elements import default_resolver

FIELD_PIECES = [
    "户籍人口",
    "常住人口",
    "（人）",
    "数",
    "低保户数",
    "低保人数",
    "60周岁以上老年人数",
    "党员数",
    "持证残疾人数",
    "文明家庭创建户数",
    "户",
    "人",
    "",
    " ",
]
field = st.one_of(st.lists(st.sampled_from(FIELD_PIECES), max_size=3).map("".join), st.text(max_size=12))
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
good_form = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1, max_size=6),
        "agency": st.sampled_from(["县民政局", "县卫健局", "县残联", "街道办"]),
        "name": st.text(max_size=8),
        "kind": st.sampled_from(["ledger", "report", "group", "app"]),
        "frequency": st.sampled_from(["daily", "weekly", "monthly", "quarterly", "semiannual", "annual", "adhoc"]),
        "deadline_days": st.integers(min_value=-3, max_value=60),
        "in_annual_plan": st.booleans(),
        "fields": st.lists(field, max_size=8),
    },
    optional={"list_item": st.one_of(st.none(), st.text(max_size=4))},
)
any_form = st.one_of(
    good_form,
    st.dictionaries(
        st.sampled_from(["id", "agency", "frequency", "deadline_days", "in_annual_plan", "fields", "list_item"]),
        anything,
    ),
    anything,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(any_form, max_size=6))
def test_analyze_never_crashes_on_arbitrary_forms(forms):
    result = analyze(forms)
    assert set(result) == {"overlaps", "rush", "unlisted", "burden"}
    assert all(isinstance(v, int) for v in result["burden"].values())


@settings(max_examples=300, deadline=None)
@given(st.lists(good_form, max_size=6))
def test_analysis_invariants_hold_for_valid_forms(forms):
    result = analyze(forms)
    burden = result["burden"]
    assert burden["fields_total"] == sum(len(f["fields"]) for f in forms)
    assert burden["fields_unique"] <= burden["fields_total"]
    entries = [(e["form"], e["field"]) for o in result["overlaps"] for e in o["fields"]]
    assert len(entries) == len(set(entries))  # each field in at most one group, once
    resolver = default_resolver()
    for overlap in result["overlaps"]:
        assert len(overlap["fields"]) >= 2
        assert overlap["multi_head"] == (len(overlap["agencies"]) >= 2)
        first = overlap["fields"][0]["field"]
        assert all(resolver.same_datum(first, e["field"]) for e in overlap["fields"])
    rush_ids = {r["form"] for r in result["rush"]}
    for f in forms:
        if not f["in_annual_plan"] or f["deadline_days"] < 5:
            assert f["id"].strip() in rush_ids or not f["id"].strip()
