"""Public contracts (DESIGN §8), scoping of pages, API and exports, and the public verification page."""

import pytest

from certificates import services
from regions.models import Region

pytestmark = pytest.mark.django_db

WENGUAN = "210105023201"
CHUNHAI = "210202001002"
ID = "210105199001011234"


@pytest.fixture
def certificate(demo_user):  # noqa: ANN001, ANN201
    return services.issue(
        demo_user("wenguan.village"), Region.objects.get(code=WENGUAN), "C01", subject_name="李四",
        subject_id_number=ID, subject_phone="13900001111", values={"hours": "8", "period": "2025年"},
        base_url="http://testserver",
    ).certificate


def test_check_contract_for_a_negative_list_item(api_for):
    response = api_for().post("/api/v1/certificates/check", {"region": WENGUAN, "text": "银行让我开亲属关系证明"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"decision", "certificate", "prohibited", "guidance"}
    assert body["decision"] == "must_not_issue" and body["certificate"] is None
    assert set(body["prohibited"]) == {"name", "handled_by"}


def test_check_contract_for_a_catalog_item(api_for):
    body = api_for().post("/api/v1/certificates/check", {"region": WENGUAN, "text": "志愿服务时长证明"}, format="json").json()
    assert body["decision"] == "may_issue"
    assert set(body["certificate"]) == {"code", "name", "procedure", "legal_basis"}
    assert body["certificate"]["code"] == "C01"
    assert body["certificate"]["legal_basis"][0] == {"law": "志愿服务条例", "article": "第十九条第二款"}


def test_check_uses_the_derived_catalog_procedure_for_a_huanggu_committee(api_for):
    body = api_for().post("/api/v1/certificates/check", {"region": WENGUAN, "text": "志愿服务时长证明"}, format="json").json()
    assert "皇姑区" in body["certificate"]["procedure"]


def test_check_village_only_type_is_not_listed_for_a_residents_committee(api_for):
    body = api_for().post("/api/v1/certificates/check", {"region": CHUNHAI, "text": "村集体收益分配情况证明"}, format="json").json()
    assert body["decision"] == "not_listed"


@pytest.mark.parametrize("region", ["210105000000", "2101", "abc", "210105023000"])
def test_check_rejects_a_region_that_is_not_a_committee_code(api_for, region):
    response = api_for().post("/api/v1/certificates/check", {"region": region, "text": "单身证明"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_check_answers_404_for_an_unknown_committee(api_for):
    response = api_for().post("/api/v1/certificates/check", {"region": "219999999999", "text": "单身证明"}, format="json")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_check_rejects_missing_text(api_for):
    response = api_for().post("/api/v1/certificates/check", {"region": WENGUAN}, format="json")
    assert response.status_code == 400 and "text" in response.json()["error"]["fields"]


def test_committee_certificates_lists_the_catalog_and_the_negative_list(api_for):
    body = api_for().get(f"/api/v1/committees/{CHUNHAI}/certificates").json()
    assert body["catalog"]["is_sample"] is True
    assert [t["code"] for t in body["catalog"]["types"]] == ["C01", "C02", "C03"]
    assert body["catalog"]["types"][0]["template_fields"]
    assert len(body["negative_list"]["items"]) == 20
    assert api_for().get("/api/v1/committees/210105000000/certificates").status_code == 400


def test_the_schema_view_answers(api_for):
    assert api_for().get("/api/v1/schema/").status_code == 200


def test_public_verification_page_shows_valid_with_masked_data(client, certificate):
    response = client.get(f"/certificates/verify/{certificate.token}")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="verification-status"' in html
    assert ID not in html and "2101**********1234" in html and "13900001111" not in html


def test_public_verification_page_for_a_forged_token_is_not_found(client, certificate):
    response = client.get(f"/certificates/verify/{certificate.token[:-3]}AAA")
    assert response.status_code == 404


def test_verify_api_reports_revocation(api_for, demo_user, certificate):
    services.revoke(demo_user("wenguan.village"), certificate, "信息有误")
    body = api_for().get(f"/api/v1/certificates/verify/{certificate.token}").json()
    assert body["status"] == "revoked" and body["certificate"]["revocation_reason"] == "信息有误"


def test_register_api_counts_in_scope_out_of_scope_and_anonymous(api_for, certificate):
    assert api_for("huanggu.ca").get("/api/v1/certificates").json()["count"] >= 1
    assert api_for("zhongshan.ca").get("/api/v1/certificates").json()["count"] == 0
    assert api_for().get("/api/v1/certificates").status_code in (401, 403)


def test_register_api_detail_is_404_outside_scope(api_for, certificate):
    assert api_for("huanggu.ca").get(f"/api/v1/certificates/{certificate.pk}").status_code == 200
    assert api_for("zhongshan.ca").get(f"/api/v1/certificates/{certificate.pk}").status_code == 404
    assert api_for("chunhai.community").get(f"/api/v1/certificates/{certificate.pk}").status_code == 404


def test_register_api_masks_id_numbers(api_for, certificate):
    body = api_for("huanggu.ca").get(f"/api/v1/certificates/{certificate.pk}").json()
    assert body["subject_id_number"] == "2101**********1234"


def test_issue_api_for_the_committee_and_refused_for_others(api_for):
    payload = {"committee": WENGUAN, "type": "C01", "subject_name": "王五", "subject_id_number": ID,
               "values": {"hours": "3", "period": "2025年"}}
    response = api_for("wenguan.village").post("/api/v1/certificates/issue", payload, format="json")
    assert response.status_code == 201, response.content
    assert api_for("huanggu.ca").post("/api/v1/certificates/issue", payload, format="json").status_code == 404
    bad = api_for("wenguan.village").post("/api/v1/certificates/issue", {**payload, "values": {}}, format="json")
    assert bad.status_code == 400 and "hours" in bad.json()["error"]["fields"]


def test_revoke_api_conflict_on_stale_lock_version(api_for, certificate):
    client = api_for("wenguan.village")
    url = f"/api/v1/certificates/{certificate.pk}/revoke"
    assert client.post(url, {"reason": "错误", "lock_version": certificate.lock_version}, format="json").status_code == 200
    response = client.post(url, {"reason": "再次", "lock_version": certificate.lock_version}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


def test_district_officer_cannot_revoke(api_for, certificate):
    response = api_for("huanggu.ca").post(f"/api/v1/certificates/{certificate.pk}/revoke", {"reason": "x"}, format="json")
    assert response.status_code == 403


def test_register_page_and_exports_are_scoped(client_for, certificate):
    assert certificate.serial in client_for("huanggu.ca").get("/certificates/register/").content.decode()
    assert certificate.serial not in client_for("zhongshan.ca").get("/certificates/register/").content.decode()
    csv_in = client_for("huanggu.ca").get("/certificates/register/?format=csv").content.decode()
    csv_out = client_for("zhongshan.ca").get("/certificates/register/?format=csv").content.decode()
    assert certificate.serial in csv_in and ID not in csv_in
    assert certificate.serial not in csv_out
    xlsx = client_for("huanggu.ca").get("/certificates/register/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_detail_page_is_404_outside_scope_and_redirects_anonymous(client, client_for, certificate):
    assert client_for("huanggu.ca").get(f"/certificates/{certificate.pk}/").status_code == 200
    assert client_for("zhongshan.ca").get(f"/certificates/{certificate.pk}/").status_code == 404
    assert client.get(f"/certificates/{certificate.pk}/").status_code == 302


def test_district_officer_sees_the_id_number_masked_and_the_committee_sees_it_in_full(client_for, certificate):
    assert ID not in client_for("huanggu.ca").get(f"/certificates/{certificate.pk}/").content.decode()
    assert ID in client_for("wenguan.village").get(f"/certificates/{certificate.pk}/").content.decode()


def test_issue_page_shows_the_template_fields(client_for):
    html = client_for("wenguan.village").get(f"/certificates/issue/?committee={WENGUAN}&type=C01").content.decode()
    assert "f_hours" in html and "f_period" in html
    assert client_for("huanggu.ca").get("/certificates/issue/").status_code == 404


def test_issue_page_issues_and_redirects_to_the_certificate(client_for):
    response = client_for("wenguan.village").post("/certificates/issue/", {
        "committee": WENGUAN, "type": "C01", "subject_name": "赵六", "subject_id_number": ID,
        "f_hours": "5", "f_period": "2025年",
    })
    assert response.status_code == 302 and "/certificates/" in response["Location"]


def test_pdf_view_reprints_for_the_committee_only(client_for, certificate):
    response = client_for("wenguan.village").get(f"/certificates/{certificate.pk}/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client_for("huanggu.ca").get(f"/certificates/{certificate.pk}/pdf").status_code == 302


def test_public_check_page_and_guide(client):
    response = client.post("/certificates/check/", {"region": WENGUAN, "text": "单身证明"})
    assert response.status_code == 200 and 'id="decision"' in response.content.decode()
    guide = client.get(f"/certificates/guide/{WENGUAN}/").content.decode()
    assert "N20" in guide and "C01" in guide and "示例数据" in guide
    assert client.get("/certificates/guide/210105000000/").status_code == 404


def test_public_check_page_answers_an_unknown_committee_without_error(client):
    response = client.post("/certificates/check/", {"region": "219999999999", "text": "单身证明"})
    assert response.status_code == 200 and 'id="decision"' not in response.content.decode()


def test_committee_page_shows_the_certificates_section(client):
    html = client.get(f"/committees/{WENGUAN}/").content.decode()
    assert 'id="certificates-section"' in html and f"/certificates/guide/{WENGUAN}/" in html


def test_dashboard_panels_for_committee_and_district(demo_user):
    from portal.dashboard import panels_for

    titles = [str(p.title) for p in panels_for(demo_user("wenguan.village"))]
    assert any("Art. 9" in t or "第九条" in t for t in titles)
    assert any("Art. 9" in t or "第九条" in t for t in (str(p.title) for p in panels_for(demo_user("huanggu.ca"))))


def test_catalog_pages_are_public_and_show_local_changes(client):
    from certificates.models import CatalogVersion

    html = client.get("/certificates/catalogs/").content.decode()
    assert "皇姑区" in html and "辽宁省" in html
    version = CatalogVersion.objects.get(catalog__region__code="210105000000", status="published")
    page = client.get(f"/certificates/catalogs/{version.pk}/").content.decode()
    assert 'id="type-C01"' in page and "志愿服务平台" in page


def test_a_draft_catalog_version_is_hidden_from_the_public_and_other_counties(client, client_for, demo_user):
    from certificates.models import CatalogVersion

    huanggu = Region.objects.get(code="210105000000")
    draft = services.derive_catalog(demo_user("huanggu.ca"), huanggu, title="草稿", omit={"C03": "本区不适用"})
    assert draft.status == "draft" and not draft.types.filter(code="C03").exists()
    assert client.get(f"/certificates/catalogs/{draft.pk}/").status_code == 404
    assert client_for("zhongshan.ca").get(f"/certificates/catalogs/{draft.pk}/").status_code == 404
    assert client_for("huanggu.ca").get(f"/certificates/catalogs/{draft.pk}/").status_code == 200
    assert CatalogVersion.objects.filter(pk=draft.pk).exists()


def test_only_the_county_civil_affairs_derives_its_catalog(demo_user):
    huanggu = Region.objects.get(code="210105000000")
    with pytest.raises(services.CertificateError):
        services.derive_catalog(demo_user("zhongshan.ca"), huanggu, title="x")
    with pytest.raises(services.CertificateError):
        services.derive_catalog(demo_user("huanggu.health"), huanggu, title="x")
