"""Who sees what: plans, results and visits in scope, out of scope (和平区, 大连中山区) and anonymously, on pages, in
the API and in exports; and the committee sees its own band with reasons."""

import csv
import io

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import InspectionVisit

from .conftest import WENGUAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def result(published_plan, demo_user):  # noqa: ANN001, ANN201
    from regions.models import Region

    return services.record_result(demo_user("yalujiang.street"), published_plan, Region.objects.get(code=WENGUAN),
                                  "fairly_good", "调解及时，消防公约待完善")


@pytest.fixture
def own_visit(demo_user):  # noqa: ANN001, ANN201
    from regions.models import Region

    return services.record_visit(demo_user("huanggu.health"), committee=Region.objects.get(code=WENGUAN),
                                 visited_on=timezone.localdate(), kind="check", purpose="专项检查-范围测试")


def test_a_draft_plan_is_seen_by_its_street_and_county_and_is_404_elsewhere(make_plan, client_for, client, api_for):
    plan = make_plan()
    url = f"/assessment/plans/{plan.pk}/"
    assert client_for("yalujiang.street").get(url).status_code == 200
    assert client_for("huanggu.ca").get(url).status_code == 200
    assert client_for("zhongshan.ca").get(url).status_code == 404
    assert client.get(url).status_code == 404
    assert api_for("zhongshan.ca").get(f"/api/v1/assessments/plans/{plan.pk}").status_code == 404
    assert api_for(None).get(f"/api/v1/assessments/plans/{plan.pk}").status_code == 404
    listed = client_for("zhongshan.ca").get("/assessment/plans/").content.decode()
    assert plan.title not in listed
    api_ids = [p["id"] for p in api_for("huanggu.ca").get("/api/v1/assessments/plans", {"page_size": 500}).json()["results"]]
    assert plan.pk in api_ids
    other_ids = [p["id"] for p in api_for("zhongshan.ca").get("/api/v1/assessments/plans", {"page_size": 500}).json()["results"]]
    assert plan.pk not in other_ids


def test_a_published_plan_is_public(published_plan, client, api_for):
    assert client.get(f"/assessment/plans/{published_plan.pk}/").status_code == 200
    assert api_for(None).get(f"/api/v1/assessments/plans/{published_plan.pk}").status_code == 200


def test_the_committee_sees_its_band_with_reasons_and_neighbours_do_not(result, client_for, api_for, client):
    page = client_for("wenguan.village").get("/assessment/results/").content.decode()
    assert "较好" in page and "调解及时，消防公约待完善" in page
    committee_page = client_for("wenguan.village").get(f"/committees/{WENGUAN}/").content.decode()
    assert "较好" in committee_page and "调解及时" in committee_page
    assert f"{result.plan.title}：较好" in client_for("wenguan.village").get("/dashboard/").content.decode()
    assert "调解及时，消防公约待完善" not in client_for("chunhai.community").get("/assessment/results/").content.decode()
    assert "调解及时，消防公约待完善" not in client.get(f"/committees/{WENGUAN}/").content.decode()
    assert api_for("wenguan.village").get("/api/v1/assessments/results").json()["count"] >= 1
    assert api_for("chunhai.community").get("/api/v1/assessments/results").json()["count"] == 0
    assert api_for("zhongshan.ca").get("/api/v1/assessments/results", {"plan": result.plan_id}).json()["count"] == 0
    assert api_for(None).get("/api/v1/assessments/results").status_code in (401, 403)
    assert client.get("/assessment/results/").status_code == 302


def test_result_exports_follow_the_scope(result, client_for):
    own = client_for("wenguan.village").get("/assessment/results/", {"format": "csv"})
    assert own.status_code == 200 and "调解及时，消防公约待完善" in own.content.decode("utf-8-sig")
    other = client_for("chunhai.community").get("/assessment/results/", {"format": "csv"})
    assert "调解及时，消防公约待完善" not in other.content.decode("utf-8-sig")
    xlsx = client_for("huanggu.ca").get("/assessment/results/", {"format": "xlsx", "plan": result.plan_id})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_visits_are_seen_by_the_county_and_not_by_another_county(own_visit, client_for, api_for, client):
    assert "专项检查-范围测试" in client_for("huanggu.ca").get("/assessment/visits/").content.decode()
    assert "专项检查-范围测试" not in client_for("zhongshan.ca").get("/assessment/visits/").content.decode()
    assert client.get("/assessment/visits/").status_code == 302
    ids = [v["id"] for v in api_for("huanggu.ca").get("/api/v1/assessments/visits", {"page_size": 500}).json()["results"]]
    assert own_visit.pk in ids
    assert api_for("zhongshan.ca").get("/api/v1/assessments/visits").json()["count"] == 0
    export = client_for("zhongshan.ca").get("/assessment/visits/", {"format": "csv"}).content.decode("utf-8-sig")
    assert "专项检查-范围测试" not in export
    export = client_for("huanggu.ca").get("/assessment/visits/", {"format": "csv"}).content.decode("utf-8-sig")
    assert "专项检查-范围测试" in export


def test_visit_exports_neutralise_spreadsheet_formulas(client_for, demo_user):
    from regions.models import Region

    services.record_visit(demo_user("huanggu.health"), committee=Region.objects.get(code=WENGUAN),
                          visited_on=timezone.localdate(), kind="check", purpose="=HYPERLINK(\"x\")")
    rows = list(csv.reader(io.StringIO(client_for("huanggu.ca").get("/assessment/visits/", {"format": "csv"}).content.decode("utf-8-sig"))))
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)


def test_the_api_records_a_visit_and_reports_its_flags(api_for):
    response = api_for("huanggu.health").post("/api/v1/assessments/visits", {
        "committee": WENGUAN, "visited_on": timezone.localdate().isoformat(), "kind": "research", "purpose": "调研"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_unplanned"] and any(f["clause"] == 4 for f in body["flags"])
    bad = api_for("huanggu.health").post("/api/v1/assessments/visits", {"committee": "12", "kind": "x"}, format="json")
    assert bad.status_code == 400 and {"committee", "kind", "visited_on", "purpose"} <= set(bad.json()["error"]["fields"])
    denied = api_for("wenguan.village").post("/api/v1/assessments/visits", {
        "committee": WENGUAN, "visited_on": timezone.localdate().isoformat(), "kind": "check", "purpose": "x"}, format="json")
    assert denied.status_code == 403


def test_the_visit_totals_api_lists_committees_by_code(own_visit, api_for):
    body = api_for("huanggu.ca").get("/api/v1/assessments/visits/totals", {"year": timezone.localdate().year}).json()
    codes = [r["code"] for r in body["committees"]]
    assert WENGUAN in codes and codes == sorted(codes)
    assert api_for("huanggu.ca").get("/api/v1/assessments/visits/totals", {"year": "abc"}).status_code == 400


def test_the_health_bureau_records_a_visit_through_the_page(client_for):
    c = client_for("huanggu.health")
    assert c.get("/assessment/visits/new/").status_code == 200
    response = c.post("/assessment/visits/new/", {"committee": WENGUAN, "visited_on": timezone.localdate().isoformat(),
                                                  "kind": "inspection", "purpose": "页面登记的检查", "visitors": "2人"})
    assert response.status_code == 302
    assert InspectionVisit.objects.filter(purpose="页面登记的检查", is_unplanned=True).exists()


def test_api_steps_and_conflicts_use_the_error_format(make_plan, api_for):
    from .conftest import RANKING_INDICATOR

    plan = make_plan([(RANKING_INDICATOR, ["P08"])])
    api = api_for("yalujiang.street")
    stale = api.post(f"/api/v1/assessments/plans/{plan.pk}/submit", {"lock_version": plan.lock_version + 5}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert api.post(f"/api/v1/assessments/plans/{plan.pk}/submit", {}, format="json").status_code == 200
    refused = api.post(f"/api/v1/assessments/plans/{plan.pk}/approve", {}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "open_findings"
    assert api_for("zhongshan.ca").post(f"/api/v1/assessments/plans/{plan.pk}/approve", {}, format="json").status_code == 404
    assert api.post(f"/api/v1/assessments/plans/{plan.pk}/nonsense", {}, format="json").status_code == 404
    detail = api.get(f"/api/v1/assessments/plans/{plan.pk}").json()
    assert detail["findings"][0]["clause"] == 2


def test_a_township_works_a_plan_through_the_pages(client_for, listed):
    c = client_for("yalujiang.street")
    assert c.get("/assessment/plans/").status_code == 200
    from regions.models import Organisation

    street = Organisation.objects.get(region__code="210105023000", kind="street_office")
    response = c.post("/assessment/plans/new/", {"title": "页面考核方案", "year": 2026, "method": "", "owner": street.pk})
    assert response.status_code == 302
    plan_url = response["Location"]
    pk = int(plan_url.rstrip("/").split("/")[-1])
    item = next(i for i in listed.items if i.code == "P03")
    c.post(f"/assessment/plans/{pk}/indicators/new/", {"name": "纠纷调解", "description": "年终按得分排名", "weight": "100",
                                                        "method": "", "evidence": "", "items": [item.pk], "lock_version": ""})
    page = c.get(plan_url).content.decode()
    assert 'data-clause="2"' in page
    conflict = c.post(f"/assessment/plans/{pk}/edit/", {"title": "x", "year": 2026, "method": "", "lock_version": 0})
    assert conflict.status_code == 302
    from assessment.models import AssessmentPlan

    assert AssessmentPlan.objects.get(pk=pk).title == "页面考核方案"


def test_the_pages_render_in_english_for_users_who_chose_it(published_plan, client_for):
    from django.conf import settings

    c = client_for("yalujiang.street")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in ("/assessment/plans/", f"/assessment/plans/{published_plan.pk}/", f"/assessment/plans/{published_plan.pk}/results/",
                "/assessment/results/", "/assessment/visits/", "/assessment/check/", "/dashboard/"):
        response = c.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "en"
    assert "Record results" in c.get(f"/assessment/plans/{published_plan.pk}/").content.decode()


def test_the_dashboard_tells_the_street_what_to_do_next(make_plan, client_for):
    from .conftest import RANKING_INDICATOR

    make_plan([(RANKING_INDICATOR, ["P08"])])
    text = client_for("yalujiang.street").get("/dashboard/").content.decode()
    assert "/assessment/plans/?status=draft" in text and "/assessment/plans/" in text
    assert "/assessment/visit" in client_for("huanggu.health").get("/dashboard/").content.decode()
