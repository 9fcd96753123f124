"""GET /api/v1/regions/{code} and /children: public, former codes resolve, errors in the §8 format."""

import pytest
from rest_framework.test import APIClient

from regions.models import Region
from regions.services import recode_region

pytestmark = pytest.mark.django_db


def get(path: str):  # noqa: ANN201
    return APIClient().get(path)


@pytest.mark.parametrize("code,name,level", [
    ("21", "辽宁省", 1), ("2101", "沈阳市", 2), ("210105", "皇姑区", 3), ("210105023", "鸭绿江街道", 4),
    ("210105023201", "文官村委会", 5), ("210100000000", "沈阳市", 2),
])
def test_a_region_is_found_by_any_prefix_length_of_its_code(code, name, level):
    response = get(f"/api/v1/regions/{code}")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["level"]) == (name, level)
    assert body["code"] == code.ljust(12, "0")
    assert len(body["path"]) == level - 1
    assert [p["level"] for p in body["path"]] == list(range(1, level))


def test_the_province_counts_every_level_below_it():
    body = get("/api/v1/regions/21").json()
    assert body["counts"] == {"city": 14, "county": 100, "township": 1406, "village": 16727}
    assert body["parent"] is None


def test_a_committee_carries_its_kind_and_its_path():
    body = get("/api/v1/regions/210105023201").json()
    assert body["committee_kind"] == "village"
    assert body["committee_kind_name"] == "村民委员会"
    assert [p["name"] for p in body["path"]] == ["辽宁省", "沈阳市", "皇姑区", "鸭绿江街道"]
    assert body["parent"]["code"] == "210105023000"
    assert body["counts"] == {}
    residents = get("/api/v1/regions/210202001002").json()
    assert residents["committee_kind"] == "residents" and residents["committee_kind_name"] == "居民委员会"


def test_an_unknown_code_is_a_404_in_the_error_format():
    for code in ("99", "219999", "210105023999"):
        response = get(f"/api/v1/regions/{code}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert code.ljust(12, "0") in response.json()["error"]["message"]


def test_an_invalid_code_is_a_400():
    for code in ("1", "210", "2101050", "21010502320", "abc", "21%2001"):
        response = get(f"/api/v1/regions/{code}")
        assert response.status_code == 400, code
        assert response.json()["error"]["code"] == "invalid_code"


def test_former_codes_resolve_after_a_recode():
    huanggu = Region.objects.get(code="210105000000")
    recode_region(huanggu, "210199", reason="撤区设区（测试）")
    for old, new in (("210105", "210199000000"), ("210105023201", "210199023201"), ("210105023", "210199023000")):
        body = get(f"/api/v1/regions/{old}").json()
        assert body["code"] == new, old
    assert get("/api/v1/regions/210105023201").json()["name"] == "文官村委会"
    assert get("/api/v1/regions/210199023201").json()["path"][2]["code"] == "210199000000"


def test_children_are_paginated_with_committee_counts():
    body = get("/api/v1/regions/21/children").json()
    assert body["count"] == 14
    assert {"count", "next", "previous", "results"} <= set(body)
    assert sum(child["committees"] for child in body["results"]) == 16727
    shenyang = next(c for c in body["results"] if c["code"] == "210100000000")
    assert shenyang["committees"] == Region.objects.filter(code__startswith="2101", level=5).count()
    assert [c["code"] for c in body["results"]] == sorted(c["code"] for c in body["results"])

    first = get("/api/v1/regions/21/children?page_size=5").json()
    assert len(first["results"]) == 5 and first["previous"] is None and first["next"]
    third = get("/api/v1/regions/21/children?page_size=5&page=3").json()
    assert len(third["results"]) == 4 and third["next"] is None
    codes = [c["code"] for page in (1, 2, 3) for c in get(f"/api/v1/regions/21/children?page_size=5&page={page}").json()["results"]]
    assert codes == [c["code"] for c in body["results"]]


def test_children_of_a_county_and_a_township_count_their_committees():
    county = get("/api/v1/regions/210105/children").json()
    assert county["count"] == Region.objects.filter(parent__code="210105000000").count()
    assert sum(c["committees"] for c in county["results"]) == Region.objects.filter(code__startswith="210105", level=5).count()
    street = get("/api/v1/regions/210105023/children?page_size=500").json()
    assert "210105023201" in [c["code"] for c in street["results"]]
    assert all(c["committees"] == 1 and c["level"] == 5 for c in street["results"])
    assert get("/api/v1/regions/210105023201/children").json()["count"] == 0


def test_children_errors_are_in_the_error_format():
    assert get("/api/v1/regions/123/children").json()["error"]["code"] == "invalid_code"
    missing = get("/api/v1/regions/219999/children")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    past_end = get("/api/v1/regions/21/children?page=99")
    assert past_end.status_code == 404 and past_end.json()["error"]["code"] == "not_found"


def test_units_out_of_use_are_left_out_of_children_and_counts():
    Region.objects.filter(code="210105023201").update(is_active=False)
    street = get("/api/v1/regions/210105023/children?page_size=500").json()
    assert "210105023201" not in [c["code"] for c in street["results"]]
    county = get("/api/v1/regions/210105").json()
    assert county["counts"]["village"] == Region.objects.filter(code__startswith="210105", level=5, is_active=True).count()


def test_region_endpoints_need_no_login_and_answer_fast_enough_in_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert get("/api/v1/regions/21/children").status_code == 200
    with django_assert_max_num_queries(6):
        assert get("/api/v1/regions/210105023201").status_code == 200
