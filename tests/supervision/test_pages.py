"""Pages: the public complaint form and tracking, case steps through the UI, dashboards, scorecards and exports."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from supervision import services
from supervision.choices import CaseStatus
from supervision.models import Case

pytestmark = pytest.mark.django_db


def test_the_public_can_file_a_complaint_through_the_form_and_see_the_code_once(client, health):
    page = client.get("/supervision/complaints/new/?region=210105023201")
    assert page.status_code == 200 and "皇姑区卫生健康局" in page.content.decode()
    response = client.post("/supervision/complaints/new/", {
        "category": "quota", "region": "210105023201", "agency": health.pk, "text": "要求订阅报刊。", "anonymous": "on",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="tracking-code"' in html
    code = html.split('id="tracking-code">')[1].split("<")[0]
    tracked = client.post("/supervision/complaints/track/", {"code": code})
    assert tracked.status_code == 200 and 'id="status-label"' in tracked.content.decode()


def test_an_unknown_code_on_the_tracking_page_is_404_with_a_message(client):
    response = client.post("/supervision/complaints/track/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    assert response.status_code == 404
    assert "errorlist" in response.content.decode()


def test_a_form_error_is_shown_not_a_500(client):
    response = client.post("/supervision/complaints/new/", {"category": "quota", "region": "12", "text": ""})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_a_committee_reports_under_its_name_and_sees_it_in_its_list(client_for, health):
    c = client_for("wenguan.village")
    response = c.post("/supervision/complaints/new/", {
        "category": "mechanism_or_plaque", "region": "210105023201", "agency": health.pk, "text": "要求挂健康小屋牌子。",
    })
    assert response.status_code == 200
    mine = c.get("/supervision/complaints/mine/").content.decode()
    assert "违规设立工作机制" in mine
    case = Case.objects.latest("id")
    assert case.complaint.reporter_org.region.code == "210105023201"
    # Other committees do not see it.
    assert "违规设立工作机制" not in client_for("chunhai.community").get("/supervision/complaints/mine/").content.decode()


def test_the_bureau_and_the_agency_take_their_steps_through_the_pages(client_for, complaint_body, health):
    filed = services.file_complaint(**complaint_body)
    number = filed.case.number
    bureau, agency = client_for("huanggu.ca"), client_for("huanggu.health")
    assert bureau.post(f"/supervision/cases/{number}/assign/").status_code == 302
    assert bureau.post(f"/supervision/cases/{number}/decide/", {"founded": "1", "agency": health.pk, "facts": "借调属实。"}).status_code == 302
    deadline = timezone.localdate() + timedelta(days=7)
    assert bureau.post(f"/supervision/cases/{number}/order/", {"requirement": "返还人员", "deadline": str(deadline)}).status_code == 302
    # The agency cannot take a bureau step.
    assert agency.post(f"/supervision/cases/{number}/verify/", {"ok": "1"}).status_code == 403
    assert agency.post(f"/supervision/cases/{number}/respond/", {"response": "已返还"}).status_code == 302
    assert bureau.post(f"/supervision/cases/{number}/verify/", {"ok": "1"}).status_code == 302
    assert Case.objects.get(number=number).status == CaseStatus.CORRECTED


def test_an_invalid_step_form_is_400_with_errors(client_for, complaint_body):
    filed = services.file_complaint(**complaint_body)
    bureau = client_for("huanggu.ca")
    bureau.post(f"/supervision/cases/{filed.case.number}/assign/")
    response = bureau.post(f"/supervision/cases/{filed.case.number}/decide/", {"founded": "1", "facts": ""})
    assert response.status_code == 400


def test_the_committee_page_links_to_the_complaint_channel(client):
    html = client.get("/committees/210105023201/").content.decode()
    assert "/supervision/complaints/new/?region=210105023201" in html


def test_the_dashboard_shows_figures_that_drill_down_and_local_svg_charts(client_for):
    response = client_for("huanggu.ca").get("/supervision/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "cdn" not in html.lower()
    assert "/supervision/cases/?region=210105000000" in html


def test_the_dashboard_is_for_civil_affairs_and_governments(client_for):
    assert client_for("huanggu.health").get("/supervision/dashboard/").status_code == 403
    assert client_for("wenguan.village").get("/supervision/dashboard/").status_code == 403


def test_a_region_outside_scope_on_the_dashboard_is_404(client_for):
    assert client_for("zhongshan.ca").get("/supervision/dashboard/?region=210105000000").status_code == 404
    assert client_for("province.ca").get("/supervision/dashboard/?region=210105000000").status_code == 200


def test_drill_down_lists_only_visible_cases(client_for, complaint_body):
    filed = services.file_complaint(**complaint_body)
    assert filed.case.number in client_for("huanggu.ca").get("/supervision/cases/?region=210105000000").content.decode()
    assert filed.case.number not in client_for("zhongshan.ca").get("/supervision/cases/").content.decode()


def test_the_dashboard_panels_point_each_organisation_to_its_part(client_for):
    assert "/supervision/complaints/new/" in client_for("wenguan.village").get("/dashboard/").content.decode()
    assert "/supervision/dashboard/" in client_for("huanggu.ca").get("/dashboard/").content.decode()
    assert "/supervision/scorecards/" in client_for("huanggu.health").get("/dashboard/").content.decode()


def test_attachments_go_to_the_handling_bureau_only(client_for, complaint_body, tmp_media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    filed = services.file_complaint(**complaint_body, files=[SimpleUploadedFile("a.png", png)])
    item = filed.complaint.attachments.get()
    response = client_for("huanggu.ca").get(f"/supervision/attachments/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == png
    assert client_for("huanggu.health").get(f"/supervision/attachments/{item.pk}/").status_code == 404
    assert client_for("zhongshan.ca").get(f"/supervision/attachments/{item.pk}/").status_code == 404


def test_violations_from_a_registered_source_can_open_a_case(client_for, health):
    from supervision.sources import _VIOLATION_SOURCES, Violation, register_violation_source

    def lister(region):  # noqa: ANN001, ANN202
        if region.code == "210105000000":
            yield Violation(source="test_source", ref="WR-1", agency_id=health.pk, region_code="210105023201",
                            article=8, clause=1, summary="工作任务被拒：将村委会作为环境整治责任主体")

    register_violation_source("test_source", lister)
    try:
        c = client_for("huanggu.ca")
        assert "工作任务被拒" in c.get("/supervision/violations/").content.decode()
        response = c.post("/supervision/violations/", {"source": "test_source", "ref": "WR-1"})
        assert response.status_code == 302
        case = Case.objects.get(source_name="test_source", source_ref="WR-1")
        assert case.agency == health and case.category == "shifted_responsibility" and case.source == "system"
        # Opening again returns the same case; another bureau cannot open it.
        assert c.post("/supervision/violations/", {"source": "test_source", "ref": "WR-1"})["Location"].endswith(f"/{case.number}/")
        assert client_for("zhongshan.ca").post("/supervision/violations/", {"source": "test_source", "ref": "WR-1"}).status_code == 404
    finally:
        _VIOLATION_SOURCES.pop("test_source", None)


# --- Scorecards ---------------------------------------------------------------------------------------------------

def test_the_scorecard_counts_complaints_cases_and_timeliness(complaint_body, demo_user, health):
    from supervision.scorecards import current_period, scorecard

    before = scorecard(health, current_period())
    bureau, agency = demo_user("huanggu.ca"), demo_user("huanggu.health")
    filed = services.file_complaint(**complaint_body)
    services.assign(filed.case, bureau)
    services.decide(filed.case, bureau, founded=True, facts="属实")
    services.order_correction(filed.case, bureau, requirement="改正")
    services.respond(filed.case, agency, text="已改正")
    after = scorecard(health, current_period())
    assert after.value("complaints") == before.value("complaints") + 1
    assert after.value("cases") == before.value("cases") + 1
    assert after.value("corrections_on_time") == before.value("corrections_on_time") + 1
    assert 0 <= after.value("correction_timeliness") <= 100


def test_a_metric_no_module_computes_yet_shows_as_missing(health):
    from supervision import sources
    from supervision.scorecards import current_period, scorecard

    sources.declare_metric("test_future_metric", "future", 99)
    try:
        assert scorecard(health, current_period()).value("test_future_metric") is None
    finally:
        sources._METRICS.pop("test_future_metric", None)


def test_a_registered_metric_of_another_module_appears_on_the_scorecard(health):
    from supervision import sources
    from supervision.scorecards import current_period, scorecard

    saved = sources._METRICS["requests"]
    sources.register_scorecard_metric("requests", lambda agency, period: 7)
    try:
        assert scorecard(health, current_period()).value("requests") == 7
    finally:
        sources._METRICS["requests"] = saved


def test_scorecards_export_to_excel_with_formulas_neutralised(client_for, health):
    from openpyxl import load_workbook

    health.name = "=HYPERLINK(\"http://evil\")"
    health.save()
    response = client_for("huanggu.ca").get("/supervision/scorecards/?all=1&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=3)]
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert all(not (isinstance(v, str) and v.startswith("=")) for row in sheet.iter_rows() for v in (c.value for c in row))


def test_scorecards_export_to_pdf(client_for):
    response = client_for("huanggu.ca").get("/supervision/scorecards/?format=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_committees_are_never_scored_or_ranked(client_for):
    from regions.models import Organisation

    committee = Organisation.objects.get(region__code="210105023201", kind="committee")
    assert client_for("huanggu.ca").get(f"/supervision/scorecards/{committee.pk}/").status_code == 404
    html = client_for("huanggu.ca").get("/supervision/scorecards/?all=1").content.decode()
    assert "文官村委会" not in html


def test_an_agency_sees_its_own_scorecard_but_not_others(client_for, health):
    from regions.models import Organisation

    assert client_for("huanggu.health").get(f"/supervision/scorecards/{health.pk}/").status_code == 200
    other = Organisation.objects.get(region__code="210105000000", kind="department", sector="emergency")
    assert client_for("huanggu.health").get(f"/supervision/scorecards/{other.pk}/").status_code == 403
    assert client_for("zhongshan.ca").get(f"/supervision/scorecards/{health.pk}/").status_code == 404


def test_a_bad_period_is_404_not_500(client_for):
    assert client_for("huanggu.ca").get("/supervision/scorecards/?period=20x6").status_code == 404


def test_the_public_forms_are_rate_limited_per_client(client):
    from rest_framework.throttling import ScopedRateThrottle

    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {"public_check": "2/min"}
    try:
        codes = [client.post("/supervision/complaints/track/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"}).status_code for _ in range(3)]
        assert codes == [404, 404, 429]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
