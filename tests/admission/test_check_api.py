"""POST /api/v1/admission/check: the public contract of DESIGN.md §8, from outside."""

import pytest

URL = "/api/v1/admission/check"
WENGUAN = "210105023201"  # 文官村委会 (village committee)
WANFANG = "210105023001"  # 万方社区 (residents' committee)
ELDERLY = {"title": "协助开展65岁以上老年人健康管理服务宣传",
           "content": "请协助做好辖区65岁以上老年人免费健康体检的政策宣传，通知居民到社区卫生服务中心参加体检。"}
SECONDMENT = {"title": "抽调社区工作人员", "content": "从各社区抽调1名工作人员到街道参加人口普查工作。"}
UNLISTED = {"title": "社区垃圾分类督导员服务", "content": "由社区安排人员在垃圾投放点开展垃圾分类桶边督导，区城管局按月支付服务费用。"}

pytestmark = pytest.mark.django_db


def post(api_for, body):  # noqa: ANN001, ANN201
    return api_for(None).post(URL, body, format="json")


def test_anonymous_check_of_a_listed_task_is_admitted_with_the_exact_contract(api_for):
    response = post(api_for, {"region": WENGUAN, **ELDERLY})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"decision", "matched_items", "findings", "explanation"}
    assert body["decision"] == "admit"
    assert body["findings"] == []
    assert set(body["matched_items"][0]) == {"code", "name", "category", "score"}
    assert body["matched_items"][0]["category"] in ("perform", "assist")


def test_a_secondment_without_approval_is_rejected_under_article_8_clause_4(api_for):
    body = post(api_for, {"region": WANFANG, **SECONDMENT}).json()
    assert body["decision"] == "reject"
    assert (body["findings"][0]["article"], body["findings"][0]["clause"]) == (8, 4)
    assert set(body["findings"][0]) == {"article", "clause", "rule", "message", "evidence"}


def test_a_secondment_approved_by_the_county_government_is_not_rejected(api_for):
    approval = {"approved_by": "沈阳市皇姑区人民政府", "document": "皇政〔2026〕12号"}
    body = post(api_for, {"region": WANFANG, **SECONDMENT, "approval": approval}).json()
    assert body["decision"] != "reject"
    assert "皇政〔2026〕12号" in body["explanation"]


def test_a_street_office_approval_does_not_count_for_a_secondment(api_for):
    approval = {"approved_by": "鸭绿江街道办事处", "document": "鸭街〔2026〕1号"}
    body = post(api_for, {"region": WANFANG, **SECONDMENT, "approval": approval}).json()
    assert body["decision"] == "reject"


def test_unlisted_government_work_is_only_a_purchase_of_service(api_for):
    body = post(api_for, {"region": WANFANG, **UNLISTED}).json()
    assert body["decision"] == "purchase_service"
    assert body["matched_items"] == []


def test_a_committee_with_no_list_in_force_on_the_date_cannot_be_admitted_and_is_told_why(api_for):
    body = post(api_for, {"region": WENGUAN, **ELDERLY, "date": "2000-01-01"}).json()
    assert body["decision"] == "purchase_service"
    assert "清单" in body["explanation"] or "list" in body["explanation"]


def test_a_county_code_is_a_400_with_the_region_field(api_for):
    response = post(api_for, {"region": "210105000000", **ELDERLY})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "region" in error["fields"]


def test_a_malformed_code_is_a_400_with_the_region_field(api_for):
    response = post(api_for, {"region": "21010502320", **ELDERLY})
    assert response.status_code == 400
    assert "region" in response.json()["error"]["fields"]


def test_an_unknown_committee_code_is_a_404(api_for):
    response = post(api_for, {"region": "210105023999", **ELDERLY})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_missing_fields_are_a_400_in_the_error_format(api_for):
    response = post(api_for, {"region": WENGUAN})
    assert response.status_code == 400
    assert {"title", "content"} <= set(response.json()["error"]["fields"])


def test_a_bad_date_is_a_400_with_the_date_field(api_for):
    response = post(api_for, {"region": WENGUAN, **ELDERLY, "date": "2026/01/01"})
    assert response.status_code == 400
    assert "date" in response.json()["error"]["fields"]


def test_a_text_longer_than_the_cap_is_refused_before_checking(api_for, settings):
    settings.ADMISSION_MAX_TEXT = 100
    response = post(api_for, {"region": WENGUAN, "title": "标题", "content": "宣传" * 60})
    assert response.status_code == 400
    assert "content" in response.json()["error"]["fields"]


def test_a_json_array_body_is_a_400_not_a_500(api_for):
    response = api_for(None).post(URL, [1, 2], format="json")
    assert response.status_code == 400


def test_the_check_is_rate_limited_per_client(api_for, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public_check": "2/min"})
    client = api_for(None)
    codes = [client.post(URL, {"region": WENGUAN, **ELDERLY}, format="json").status_code for _ in range(3)]
    assert codes[:2] == [200, 200]
    assert codes[2] == 429


def test_one_engine_is_built_per_published_version_and_reused(api_for):
    from admission import services
    from regions.models import Region

    services.ENGINES.clear()
    committee = Region.objects.get(code=WENGUAN)
    version = services.resolve_version(committee)
    first = services.engine_for(version)
    post(api_for, {"region": WENGUAN, **ELDERLY})
    post(api_for, {"region": WANFANG, **UNLISTED})
    assert services.engine_for(version) is first


def test_the_openapi_schema_answers_200(api_for):
    response = api_for(None).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/admission/check" in response.content
