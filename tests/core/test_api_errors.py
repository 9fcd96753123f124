"""The API error format of DESIGN.md §8 on every failure path, the health check, and no 500s."""

import json
import re

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from core.views import bad_request, page_not_found, permission_denied, server_error

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_error(response, status: int, code: str) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    for name, messages in error["fields"].items():
        assert isinstance(name, str)
        assert messages and all(isinstance(m, str) for m in messages)
    return error


def test_unknown_api_path_is_a_json_404():
    error = assert_error(Client().get("/api/v1/no-such-thing"), 404, "not_found")
    assert CJK.search(error["message"]), "errors are in Chinese by default"


def test_unknown_html_path_is_an_html_404():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_wrong_method_is_a_405_in_the_error_format():
    assert_error(APIClient().post("/api/v1/regions/21", {}, format="json"), 405, "method_not_allowed")
    assert_error(APIClient().delete("/api/v1/regions/21"), 405, "method_not_allowed")


def test_anonymous_access_to_private_endpoints_is_a_401():
    for path in ("/api/v1/organisations/", "/api/v1/me"):
        response = APIClient().get(path)
        error = assert_error(response, 401, "not_authenticated")
        assert CJK.search(error["message"])
        assert response.has_header("WWW-Authenticate")


def test_a_bad_token_is_a_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert_error(client.get("/api/v1/me"), 401, "authentication_failed")


def test_a_session_request_without_csrf_token_is_a_403_in_the_error_format(demo_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(demo_user("huanggu.ca"))
    assert client.get("/api/v1/me").status_code == 200
    assert_error(client.post("/api/v1/me", {}, format="json"), 403, "permission_denied")


def test_django_error_handlers_answer_json_under_api_and_html_elsewhere(demo_user):
    factory = RequestFactory()
    for handler, status, code in (
        (bad_request, 400, "bad_request"),
        (permission_denied, 403, "permission_denied"),
        (page_not_found, 404, "not_found"),
    ):
        request = factory.get("/api/v1/anything")
        request.user = demo_user("huanggu.ca")
        assert_error(handler(request, Exception()), status, code)
        request = factory.get("/regions/anything")
        request.user = demo_user("huanggu.ca")
        html = handler(request, Exception())
        assert html.status_code == status
        assert html["Content-Type"].startswith("text/html")
    request = factory.get("/api/v1/anything")
    assert_error(server_error(request), 500, "server_error")


def test_malformed_json_is_a_400_not_a_500():
    response = APIClient().post("/api/v1/auth/token/", data='{"username": "a", ', content_type="application/json")
    error = assert_error(response, 400, "malformed_request")
    assert CJK.search(error["message"])


def test_validation_errors_name_each_field():
    error = assert_error(APIClient().post("/api/v1/auth/token/", {}, format="json"), 400, "invalid")
    assert set(error["fields"]) == {"username", "password"}


def test_a_body_over_the_limit_is_a_413_before_it_is_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"username": "x" * 2000, "password": "y"})
    response = APIClient().post("/api/v1/auth/token/", data=body, content_type="application/json")
    error = assert_error(response, 413, "request_too_large")
    assert CJK.search(error["message"])
    small = APIClient().post("/api/v1/auth/token/", data=json.dumps({"username": "x", "password": "y"}),
                             content_type="application/json")
    assert small.status_code == 401


def test_uploads_have_their_own_larger_allowance(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.MAX_UPLOAD_BYTES = 10_000
    payload = {"file": ("x" * 3000)}
    response = Client().post("/api/v1/auth/token/", payload)  # multipart: within the upload allowance
    assert response.status_code != 413
    payload = {"file": ("x" * 20_000)}
    assert_error(Client().post("/api/v1/auth/token/", payload), 413, "request_too_large")


def test_an_invalid_region_code_is_a_400_in_the_error_format():
    for code in ("2", "123", "21010", "abcdef", "２１", "2101050232011"):
        assert_error(APIClient().get(f"/api/v1/regions/{code}"), 400, "invalid_code")


def test_healthz_reports_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_api_root_and_schema_are_public():
    root = APIClient().get("/api/v1/")
    assert root.status_code == 200
    assert root.json()["schema"].endswith("/api/v1/schema/")
    schema = APIClient().get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/regions/{code}" in schema.content
