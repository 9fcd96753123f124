"""The county officer's page to paste forms that are not registered: the same §8 analysis as
POST /api/v1/reporting/analyze, plus the fields no element explains; nothing is stored; only officers of a
civil-affairs bureau or a government see it."""

import pytest

from reporting import services
from reporting.models import ReportingChannel, UnresolvedField

pytestmark = pytest.mark.django_db

PASTED = (
    "实有人口台账 | 公安分局\n户籍人口数\n户籍户数\n\n"
    "老年人摸底表｜卫生健康局\n户籍人口\t65周岁以上老年人口数\t签约家庭医生的独居老人数（新）\n\n"
    "户籍人口（人）\t残疾人数\n"
)


def test_pasted_blocks_become_forms_with_names_agencies_and_excel_header_rows():
    forms = services.parse_pasted_forms(PASTED, frequency="weekly", deadline_days=3)
    assert [f["name"] for f in forms][:2] == ["实有人口台账", "老年人摸底表"] and "3" in forms[2]["name"]
    assert [f["agency"] for f in forms] == ["公安分局", "卫生健康局", ""]
    assert forms[0]["fields"] == ["户籍人口数", "户籍户数"]
    assert forms[1]["fields"] == ["户籍人口", "65周岁以上老年人口数", "签约家庭医生的独居老人数（新）"]
    assert forms[2]["fields"] == ["户籍人口（人）", "残疾人数"]
    assert all(f["frequency"] == "weekly" and f["deadline_days"] == 3 for f in forms)


@pytest.mark.parametrize("text", ["", "   \n\n", "只有表名\n\n另一个表名"])
def test_a_paste_without_fields_is_a_clear_error(text):
    with pytest.raises(Exception) as failure:
        services.parse_pasted_forms(text)
    assert failure.value.status_code == 400


def test_the_page_shows_exactly_the_analysis_of_the_public_endpoint(client_for, api_for):
    page = client_for("huanggu.ca").post("/reporting/analyze/", {"text": PASTED, "frequency": "monthly",
                                                                "deadline_days": "3", "list_item": ""})
    assert page.status_code == 200
    result = page.context["result"]
    forms = services.parse_pasted_forms(PASTED, frequency="monthly", deadline_days=3)
    endpoint = api_for(None).post("/api/v1/reporting/analyze", {"forms": forms}, format="json")
    assert endpoint.status_code == 200 and result["analysis"] == endpoint.json()
    population = next(o for o in result["analysis"]["overlaps"] if o["element"] == "户籍人口")
    assert len(population["fields"]) == 3 and population["multi_head"]
    html = page.content.decode()
    assert "实有人口台账" in html and "签约家庭医生的独居老人数（新）" in html
    assert any("签约家庭医生的独居老人数（新）" in u["names"] for u in result["unresolved"])
    assert {r["form"] for r in result["analysis"]["rush"]} == {"1", "2", "3"}  # 3 days' notice, outside the plan
    assert {u["form"] for u in result["analysis"]["unlisted"]} == {"1", "2", "3"}


def test_analysing_pasted_forms_registers_and_queues_nothing(client_for):
    channels, queued = ReportingChannel.objects.count(), UnresolvedField.objects.count()
    response = client_for("huanggu.ca").post("/reporting/analyze/", {"text": PASTED, "frequency": "monthly",
                                                                    "deadline_days": "10", "in_annual_plan": "on",
                                                                    "list_item": "A12"})
    assert response.status_code == 200
    assert response.context["result"]["analysis"]["rush"] == []
    assert response.context["result"]["analysis"]["unlisted"] == []
    assert ReportingChannel.objects.count() == channels and UnresolvedField.objects.count() == queued


def test_a_bad_paste_shows_an_error_on_the_page_not_a_500(client_for):
    response = client_for("huanggu.ca").post("/reporting/analyze/", {"text": "只有表名", "frequency": "monthly"})
    assert response.status_code == 200 and response.context["result"] is None
    assert any(m.level_tag == "error" for m in response.context["messages"])
    odd = client_for("huanggu.ca").post("/reporting/analyze/", {"text": PASTED, "frequency": "hourly"})
    assert odd.status_code == 200 and odd.context["result"] is None


def test_the_page_is_for_civil_affairs_and_government_officers_and_linked_from_the_reporting_pages(client_for, client):
    assert client_for("huanggu.ca").get("/reporting/analyze/").status_code == 200
    assert client_for("huanggu.gov").get("/reporting/analyze/").status_code == 200
    assert client_for("huanggu.health").get("/reporting/analyze/").status_code == 404
    assert client_for("wenguan.village").get("/reporting/analyze/").status_code == 404
    assert client.get("/reporting/analyze/").status_code == 302
    assert "/reporting/analyze/" in client_for("huanggu.ca").get("/reporting/").content.decode()
    assert "/reporting/analyze/" in client_for("huanggu.ca").get("/reporting/review/210105000000/").content.decode()
    assert "/reporting/analyze/" not in client_for("huanggu.health").get("/reporting/").content.decode()
