"""End to end (Art. 7): 鸭绿江街道 drafts an assessment plan, sees a ranking indicator flagged with Art. 7 clause 2,
fixes it, publishes, records results; 文官村委会 sees its band with the reasons and no ranking appears anywhere."""

import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
RANKING_WORDS = ("名次", "排行榜", "第1名", "第一名", "得分排名")


def _watch(page):  # noqa: ANN001, ANN202
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return problems


def test_a_township_fixes_a_ranking_indicator_publishes_and_the_committee_sees_its_band(page, login, e2e_server):
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]
    title = f"鸭绿江街道2026年度社区工作综合考核方案（浏览器测试{uuid.uuid4().hex[:6]}）"

    login("yalujiang.street")
    page.goto(f"{base}/assessment/plans/")
    page.click("details.card summary")
    page.fill("#id_title", title)
    page.fill("#id_year", "2026")
    page.fill("#id_method", "年终综合考核，以实地查看和群众评价为主")
    page.click("button:has-text('创建方案')")
    page.wait_for_url("**/assessment/plans/*/")
    plan_url = page.url

    # An indicator that ranks committees: flagged with Art. 7 clause 2, the wording shown.
    page.click("a:has-text('添加考核指标')")
    page.fill("#id_name", "矛盾纠纷调解")
    page.fill("#id_description", "按季度通报各社区调解工作得分并排名")
    page.fill("#id_weight", "100")
    page.fill("#id_method", "入户走访、随机回访")
    page.get_by_label("P03 调解民间纠纷").check()
    page.click("button:has-text('保存并检查')")
    page.wait_for_url(plan_url)
    finding = page.locator("#findings .finding[data-clause='2']")
    assert finding.count() == 1
    text = finding.inner_text()
    assert "第七条第（二）项" in text and "排名" in text
    page.screenshot(path=str(SHOTS / "assessment-1-ranking-flagged.png"), full_page=True)

    # Publishing is impossible while the finding is open; fix the wording.
    assert page.locator("#publish-plan").count() == 0
    page.click(".indicator-card a:has-text('修改')")
    page.fill("#id_description", "及时调解邻里、家庭纠纷，矛盾不上交")
    page.click("button:has-text('保存并检查')")
    page.wait_for_url(plan_url)
    assert page.locator("#findings .finding").count() == 0
    assert "没有待处理的问题" in page.inner_text("#findings")

    page.click("#submit-plan")
    page.wait_for_load_state()
    page.click("#approve-plan")
    page.wait_for_load_state()
    page.click("#publish-plan")
    page.wait_for_load_state()
    assert page.inner_text("#plan-status") == "已公布"
    page.screenshot(path=str(SHOTS / "assessment-2-published.png"), full_page=True)

    # Results: a band with reasons for 文官村委会; committees listed by code.
    page.click("#results-link")
    page.wait_for_url("**/results/")
    row = page.locator("tr#c-210105023201")
    row.locator("select[name=band]").select_option("good")
    row.locator("textarea[name=reasons]").fill("调解及时，回访群众满意（浏览器测试）")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "好" in page.locator("tr#c-210105023201").inner_text()
    codes = [c.strip() for c in page.locator("table#results tbody tr td:first-child").all_inner_texts()]
    assert codes == sorted(codes)
    results_text = page.inner_text("main")
    assert not any(word in results_text for word in RANKING_WORDS)
    page.screenshot(path=str(SHOTS / "assessment-3-results.png"), full_page=True)

    # The committee signs in and sees its band with the reasons.
    page.click("form[action*='logout'] button")
    page.wait_for_load_state()
    login("wenguan.village")
    dashboard = page.inner_text("main")
    assert f"{title}：好" in dashboard
    page.goto(f"{base}/committees/210105023201/")
    section = page.inner_text("#assessment-section")
    assert "好" in section and "调解及时，回访群众满意（浏览器测试）" in section
    page.goto(f"{base}/assessment/results/")
    mine = page.inner_text("main")
    assert title in mine and "调解及时，回访群众满意（浏览器测试）" in mine
    for text in (dashboard, section, mine):
        assert not any(word in text for word in RANKING_WORDS)
    page.screenshot(path=str(SHOTS / "assessment-4-committee-sees-band.png"), full_page=True)
    assert not problems, problems


def test_the_health_bureau_records_a_visit_and_the_county_sees_it_flagged(page, login, e2e_server):
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]
    purpose = f"检查健康教育宣传栏（浏览器测试{uuid.uuid4().hex[:6]}）"
    login("huanggu.health")
    page.goto(f"{base}/assessment/visits/new/?committee=210105023201")
    page.fill("#id_purpose", purpose)
    page.select_option("#id_kind", "research")
    page.click("button:has-text('登记检查')")
    page.wait_for_url("**/assessment/visits/")
    assert "计划外" in page.inner_text(".messages")
    page.click("form[action*='logout'] button")
    page.wait_for_load_state()
    login("huanggu.ca")
    page.goto(f"{base}/assessment/visits/?flagged=unplanned")
    row = page.locator("table#visits tr", has_text=purpose)
    assert row.count() == 1 and "第七条第（四）项" in row.inner_text()
    assert "皇姑区卫生健康局" in page.inner_text("#totals-agencies")
    page.screenshot(path=str(SHOTS / "assessment-5-registry.png"), full_page=True)
    assert not problems, problems


def test_anyone_checks_a_plan_on_the_public_page(page, e2e_server):
    page.goto(f"{e2e_server['url']}/assessment/check/")
    page.fill("#id_title", "社区工作考核办法")
    page.fill("#id_name_0", "安全生产")
    page.fill("#id_description_0", "发生安全事故的，实行一票否决")
    page.click("#check-button")
    page.wait_for_load_state()
    assert "第七条第（一）项" in page.inner_text("#check-result")
    page.screenshot(path=str(SHOTS / "assessment-6-public-check.png"), full_page=True)
