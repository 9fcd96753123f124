"""POST /api/v1/reporting/analyze (DESIGN.md §8): public, validated, the engine's answer."""

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/reporting/analyze"


def _form(**kw):  # noqa: ANN003, ANN202
    form = {"id": "f1", "agency": "卫健局", "name": "月报", "kind": "report", "frequency": "monthly",
            "deadline_days": 10, "in_annual_plan": True, "list_item": "A23", "fields": ["户籍人口", "常住人口"]}
    form.update(kw)
    return form


def test_anyone_can_analyze_forms_and_gets_the_contract_shape(api_for):
    forms = [_form(), _form(id="f2", agency="残联", fields=["户籍人口数"], deadline_days=2, list_item="")]
    response = api_for(None).post(URL, {"forms": forms}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"overlaps", "rush", "unlisted", "burden"}
    assert body["overlaps"] == [{"element": "户籍人口", "fields": [{"form": "f1", "field": "户籍人口"},
                                                               {"form": "f2", "field": "户籍人口数"}],
                                 "agencies": ["卫健局", "残联"], "multi_head": True}]
    assert [r["form"] for r in body["rush"]] == ["f2"]
    assert body["unlisted"] == [{"form": "f2"}]
    assert body["burden"] == {"fields_total": 3, "fields_unique": 2, "filings_per_year": 24}


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "fax"}, "forms.0.kind"),
    ({"frequency": "hourly"}, "forms.0.frequency"),
    ({"deadline_days": -1}, "forms.0.deadline_days"),
    ({"deadline_days": "soon"}, "forms.0.deadline_days"),
    ({"fields": "户籍人口"}, "forms.0.fields"),
])
def test_bad_input_is_a_400_naming_the_field(api_for, change, field):
    response = api_for(None).post(URL, {"forms": [_form(**change)]}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_body_that_is_not_an_object_is_a_400_in_the_error_format(api_for):
    response = api_for(None).post(URL, [1, 2], format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_the_openapi_schema_still_answers(client):
    assert client.get("/api/v1/schema/").status_code == 200
