"""Properties of the admission check: it never raises on arbitrary text and always answers in the contract's shape."""

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admission.engine import Approval, Engine, check_request, items_from_csv, load_rules

ROOT = Path(__file__).resolve().parents[2]
ITEMS = items_from_csv(ROOT / "data" / "reference" / "sample-catalog.csv")
ENGINE = Engine(ITEMS)
SEVERITY = {r.id: r.severity for r in load_rules()}

# Text drawn from the domain as well as from all of Unicode, so that rules and the matcher are actually exercised.
DOMAIN = st.sampled_from(
    [
        "社区",
        "村委会",
        "作为",
        "责任主体",
        "不",
        "不得",
        "打卡",
        "（",
        "）",
        "，",
        "。",
        "一票否决",
        "抽调",
        "工作人员",
        "低保",
        "排名",
        "考核",
        "截图",
        "上传",
        "牌子",
        "悬挂",
        "保险",
        "不少于",
        "50户",
        "\n",
        " ",
        "【",
        "“",
    ]
)
TEXT = st.one_of(st.text(), st.lists(DOMAIN, max_size=30).map("".join))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["village", "residents"]),
    title=TEXT,
    content=TEXT,
    approval=st.one_of(st.none(), st.builds(Approval, st.text(max_size=20), st.text(max_size=20))),
)
def test_check_request_never_raises_and_keeps_the_contract(kind, title, content, approval):
    result = check_request(ITEMS, kind, title, content, approval=approval)
    body = result.as_dict()
    json.dumps(body, ensure_ascii=False)
    assert body["decision"] in ("admit", "reject", "purchase_service")
    assert (body["decision"] == "reject") == bool(body["findings"])
    if body["decision"] == "admit":
        assert body["matched_items"]
    if body["decision"] == "purchase_service":
        assert body["matched_items"] == []
    severities = [SEVERITY[f["rule"]] for f in body["findings"]]
    assert severities == sorted(severities, reverse=True)
    assert all(0 < m["score"] <= 1 for m in body["matched_items"])
    assert body["explanation"]


@settings(deadline=None)
@given(st.text())
def test_findings_do_not_depend_on_decorative_formatting(text):
    plain = [f.rule for f in ENGINE.findings("", text)]
    decorated = [f.rule for f in ENGINE.findings("", "【" + text.replace("，", ",") + "】")]
    assert plain == decorated
