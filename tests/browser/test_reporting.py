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
    assert row.locator(f"a[href='/reporting/channels/{channel_id}/']").count() >= 1  # among the channels asking it
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


PASTE_SHOTS = Path("/tmp/shots-rep")


def test_an_agency_edits_its_channel_and_the_county_pastes_forms_to_analyse(page, login, e2e_server):  # noqa: ANN001
    base = e2e_server["url"]
    PASTE_SHOTS.mkdir(exist_ok=True)

    # 皇姑区卫生健康局 registers a channel, then corrects it: the county reviews the corrected version.
    as_user(page, login, "huanggu.health")
    page.goto(f"{base}/reporting/channels/new/")
    page.fill("#name", "孕产妇随访登记表（浏览器测试）")
    page.fill("#list_items", "A23")
    page.fill("#fields", "孕产妇人数")
    page.locator("#channel-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/reporting/channels/\d+/$"))
    channel_url = page.url
    page.click("#edit-channel")
    page.wait_for_url(re.compile(r"/reporting/channels/\d+/edit/$"))
    page.fill("#fields", "孕产妇人数\n户籍人口数")
    page.fill("#notice_days", "20")
    page.locator("#channel-form button[type=submit]").click()
    page.wait_for_url(channel_url)
    assert page.locator("#fields tbody tr").count() == 2
    assert "修改了提前天数、字段" in page.locator("#history li").first.inner_text()  # the history names the change
    page.screenshot(path=str(PASTE_SHOTS / "reporting-edit-1-saved.png"), full_page=True)

    # 皇姑区民政局 pastes three forms (one a header row copied from Excel) and sees the analysis.
    as_user(page, login, "huanggu.ca")
    page.goto(f"{base}/reporting/")
    page.click("#analyze-link")
    page.wait_for_url(f"{base}/reporting/analyze/")
    page.fill("#text", "实有人口台账 | 公安分局\n户籍人口数\n户籍户数\n\n"
                       "老年人摸底表 | 卫生健康局\n户籍人口\t65周岁以上老年人口数\t签约家庭医生的独居老人数（新）\n\n"
                       "残疾人情况表 | 残联\n户籍人口（人）\n持证残疾人数")
    page.fill("#deadline_days", "3")
    page.click("#analyze")
    page.wait_for_url(f"{base}/reporting/analyze/")
    row = page.locator("#overlaps tbody tr", has_text="户籍人口").first
    assert "实有人口台账" in row.inner_text() and "残疾人情况表" in row.inner_text()
    assert row.locator(".flag").count() == 1  # multi-head: three agencies ask for it
    assert page.locator("#unresolved tbody tr", has_text="签约家庭医生的独居老人数（新）").count() == 1
    assert page.locator("#rush li").count() == 3
    assert page.locator("#text").input_value().startswith("实有人口台账")  # the paste stays for the next try
    page.screenshot(path=str(PASTE_SHOTS / "reporting-paste-2-analysis.png"), full_page=True)
