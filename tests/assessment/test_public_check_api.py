"""POST /api/v1/assessments/check (DESIGN.md §8): public, throttled, validated, the checker's answer."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from assessment.api import MAX_INDICATORS, MAX_TOTAL_CHARS, AssessmentCheckView

URL = "/api/v1/assessments/check"
pytestmark = pytest.mark.django_db


def post(body, client=None):
    return (client or APIClient()).post(URL, body, format="json")


def test_anyone_may_check_a_plan_without_logging_in_and_gets_the_contract_shape():
    response = post({"title": "2025年度考核方案", "indicators": [
        {"name": "信访", "description": "实行一票否决", "evidence": []},
        {"name": "调解", "description": "及时调解纠纷", "evidence": ["入户走访"]},
    ]})
    assert response.status_code == 200
    body = response.json()
    assert body["compliant"] is False
    finding = body["findings"][0]
    assert {"article", "clause", "indicator", "message", "evidence"} <= set(finding)
    assert (finding["article"], finding["clause"], finding["indicator"]) == (7, 1, 0)
    assert "一票否决" in finding["evidence"]


def test_a_compliant_plan_has_no_findings():
    body = post({"title": "综合考核方案", "indicators": [{"name": "调解", "description": "及时调解纠纷", "evidence": []}]}).json()
    assert body == {"compliant": True, "findings": []}


def test_findings_in_the_title_carry_a_null_indicator():
    body = post({"title": "各社区工作排名考核办法", "indicators": []}).json()
    assert body["findings"] and body["findings"][0]["indicator"] is None and body["findings"][0]["clause"] == 2


@pytest.mark.parametrize("body, field", [
    ({"indicators": []}, "title"),
    ({"title": "x"}, "indicators"),
    ({"title": "x", "indicators": "排名"}, "indicators"),
    ({"title": "x", "indicators": [{"description": "排名"}]}, "indicators.0.name"),
    ({"title": "x", "indicators": [{"name": "a", "evidence": "not a list"}]}, "indicators.0.evidence"),
    ({"title": "x" * 201, "indicators": []}, "title"),
])
def test_bad_input_is_a_400_naming_the_field(body, field):
    response = post(body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and any(k.startswith(field) for k in error["fields"]), error


def test_a_body_that_is_not_an_object_is_a_clear_400():
    response = APIClient().post(URL, "[1, 2]", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["message"]
    response = APIClient().post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"


def test_oversized_plans_are_refused_before_the_checker_runs():
    many = [{"name": "调解", "description": "", "evidence": []}] * (MAX_INDICATORS + 1)
    assert post({"title": "x", "indicators": many}).status_code == 400
    long_field = [{"name": "a", "description": "排" * 2001, "evidence": []}]
    assert "indicators.0.description" in post({"title": "x", "indicators": long_field}).json()["error"]["fields"]
    per = 1990
    bulky = [{"name": "a", "description": "考" * per, "evidence": []}] * (MAX_TOTAL_CHARS // per + 1)
    response = post({"title": "x", "indicators": bulky})
    assert response.status_code == 400 and "indicators" in response.json()["error"]["fields"]


def test_the_endpoint_is_throttled_under_the_public_check_scope():
    assert AssessmentCheckView.throttle_scope == "public_check"


def test_the_public_check_is_rate_limited_per_client(settings):
    from django.core.cache import cache

    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public_check": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.throttling import ScopedRateThrottle

    old = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [post({"title": "x", "indicators": []}).status_code for _ in range(3)]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = old
        cache.clear()
    assert codes == [200, 200, 429]


def test_the_assessment_endpoints_produce_a_valid_openapi_schema_without_warnings(capsys):
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    generator = SchemaGenerator(patterns=[path("api/v1/", include("assessment.api_urls"))])
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    assert "/api/v1/assessments/check" in schema["paths"]
    assert "AssessmentCheckRequest" in schema["components"]["schemas"]
    assert "Warning" not in capsys.readouterr().err


def test_the_openapi_schema_view_answers():
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/assessments/check" in response.content


def test_the_public_check_page_works_without_logging_in(client):
    page = client.get("/assessment/check/")
    assert page.status_code == 200
    response = client.post("/assessment/check/", {"title": "考核方案", "name_0": "安全", "description_0": "年终按得分排名",
                                                   "evidence_0": "", "rows": "5"})
    text = response.content.decode()
    assert response.status_code == 200 and "排名" in text and 'id="verdict"' in text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.one_of(st.text(max_size=60), st.integers(), st.none()),
    indicators=st.one_of(
        st.lists(st.fixed_dictionaries({"name": st.text(max_size=30)},
                                       optional={"description": st.one_of(st.text(max_size=80), st.integers()),
                                                 "evidence": st.one_of(st.lists(st.text(max_size=20), max_size=3), st.text(max_size=5))}),
                 max_size=4),
        st.text(max_size=10), st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2)),
)
def test_any_input_gets_a_200_or_a_400_never_a_500(title, indicators):
    from django.core.cache import cache

    cache.clear()  # keep the throttle out of the way
    response = post({"title": title, "indicators": indicators})
    assert response.status_code in (200, 400)
    body = response.json()
    assert ("compliant" in body) if response.status_code == 200 else ("error" in body)
