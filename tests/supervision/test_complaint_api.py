"""DESIGN.md §8: POST /api/v1/complaints (public, anonymous) and GET /api/v1/complaints/{tracking_code}."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from supervision.models import Attachment, Complaint

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_an_anonymous_complaint_gets_a_tracking_code_that_shows_its_status(api_for, complaint_body):
    client = api_for(None)
    response = client.post("/api/v1/complaints", complaint_body, format="json")
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    assert len(code.replace("-", "")) == 20
    status = client.get(f"/api/v1/complaints/{code}")
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "received"
    assert body["category"]["article"] == 8 and body["category"]["clause"] == 4
    assert body["handled_by"] == "沈阳市皇姑区民政局"
    assert [e["step"] for e in body["history"]] == ["filed", "opened"]


def test_the_code_can_be_typed_in_lower_case_without_dashes(api_for, complaint_body):
    client = api_for(None)
    code = client.post("/api/v1/complaints", complaint_body, format="json").json()["tracking_code"]
    assert client.get(f"/api/v1/complaints/{code.replace('-', '').lower()}").status_code == 200


def test_the_tracking_code_is_not_stored_in_clear(api_for, complaint_body):
    code = api_for(None).post("/api/v1/complaints", complaint_body, format="json").json()["tracking_code"]
    complaint = Complaint.objects.latest("id")
    assert code not in complaint.tracking_hash and code.replace("-", "") not in complaint.tracking_hash


def test_an_unknown_tracking_code_is_404_in_the_error_format(api_for):
    response = api_for(None).get("/api/v1/complaints/AAAA-BBBB-CCCC-DDDD-EEEE")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api_for(None).get("/api/v1/complaints/not-a-code").status_code == 404


def test_malformed_json_is_400(api_for):
    response = api_for(None).post("/api/v1/complaints", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize("change, field", [
    ({"category": "nonsense"}, "category"),
    ({"region": "123"}, "region"),
    ({"region": "999999999999"}, "region"),
    ({"text": ""}, "text"),
    ({"agency": 999999999}, "agency"),
    ({"agency": None, "agency_name": ""}, "agency"),
    ({"anonymous": False}, "reporter_name"),
])
def test_invalid_input_is_400_naming_the_field(api_for, complaint_body, change, field):
    response = api_for(None).post("/api/v1/complaints", {**complaint_body, **change}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_an_agency_outside_the_region_is_refused(api_for, complaint_body):
    response = api_for(None).post("/api/v1/complaints", {**complaint_body, "region": "210202001002"}, format="json")
    assert response.status_code == 400
    assert "agency" in response.json()["error"]["fields"]


def test_a_json_array_body_is_400(api_for):
    response = api_for(None).post("/api/v1/complaints", [1, 2], format="json")
    assert response.status_code == 400


def test_a_petition_is_redirected_with_guidance_and_opens_no_case(api_for):
    client = api_for(None)
    response = client.post("/api/v1/complaints", {"category": "petition", "region": "210105023201", "text": "对拆迁补偿不满。"}, format="json")
    assert response.status_code == 201
    assert "信访" in response.json()["guidance"]
    status = client.get(f"/api/v1/complaints/{response.json()['tracking_code']}").json()
    assert status["status"] == "redirected" and status["case_number"] == ""
    assert not hasattr(Complaint.objects.latest("id"), "case") or Complaint.objects.latest("id").case is None


def test_attachments_are_checked_and_stored_under_random_names(api_for, complaint_body, tmp_media):
    body = {**complaint_body, "agency": str(complaint_body["agency"]),
            "attachments": [SimpleUploadedFile("通知截图.png", PNG, content_type="image/png")]}
    response = api_for(None).post("/api/v1/complaints", body, format="multipart")
    assert response.status_code == 201, response.content
    item = Attachment.objects.latest("id")
    assert item.original_name == "通知截图.png"
    assert item.stored_name.startswith("supervision/") and "通知" not in item.stored_name
    assert (tmp_media / item.stored_name).read_bytes() == PNG


def test_an_attachment_whose_content_does_not_match_is_400_and_nothing_is_saved(api_for, complaint_body, tmp_media):
    before = Complaint.objects.count()
    body = {**complaint_body, "agency": str(complaint_body["agency"]),
            "attachments": [SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")]}
    response = api_for(None).post("/api/v1/complaints", body, format="multipart")
    assert response.status_code == 400
    assert "attachments" in response.json()["error"]["fields"]
    assert Complaint.objects.count() == before
    assert not any(tmp_media.rglob("*.pdf"))


def test_a_traversal_file_name_is_refused_by_the_service(complaint_body, tmp_media):
    from supervision import services

    upload = SimpleUploadedFile("x.png", PNG, content_type="image/png")
    upload._name = "../../x.png"  # Django strips directories on upload; the service must not rely on it
    with pytest.raises(services.InvalidInput) as refused:
        services.file_complaint(**complaint_body, files=[upload])
    assert "attachments" in refused.value.fields
    assert not any(tmp_media.rglob("*.png"))


def test_the_public_endpoints_are_rate_limited(api_for, complaint_body, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public_check": "2/min"}}
    from rest_framework.throttling import ScopedRateThrottle

    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {"public_check": "2/min"}
    try:
        client = api_for(None)
        codes = [client.get("/api/v1/complaints/AAAA-BBBB-CCCC-DDDD-EEEE").status_code for _ in range(3)]
        assert codes[-1] == 429
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
