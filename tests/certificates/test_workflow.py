"""Issuance, register, verification and revocation against the demo database."""

import pytest

from certificates import crypto, services
from certificates.models import Catalog, Certificate
from regions.models import Region

pytestmark = pytest.mark.django_db

WENGUAN = "210105023201"
CHUNHAI = "210202001002"
BASE = "https://qingdan.example"
ID = "210105199001011234"


def _issue(user, code=WENGUAN, type_code="C01", **extra):  # noqa: ANN001, ANN202
    values = extra.pop("values", {"hours": "12", "period": "2025年1月至6月"})
    return services.issue(
        user, Region.objects.get(code=code), type_code, subject_name=extra.pop("subject_name", "张三"),
        subject_id_number=extra.pop("subject_id_number", ID), subject_phone=extra.pop("subject_phone", "13812345678"),
        values=values, base_url=BASE,
    )


def test_demo_publishes_the_province_catalog_and_a_derived_huanggu_catalog_with_a_local_change():
    province = Catalog.objects.get(region__code="210000000000")
    huanggu = Catalog.objects.get(region__code="210105000000")
    assert province.is_sample and huanggu.is_sample
    version = huanggu.versions.get(status="published")
    assert version.based_on.catalog == province
    c01 = version.types.get(code="C01")
    assert c01.local_change == "modified" and "皇姑区" in c01.procedure


def test_a_huanggu_committee_gets_the_derived_catalog_and_a_dalian_committee_the_province_one():
    wenguan = services.effective_catalog(Region.objects.get(code=WENGUAN))
    chunhai = services.effective_catalog(Region.objects.get(code=CHUNHAI))
    assert wenguan.version.catalog.region.code == "210105000000"
    assert chunhai.version.catalog.region.code == "210000000000"


def test_a_residents_committee_does_not_get_village_only_types():
    chunhai = Region.objects.get(code=CHUNHAI)
    assert chunhai.committee_kind == "residents"
    codes = {t.code for t in services.effective_catalog(chunhai).types}
    assert "C05" not in codes and "C01" in codes


def test_the_negative_list_is_published_with_twenty_items_coded_n01_to_n20():
    items = services.negative_items()
    assert [i.code for i in items] == [f"N{n:02d}" for n in range(1, 21)]


def test_committee_officer_issues_a_certificate_with_a_pdf_and_a_serial(demo_user):
    issued = _issue(demo_user("wenguan.village"))
    cert = issued.certificate
    assert issued.pdf.startswith(b"%PDF")
    assert cert.serial.startswith(f"{WENGUAN}-")
    assert "12" in cert.statement and "张三" in cert.statement
    assert services.verify(cert.token).status == services.VALID


def test_serial_numbers_count_up_per_committee(demo_user):
    user = demo_user("wenguan.village")
    first, second = _issue(user).certificate, _issue(user).certificate
    assert int(second.serial.rsplit("-", 1)[1]) == int(first.serial.rsplit("-", 1)[1]) + 1


def test_personal_data_is_encrypted_at_rest(demo_user):
    cert = _issue(demo_user("wenguan.village")).certificate
    row = Certificate.objects.filter(pk=cert.pk).values("subject_id_encrypted", "subject_phone_encrypted", "values_encrypted").get()
    assert ID not in row["subject_id_encrypted"] and "13812345678" not in row["subject_phone_encrypted"]
    assert "2025" not in row["values_encrypted"]
    assert crypto.decrypt(row["subject_id_encrypted"]) == ID
    assert Certificate.objects.filter(subject_id_hash=crypto.lookup_hash(ID)).exists()


def test_the_verification_page_masks_the_id_number_and_phone(demo_user):
    cert = _issue(demo_user("wenguan.village")).certificate
    essentials = services.verify(cert.token).essentials()
    assert essentials["subject_id_number"] == "2101**********1234"
    assert essentials["subject_phone"] == "138****5678"
    assert essentials["subject_name"] == "张*"


def test_an_altered_token_is_not_found(demo_user):
    cert = _issue(demo_user("wenguan.village")).certificate
    payload, signature = cert.token.split(".")
    forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + signature
    assert services.verify(forged).status == services.NOT_FOUND
    assert services.verify("garbage").status == services.NOT_FOUND


def test_revocation_needs_a_reason_and_then_the_certificate_verifies_as_revoked(demo_user):
    user = demo_user("wenguan.village")
    cert = _issue(user).certificate
    with pytest.raises(services.CertificateError):
        services.revoke(user, cert, "  ")
    services.revoke(user, cert, "填写错误", lock_version=cert.lock_version)
    result = services.verify(cert.token)
    assert result.status == services.REVOKED
    assert result.essentials()["revocation_reason"] == "填写错误"


def test_revoking_with_a_stale_lock_version_is_a_conflict(demo_user):
    user = demo_user("wenguan.village")
    cert = _issue(user).certificate
    services.revoke(user, cert, "第一次", lock_version=cert.lock_version)
    with pytest.raises(services.CertificateError) as err:
        services.revoke(user, cert, "第二次", lock_version=cert.lock_version)
    assert err.value.status_code == 409


def test_reprint_keeps_the_token_and_counts_prints(demo_user):
    user = demo_user("wenguan.village")
    cert = _issue(user).certificate
    pdf = services.reprint(user, cert, base_url=BASE)
    cert.refresh_from_db()
    assert pdf.startswith(b"%PDF") and cert.print_count == 2
    assert services.verify(cert.token).status == services.VALID


def test_a_revoked_certificate_cannot_be_reprinted(demo_user):
    user = demo_user("wenguan.village")
    cert = _issue(user).certificate
    services.revoke(user, cert, "作废")
    cert.refresh_from_db()
    with pytest.raises(services.CertificateError):
        services.reprint(user, cert, base_url=BASE)


def test_district_civil_affairs_cannot_issue_for_a_committee(demo_user):
    with pytest.raises(services.CertificateError) as err:
        _issue(demo_user("huanggu.ca"))
    assert err.value.status_code == 403


def test_a_committee_cannot_issue_a_type_outside_its_catalog(demo_user):
    with pytest.raises(services.CertificateError) as err:
        _issue(demo_user("chunhai.community"), code=CHUNHAI, type_code="C05", values={"year": "2024", "amount": "1", "basis": "村民会议决议"})
    assert "type" in err.value.fields


def test_template_fields_are_typed_and_required(demo_user):
    with pytest.raises(services.CertificateError) as err:
        _issue(demo_user("wenguan.village"), values={"hours": "many"}, subject_id_number="123")
    assert set(err.value.fields) >= {"hours", "period", "subject_id_number"}


def test_the_register_is_scoped_to_the_district(demo_user):
    cert = _issue(demo_user("wenguan.village")).certificate
    assert services.register_queryset(demo_user("huanggu.ca")).filter(pk=cert.pk).exists()
    assert not services.register_queryset(demo_user("zhongshan.ca")).filter(pk=cert.pk).exists()
    assert not services.register_queryset(demo_user("chunhai.community")).filter(pk=cert.pk).exists()


def test_a_refused_demand_is_recorded_only_for_negative_list_matters(demo_user):
    user = demo_user("wenguan.village")
    committee = Region.objects.get(code=WENGUAN)
    demand = services.record_refused_demand(user, committee, text="银行要求开具亲属关系证明", agency_name="某银行支行")
    assert demand.negative_code == "N01"
    with pytest.raises(services.CertificateError):
        services.record_refused_demand(user, committee, text="志愿服务时长证明", agency_name="某学校")


def test_refused_demands_feed_supervision():
    from supervision import sources

    assert "certificates" in sources.violation_sources()
    assert any(m.name == "refused_certificates" and m.func is not None for m in sources.scorecard_metrics())
