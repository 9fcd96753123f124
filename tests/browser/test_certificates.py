"""End to end (Art. 9): a village committee issues a certificate on the standard template, anyone verifies it through
the QR address, the committee revokes it and the verification page says so; a resident checks a request."""

import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
WENGUAN = "210105023201"


def _watch(page):  # noqa: ANN001, ANN202
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return problems


def test_a_committee_issues_a_certificate_anyone_verifies_it_and_the_committee_revokes_it(page, login, e2e_server):
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]
    name = "张" + uuid.uuid4().hex[:2].upper()

    login("wenguan.village")
    page.goto(f"{base}/certificates/issue/")
    page.click("#type-C01")
    page.fill("#id_subject_name", name)
    page.fill("#id_subject_id_number", "210105199001011234")
    page.fill("#id_subject_phone", "13812345678")
    page.fill("#id_f_hours", "16")
    page.fill("#id_f_period", "2025年3月至2025年9月")
    page.screenshot(path=str(SHOTS / "certificates-issue-form.png"), full_page=True)
    page.click("#issue-button")
    page.wait_for_url("**/certificates/*/")
    serial = page.inner_text("#serial").strip()
    assert serial.startswith(f"{WENGUAN}-")
    pdf = page.request.get(base + page.get_attribute("#pdf-link", "href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    verify_path = page.get_attribute("#verify-link", "href")
    token = verify_path.rsplit("/", 1)[1]
    page.screenshot(path=str(SHOTS / "certificates-issued.png"), full_page=True)

    page.context.clear_cookies()  # an anonymous person scans the QR code
    page.goto(f"{base}{verify_path}")
    assert page.get_attribute("#verification-status", "class").endswith("cert-status-valid")
    assert page.inner_text("#verified-serial").strip() == serial
    assert page.inner_text("#verified-id").strip() == "2101**********1234"
    assert "210105199001011234" not in page.content()
    page.screenshot(path=str(SHOTS / "certificates-verify-valid.png"), full_page=True)

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = page.goto(f"{base}/certificates/verify/{forged}")
    assert response.status == 404
    assert page.get_attribute("#verification-status", "class").endswith("cert-status-not_found")

    login("wenguan.village")
    page.goto(f"{base}/certificates/register/")
    page.click(f"#certificates a:has-text('{serial}')")
    page.wait_for_url("**/certificates/*/")
    page.fill("#id_reason", "服务时长填写有误，已重新开具")
    page.click("#revoke-button")
    page.wait_for_selector("#certificate-status.cert-status-revoked")

    page.context.clear_cookies()
    page.goto(f"{base}{verify_path}")
    assert page.get_attribute("#verification-status", "class").endswith("cert-status-revoked")
    assert "服务时长填写有误" in page.inner_text("#revocation-reason")
    page.screenshot(path=str(SHOTS / "certificates-verify-revoked.png"), full_page=True)
    assert not problems, problems


def test_a_resident_checks_a_certificate_request_and_reads_the_committee_guide(page, e2e_server):
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]
    page.goto(f"{base}/certificates/check/?region={WENGUAN}")
    page.fill("#id_text", "银行让我去村委会开单身证明")
    page.click("#check-button")
    page.wait_for_selector("#decision")
    assert "decision-must_not_issue" in page.get_attribute("#decision", "class")
    page.screenshot(path=str(SHOTS / "certificates-check.png"), full_page=True)
    page.goto(f"{base}/certificates/guide/{WENGUAN}/")
    assert page.locator("#must-not-issue tbody tr").count() == 20
    assert page.locator("#may-issue tbody tr").count() == 4
    page.screenshot(path=str(SHOTS / "certificates-guide.png"), full_page=True)
    assert not problems, problems
