"""End to end (Art. 5, 8): a department's request is checked, confirmed and done by the committee; a committee refuses
an unadmitted request citing the regulation; a purchase of service with two consents and one refusal."""

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
WENGUAN_VILLAGE, WANFANG, WENGUAN_COMMUNITY = "210105023201", "210105023001", "210105023003"


def _watch(page):  # noqa: ANN001, ANN202
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return problems


def _as(page, login, username):  # noqa: ANN001, ANN202
    page.context.clear_cookies()
    login(username)


def _send(page, base, title, content, committees, days=14):  # noqa: ANN001, ANN202
    page.goto(f"{base}/admission/requests/new/")
    page.fill("#id_title", title)
    page.fill("#id_content", content)
    page.fill("#id_deadline", (date.today() + timedelta(days=days)).isoformat())
    page.fill("#id_committees", " ".join(committees))
    page.click("#save-request")
    page.wait_for_url("**/admission/requests/*/")
    url = page.url
    page.click("#submit-request")
    page.wait_for_url(url)
    return url


def _open_in_inbox(page, base, title):  # noqa: ANN001, ANN202
    page.goto(f"{base}/admission/inbox/")
    page.click(f"#inbox a:has-text('{title}')")
    page.wait_for_url("**/admission/inbox/*/")


def test_a_department_request_is_confirmed_and_the_committee_acknowledges_and_completes_it(page, login, e2e_server):
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]
    title = f"协助开展65岁以上老年人健康体检宣传（{uuid.uuid4().hex[:6]}）"

    _as(page, login, "huanggu.health")
    url = _send(page, base, title, "请协助做好辖区65岁以上老年人免费健康体检的政策宣传，通知居民到社区卫生服务中心参加体检。",
                [WENGUAN_VILLAGE])
    assert page.get_attribute("#request-status", "data-status") == "submitted"
    assert page.locator("#check-decision").count() == 1

    _as(page, login, "huanggu.ca")
    page.goto(url)
    page.screenshot(path=str(SHOTS / "admission-1-review.png"), full_page=True)
    page.click("#review-button")
    page.wait_for_url(url)
    assert page.get_attribute("#request-status", "data-status") == "decided"
    assert page.locator("#final-decision").count() == 1

    _as(page, login, "wenguan.village")
    _open_in_inbox(page, base, title)
    assert page.locator("#support").count() == 1  # the list item and the Art. 5 support
    page.click("#acknowledge")
    page.wait_for_load_state()
    assert page.get_attribute("#target-status", "data-status") == "acknowledged"
    page.click("#complete")
    page.wait_for_load_state()
    assert page.get_attribute("#target-status", "data-status") == "completed"
    page.screenshot(path=str(SHOTS / "admission-2-completed.png"), full_page=True)

    _as(page, login, "huanggu.health")
    page.goto(url)
    assert page.get_attribute(f"tr[data-committee='{WENGUAN_VILLAGE}'] .target-status", "data-status") == "completed"
    assert not problems, problems


def test_a_committee_refuses_an_unadmitted_request_and_the_sender_sees_the_citation(page, login, e2e_server):
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]
    title = f"关于落实村委会违法建设治理责任的通知（{uuid.uuid4().hex[:6]}）"

    _as(page, login, "yalujiang.street")
    url = _send(page, base, title, "由村委会作为辖区违法建设治理的责任主体，负责违建的日常巡查、制止和拆除，并承担管理责任。",
                [WENGUAN_VILLAGE])
    assert page.get_attribute("#check-decision", "class").endswith("decision-reject")

    _as(page, login, "wenguan.village")
    _open_in_inbox(page, base, title)
    assert page.locator("#check .finding").count() >= 1
    page.click("#refuse")
    page.wait_for_load_state()
    assert page.get_attribute("#target-status", "data-status") == "refused"
    refusal = page.inner_text("#refusal")
    assert "第八条第（一）项" in refusal
    page.screenshot(path=str(SHOTS / "admission-3-refused.png"), full_page=True)

    for username in ("yalujiang.street", "huanggu.ca"):
        _as(page, login, username)
        page.goto(url)
        row = page.locator(f"tr[data-committee='{WENGUAN_VILLAGE}']")
        assert row.locator(".target-status").get_attribute("data-status") == "refused"
        assert "第八条第（一）项" in row.inner_text()
    assert not problems, problems


def test_a_purchase_of_service_with_two_consents_and_one_refusal(page, login, e2e_server):
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]
    title = f"社区垃圾分类桶边督导服务（{uuid.uuid4().hex[:6]}）"

    _as(page, login, "huanggu.health")
    url = _send(page, base, title, "由社区安排人员在垃圾投放点开展垃圾分类桶边督导，区城管局按月支付服务费用。",
                [WANFANG, WENGUAN_COMMUNITY, WENGUAN_VILLAGE])

    _as(page, login, "huanggu.ca")
    page.goto(url)
    page.select_option("#id_decision", "purchase_service")
    page.fill("#id_reason", "未列入清单，按购买服务办理")
    page.click("#review-button")
    page.wait_for_url(url)
    assert page.locator("#purchase").count() == 1

    for username, action in (("wanfang.community", "#consent"), ("wenguan.community", "#consent"),
                             ("wenguan.village", "#decline")):
        _as(page, login, username)
        _open_in_inbox(page, base, title)
        page.click(action)
        page.wait_for_load_state()
        assert page.get_attribute("#target-status", "data-status") in ("consented", "declined")

    _as(page, login, "huanggu.gov")
    page.goto(url)
    page.fill("#purchase #id_document", "皇政办〔2026〕7号")
    page.click("#arrange-button")
    page.wait_for_url(url)
    page.click("#purchase summary")
    page.fill("#id_price", "36000")
    page.fill("#id_deliverables", "每日桶边督导2小时，按月报送服务记录")
    page.click("#contract-button")
    page.wait_for_url(url)
    assert "36000" in page.inner_text("#contract-price")
    statuses = {code: page.get_attribute(f"tr[data-committee='{code}'] .target-status", "data-status")
                for code in (WANFANG, WENGUAN_COMMUNITY, WENGUAN_VILLAGE)}
    assert statuses == {WANFANG: "delivered", WENGUAN_COMMUNITY: "delivered", WENGUAN_VILLAGE: "declined"}
    page.screenshot(path=str(SHOTS / "admission-4-purchase.png"), full_page=True)
    assert not problems, problems


def test_anyone_checks_a_notice_for_a_committee_and_can_print_the_decision(page, e2e_server):
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]
    page.goto(f"{base}/admission/check/?region={WENGUAN_VILLAGE}")
    assert page.input_value("#id_region") == WENGUAN_VILLAGE
    page.fill("#id_title", "招商引资任务")
    page.fill("#id_content", "给每个村下达年度招商引资任务500万元，年底考核。")
    page.click("#check-button")
    page.wait_for_selector("#check-result")
    assert page.get_attribute("#decision", "data-decision") == "reject"
    assert "第八条第（一）项" in page.inner_text("#check-result")
    assert page.locator("#print-button").count() == 1
    page.screenshot(path=str(SHOTS / "admission-5-public-check.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("form.card").is_visible()
    assert page.locator("#check-result").is_visible()
    assert not problems, problems
