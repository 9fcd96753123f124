"""Art. 6 in a real browser with the demo users: a department registers a channel, the county sees the overlap and
merges it, a township publishes next year's plan, a committee fills its data once and two agencies receive their
forms."""

import re
from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
NAME = "社区慢病随访月报（浏览器测试）"


def as_user(page, login, username):  # noqa: ANN001, ANN201
    page.context.clear_cookies()
    login(username)


def test_register_review_merge_plan_fill_once_and_two_agencies_receive(page, login, e2e_server):  # noqa: ANN001
    base = e2e_server["url"]
    SHOTS.mkdir(exist_ok=True)

    # 皇姑区卫生健康局 registers a channel that asks 户籍人口 again.
    as_user(page, login, "huanggu.health")
    page.goto(f"{base}/reporting/channels/new/")
    page.fill("#name", NAME)
    page.select_option("#frequency", "monthly")
    page.fill("#list_items", "A23")
    page.fill("#fields", "户籍人口数\n孕产妇人数\n高血压患者数")
    page.locator("#channel-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/reporting/channels/\d+/$"))
    channel_url = page.url
    channel_id = re.search(r"/channels/(\d+)/", channel_url).group(1)
    assert page.locator("#fields tbody tr").count() == 3
    page.screenshot(path=str(SHOTS / "reporting-1-registered.png"), full_page=True)

    # 皇姑区民政局 (for the county government) sees the overlap and merges the channel into the approved one.
    as_user(page, login, "huanggu.ca")
    page.goto(f"{base}/reporting/review/210105000000/")
    row = page.locator("#overlaps tbody tr", has_text="户籍人口").first
    assert f"({channel_id})" in row.inner_text()
    assert page.locator("#pending", has_text=NAME).count() == 1
    page.screenshot(path=str(SHOTS / "reporting-2-review.png"), full_page=True)
    page.goto(channel_url)
    page.select_option("#into", label="皇姑区卫生健康局：老年人健康管理月报")
    page.fill("#merge-reason", "与老年人健康管理月报重复，合并报送")
    page.click("#merge")
    page.wait_for_url(channel_url)
    assert page.locator("#channel-status").inner_text() in ("已合并到其他渠道", "Merged into another channel")

    # 鸭绿江街道 publishes next year's plan.
    next_year = date.today().year + 1
    as_user(page, login, "yalujiang.street")
    page.goto(f"{base}/reporting/plan/?year={next_year}")
    option = page.locator("#channel option", has_text="老年人健康管理月报").get_attribute("value")
    page.select_option("#channel", option)
    page.fill("#due", "每月5日前")
    page.locator("#add-entry button").click()
    page.wait_for_url(re.compile(r"/reporting/plan/"))
    assert page.locator("#entries tbody tr", has_text="老年人健康管理月报").count() == 1
    page.click("#publish")
    page.wait_for_url(re.compile(r"/reporting/plan/"))
    assert page.locator("#publish").count() == 0 and page.locator("#plan-status").inner_text() != ""
    page.screenshot(path=str(SHOTS / "reporting-3-plan.png"), full_page=True)

    # 文官村 enters every figure once; the 户籍人口 row is one input although several agencies ask for it.
    as_user(page, login, "wenguan.village")
    page.goto(f"{base}/reporting/fill/")
    inputs = page.locator("#sheet input[id^=v-POP001-]")
    assert inputs.count() >= 1
    all_inputs = page.locator("#sheet input[id^=v-]")
    for i in range(all_inputs.count()):
        all_inputs.nth(i).fill(str(20 + i))
    page.click("#save-sheet")
    page.wait_for_url(f"{base}/reporting/fill/")
    delivered = page.locator("#delivered").inner_text()
    assert "皇姑区卫生健康局" in delivered and "皇姑区残疾人联合会" in delivered
    page.screenshot(path=str(SHOTS / "reporting-4-filled.png"), full_page=True)

    # Two agencies receive their forms.
    for username, form in (("huanggu.health", "老年人健康管理月报"), ("huanggu.disabled", "残疾人基本状况季报")):
        as_user(page, login, username)
        page.goto(f"{base}/reporting/received/")
        assert page.locator("#received tbody tr", has_text=form).filter(has_text="210105023201").count() == 1
    page.screenshot(path=str(SHOTS / "reporting-5-received.png"), full_page=True)
