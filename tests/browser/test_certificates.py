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


ZHONGSHAN = "210202000000"
CHUNHAI = "210202001002"


def test_a_county_derives_its_catalog_adds_a_local_type_publishes_and_a_committee_issues_it(page, login, e2e_server):
    """Art. 9(2): 中山区 derives from the catalog above, adds a local type with its basis and template, leaves one out
    with a reason, publishes with the government's approval, and 春海社区 issues the new certificate."""
    problems = _watch(page)
    SHOTS.mkdir(exist_ok=True)
    base = e2e_server["url"]

    login("zhongshan.ca")
    page.goto(f"{base}/certificates/catalogs/manage/")
    page.screenshot(path=str(SHOTS / "certificates-catalogs-manage.png"), full_page=True)
    page.click(f"#derive-button-{ZHONGSHAN}")
    page.wait_for_url("**/certificates/catalogs/*/edit/")
    edit_url = page.url
    assert page.locator("#draft-types tbody tr").count() >= 3

    page.click("#add-type")
    page.wait_for_url("**/types/new/")
    page.fill("#id_code", "ZS01")
    page.fill("#id_name", "中山区居家养老服务补贴申请居住情况证明")
    page.fill("#id_purpose", "申请本区居家养老服务补贴时证明实际居住（示例数据）")
    page.fill("#id_requesting_authority", "中山区民政局")
    page.fill("#id_procedure", "申请人提出申请，居委会入户核实后出具")
    page.fill("#id_materials", "居民身份证\n户口簿")
    page.fill("#id_steps", "申请\n入户核实\n出具")
    page.fill("#id_time_limit_days", "3")
    page.fill("#id_statement", "兹证明{name}自{since}起在本社区实际居住。")
    page.fill("#id_template_fields", "since|居住起始日期|date|required")
    page.fill("#id_local_note", "本区居家养老补贴办理需要（示例数据）")
    page.click("#save-type")  # the legal basis is missing: refused, everything typed is kept
    page.wait_for_selector("#id_basis + .errorlist, .errorlist")
    assert page.input_value("#id_code") == "ZS01" and "入户核实" in page.input_value("#id_procedure")
    page.screenshot(path=str(SHOTS / "certificates-catalog-type-errors.png"), full_page=True)
    page.fill("#id_basis", "《大连市居家养老服务条例》第十二条（示例数据）")
    page.click("#save-type")
    page.wait_for_url("**/edit/#type-ZS01")
    assert page.locator("#type-ZS01").count() == 1

    # Two tabs on the same draft: the older page's save is refused (409) with everything typed kept, then applied.
    page.click("#edit-C02")
    page.wait_for_url("**/types/C02/")
    other = page.context.new_page()
    other.goto(edit_url)
    other.fill("#reason-C05", "本区均为社区居委会，无村集体收益（示例数据）")
    other.click("#remove-C05 button")
    other.wait_for_selector("#omitted")
    other.close()
    page.fill("#id_time_limit_days", "2")
    page.fill("#id_local_note", "本区承诺两个工作日内反馈（示例数据）")
    page.click("#save-type")
    page.wait_for_selector("#stale-warning")
    assert page.input_value("#id_local_note") == "本区承诺两个工作日内反馈（示例数据）"
    page.screenshot(path=str(SHOTS / "certificates-catalog-stale-edit.png"), full_page=True)
    page.click("#save-type")
    page.wait_for_url("**/edit/#type-C02")
    assert page.locator('#diff tr.diff-modified[data-code="C02"]').count() == 1

    page.fill("#reason-C03", "由街道党工委统一出具（示例数据）")
    page.click("#remove-C03 button")
    page.wait_for_selector("#omitted")
    assert page.locator('#diff tr.diff-added[data-code="ZS01"]').count() == 1
    assert page.locator('#diff tr.diff-omitted[data-code="C03"]').count() == 1
    page.screenshot(path=str(SHOTS / "certificates-catalog-edit.png"), full_page=True)

    page.fill("#id_approval_document", "中政函〔2026〕9号（示例数据）")
    page.click("#publish-button")
    page.wait_for_url("**/certificates/catalogs/*/")
    assert "ZS01" in page.inner_text("#type-ZS01")
    page.screenshot(path=str(SHOTS / "certificates-catalog-published.png"), full_page=True)
    page.goto(edit_url)
    assert page.locator("#history tbody tr").count() >= 3

    page.context.clear_cookies()
    login("chunhai.community")
    page.goto(f"{base}/certificates/issue/")
    page.click("#type-ZS01")
    page.fill("#id_subject_name", "刘桂兰")
    page.fill("#id_subject_id_number", "210202195501011234")
    page.fill("#id_f_since", "2001-05-01")
    page.click("#issue-button")
    page.wait_for_url("**/certificates/*/")
    assert page.inner_text("#serial").strip().startswith(f"{CHUNHAI}-")
    assert "2001-05-01" in page.inner_text("#certificate-facts")
    page.screenshot(path=str(SHOTS / "certificates-local-type-issued.png"), full_page=True)
    assert not problems, problems
