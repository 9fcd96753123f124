"""GET /api/v1/committees/{code}/worklist — the public contract of DESIGN.md §8."""

import pytest

from worklists import services

pytestmark = pytest.mark.django_db

VILLAGE = "210105023201"  # 文官村, 皇姑区
COMMUNITY = "210202001002"  # 春海社区, 大连中山区


def get(api_for, code, **params):
    return api_for().get(f"/api/v1/committees/{code}/worklist", params)


def test_village_committee_gets_every_applicable_item_with_a_legal_basis(api_for):
    response = get(api_for, VILLAGE)
    assert response.status_code == 200
    body = response.json()
    assert set(body["list"]) >= {"title", "level", "version", "published_at", "approval_document"}
    assert body["list"]["approval_document"]
    codes = {i["code"] for i in body["items"]}
    assert {"P01", "P04", "A08"} <= codes
    assert not any(i["applies_to"] == "community" for i in body["items"])
    for item in body["items"]:
        assert set(item) >= {"code", "name", "content", "category", "legal_basis"}
        assert item["category"] in ("perform", "assist")
        assert item["legal_basis"], item["code"]
        assert all(set(b) == {"law", "article"} and b["law"] for b in item["legal_basis"])


def test_village_gets_the_county_list_with_its_local_addition_and_without_the_omitted_item(api_for):
    body = get(api_for, VILLAGE).json()
    assert body["list"]["level"] == "county"
    codes = {i["code"] for i in body["items"]}
    assert "HG01" in codes and "A25" not in codes


def test_residents_committee_gets_no_village_only_items(api_for):
    body = get(api_for, COMMUNITY).json()
    codes = {i["code"] for i in body["items"]}
    assert {"P09", "P10", "P11", "P03"} <= codes
    assert not codes & {"P01", "P02", "P04", "P05", "P06", "P07", "P13", "A08"}
    assert all(i["applies_to"] in ("community", "both") and i["legal_basis"] for i in body["items"])


def test_committee_without_county_or_city_list_falls_back_to_the_provincial_catalog(api_for):
    body = get(api_for, COMMUNITY).json()
    assert body["list"]["level"] == "catalog" and body["list"]["version"] == 2


def test_the_list_in_force_on_a_past_date_is_the_first_catalog_citing_the_2018_text(api_for):
    body = get(api_for, VILLAGE, date="2024-06-01").json()
    assert body["list"]["level"] == "catalog" and body["list"]["version"] == 1
    p01 = next(i for i in body["items"] if i["code"] == "P01")
    assert {"law": "中华人民共和国村民委员会组织法", "article": "第二十一条"} in p01["legal_basis"]


def test_before_any_publication_there_is_no_list(api_for):
    response = get(api_for, VILLAGE, date="2020-01-01")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_list"


def test_bad_input_is_a_chinese_error_in_the_api_format(api_for):
    bad = get(api_for, "21010502320X")
    assert bad.status_code == 400 and set(bad.json()["error"]) == {"code", "message", "fields"}
    assert get(api_for, "219999999999").status_code == 404
    county = get(api_for, "210105000000")
    assert county.status_code == 404 and county.json()["error"]["code"] == "not_a_committee"
    assert get(api_for, VILLAGE, date="2024-13-01").status_code == 400


def test_the_contract_needs_no_login_and_ignores_a_bad_token(client):
    response = client.get(f"/api/v1/committees/{VILLAGE}/worklist", HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 200


def test_effective_list_interface_filters_by_committee_kind(db):
    from regions.models import Region

    village = services.effective_list(Region.objects.get(code=VILLAGE))
    community = services.effective_list(Region.objects.get(code=COMMUNITY))
    assert village.version.worklist.region.code == "210105000000"
    assert all(i.applies_to != "community" for i in village.items)
    assert all(i.applies_to != "village" for i in community.items)
    a08 = next(i for i in village.items if i.code == "A08")
    assert services.item_legal_basis(a08) == [{"law": "中华人民共和国民法典", "article": "第一千一百四十五条"}]
