"""The Art. 4 lifecycle in a real browser, with the demo users: a county list drafted from the upper list, submitted,
approved by the county government, published, filed, received and accepted upstream, then adjusted with a diff;
the public portal shows the result."""

import re

import pytest

pytestmark = pytest.mark.browser

DOCUMENT = "皇政〔2026〕E2E号"


def as_user(page, login, username):
    page.context.clear_cookies()
    login(username)


def test_county_list_lifecycle_from_draft_to_accepted_filing_and_adjustment(page, login, e2e_server):
    base = e2e_server["url"]

    # 皇姑区民政局 derives a new version from the 沈阳市 list in force.
    as_user(page, login, "huanggu.ca")
    page.goto(f"{base}/worklists/work/")
    page.select_option("#src-210105000000", "upper")
    page.fill("#note-210105000000", "依据沈阳市清单重新梳理（浏览器测试）")
    page.locator("#start-210105000000 button").click()
    page.wait_for_url(re.compile(r"/worklists/work/v/\d+/$"))
    version_url = page.url

    # Leave out the forest-fire item with its reason, and add the local item again with its legal basis.
    row = page.locator("#row-A25")
    row.locator("input[name=reason]").fill("本区为中心城区，无森林草原")
    row.get_by_role("button").click()
    page.wait_for_url(version_url)
    assert page.locator("#row-A25").count() == 0
    page.click("a[href$='/item/new/']")
    page.fill("#id_code", "HG01")
    page.fill("#id_name", "协助开展社区全民健身活动")
    page.fill("#id_content", "协助组织村（居）民开展全民健身活动（示例）")
    page.select_option("#id_category", "assist")
    page.select_option("#id_applies_to", "both")
    page.fill("#id_basis", "全民健身条例")
    page.locator("form.stack button.primary").click()
    page.wait_for_url(version_url)
    assert page.locator("#row-HG01").count() == 1

    page.click("#wl-submit")
    page.wait_for_url(version_url)
    assert page.locator("#wl-submit").count() == 0

    # 皇姑区人民政府 approves with its document number.
    as_user(page, login, "huanggu.gov")
    page.goto(version_url)
    page.fill("#id_document", DOCUMENT)
    page.fill("#id_approved_on", "2026-11-20")
    page.click("#wl-approve")
    page.wait_for_url(version_url)
    assert DOCUMENT in page.content()

    # 皇姑区民政局 publishes and files it with 沈阳市民政局.
    as_user(page, login, "huanggu.ca")
    page.goto(version_url)
    page.click("#wl-publish")
    page.wait_for_url(version_url)
    page.click("#wl-file")
    page.wait_for_url(version_url)
    assert page.locator("#wl-filing-status").count() == 1

    # 沈阳市民政局 receives the filing from its notifications and accepts it.
    as_user(page, login, "shenyang.ca")
    page.goto(f"{base}/worklists/work/")
    page.locator("a[href*='/worklists/work/filing/']").first.click()
    page.click("#wl-receive")
    page.fill("#id_comments", "经审查，同意备案")
    page.click("#wl-accept")
    page.wait_for_selector("#wl-filing-status")
    assert page.locator("#wl-accept").count() == 0

    # 皇姑区民政局 starts an adjustment, changes one item, and sees the diff.
    as_user(page, login, "huanggu.ca")
    page.goto(f"{base}/worklists/work/")
    page.select_option("#src-210105000000", "previous")
    page.fill("#note-210105000000", "调整服务部门（浏览器测试）")
    page.locator("#start-210105000000 button").click()
    page.wait_for_url(re.compile(r"/worklists/work/v/\d+/$"))
    adjustment_url = page.url
    assert adjustment_url != version_url
    page.locator("#row-A12 a").first.click()
    page.fill("#id_agency", "统计（区统计局）")
    page.locator("form.stack button.primary").click()
    page.wait_for_url(adjustment_url)
    diff = page.locator(".wl-changed")
    assert "统计（区统计局）" in diff.inner_text() and "A12" in diff.inner_text()

    # The public sees the published version, its approval and the omission — not the draft.
    page.context.clear_cookies()
    page.goto(f"{base}/worklists/r/210105023201/")
    html = page.content()
    assert DOCUMENT in html and "本区为中心城区，无森林草原" in html and "统计（区统计局）" not in html
    page.goto(f"{base}/committees/210105023201/")
    assert DOCUMENT in page.content()
