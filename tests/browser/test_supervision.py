"""End to end (Art. 10): a committee files a complaint, the district bureau orders correction, the agency responds late,
the scheduled job escalates, a notice is issued, the complainant sees the outcome, and the scorecard reflects it."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True,
                            capture_output=True, text=True, timeout=120)
    return result.stdout


def let_the_deadline_pass(env: dict, number: str) -> None:
    """Time passes: the order's deadline moves to yesterday (what the calendar would do in a week)."""
    manage(env, "shell", "-c", (
        "from datetime import timedelta; from django.utils import timezone; "
        "from supervision.models import CorrectionOrder; "
        f"o = CorrectionOrder.objects.filter(case__number='{number}').latest('id'); "
        "o.deadline = timezone.localdate() - timedelta(days=1); o.save()"
    ))


@pytest.mark.browser
def test_complaint_to_notice_and_outcome(page, login, e2e_server):
    base = e2e_server["url"]

    # 1. The committee reports a secondment by the district health bureau, anonymously.
    login("wenguan.village")
    page.goto(f"{base}/supervision/complaints/new/")
    page.select_option("select[name=category]", "secondment")
    page.select_option("select[name=agency]", label="皇姑区卫生健康局")
    page.fill("textarea[name=text]", "区卫生健康局未经区政府批准，借调我村委会委员到局里帮忙三个月。")
    page.check("input[name=anonymous]")
    page.click("form.stack button[type=submit]")
    code = page.inner_text("#tracking-code").strip()
    assert len(code.replace("-", "")) == 20
    page.context.clear_cookies()

    # The complainant (signed out) follows it: received, with a case number.
    page.goto(f"{base}/supervision/complaints/track/")
    page.fill("input[name=code]", code)
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("#complaint-status")
    number = page.inner_text("#case-number").strip()
    assert number.startswith("210105-")

    # 2. The district civil-affairs bureau verifies and orders correction.
    login("huanggu.ca")
    page.goto(f"{base}/supervision/cases/{number}/")
    assert page.locator("#reporter").is_visible()
    page.click("#assign")
    page.select_option("#decide-form select[name=founded]", "1")
    page.select_option("#decide-form select[name=agency]", label="皇姑区卫生健康局")
    page.fill("#decide-form textarea[name=facts]", "区卫生健康局未经批准借调村委会委员（第八条第（四）项）。")
    page.click("#decide-form button[type=submit]")
    page.fill("#order-form textarea[name=requirement]", "立即让借调人员返回村委会。")
    page.click("#order-form button[type=submit]")
    page.wait_for_selector("#deadline")
    assert page.get_attribute("#case-status", "class").endswith("status-correction_ordered")
    page.context.clear_cookies()

    # 3. A week passes; the agency responds late and sees the facts, not the complaint or the reporter.
    let_the_deadline_pass(e2e_server["env"], number)
    login("huanggu.health")
    page.goto(f"{base}/supervision/cases/{number}/")
    assert page.locator("#reporter").count() == 0
    assert "借调我村委会委员" not in page.content()
    page.fill("#respond-form textarea[name=response]", "借调人员已于今日返回村委会。")
    page.click("#respond-form button[type=submit]")
    page.wait_for_selector(".badge.late")
    page.context.clear_cookies()

    # 4. The scheduled job escalates the late correction.
    out = manage(e2e_server["env"], "run_supervision_jobs")
    assert "escalated_late=1" in out

    # 5. The bureau issues a notice of public criticism.
    login("huanggu.ca")
    page.goto(f"{base}/supervision/cases/{number}/")
    assert page.get_attribute("#case-status", "class").endswith("status-escalated")
    page.fill("#notice-form textarea[name=body]", "区卫生健康局逾期改正违规借调村委会人员的问题，予以通报批评。")
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector("#notice")
    assert page.get_attribute("#case-status", "class").endswith("status-sanctioned")

    # 6. The scorecard of the agency reflects it.
    page.goto(f"{base}/supervision/scorecards/")
    row = page.locator("#scorecards tr", has_text="皇姑区卫生健康局")
    assert int(row.locator("td[data-metric=notices]").inner_text()) >= 1
    assert int(row.locator("td[data-metric=corrections_late]").inner_text()) >= 1
    page.context.clear_cookies()

    # 7. The complainant sees the outcome.
    page.goto(f"{base}/supervision/complaints/track/")
    page.fill("input[name=code]", code)
    page.click("form.stack button[type=submit]")
    assert "通报" in page.inner_text("#outcome")
    assert page.get_attribute("#status-label", "class").endswith("status-sanctioned")
