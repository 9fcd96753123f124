"""Art. 7(2): no page, API or export orders committees by their result, and results carry no score to rank by."""

import csv
import io

import pytest
from openpyxl import load_workbook

from assessment import services
from assessment.models import AssessmentResult

pytestmark = pytest.mark.django_db

# Bands from best to worst; given in reverse code order so that any ordering by band differs from ordering by code.
BANDS = ["needs_improvement", "average", "fairly_good", "good"]


@pytest.fixture
def spread(published_plan, demo_user):  # noqa: ANN001, ANN201
    user = demo_user("yalujiang.street")
    committees = list(services.committees_of(published_plan))
    assert len(committees) >= 4
    for index, committee in enumerate(committees):
        services.record_result(user, published_plan, committee, BANDS[index % len(BANDS)], f"理由{index}")
    codes = [c.code for c in committees]
    by_band = [r.committee.code for r in AssessmentResult.objects.filter(plan=published_plan).order_by("band", "committee__code")]
    assert by_band != codes  # the data can tell the two orders apart
    return published_plan, codes


def codes_in(text, codes):
    positions = sorted((text.index(code), code) for code in codes if code in text)
    return [code for _pos, code in positions]


@pytest.mark.parametrize("query", ["", "?ordering=band", "?ordering=-band", "?o=band&sort=band&order_by=band"])
def test_the_results_page_of_a_plan_lists_committees_by_code(spread, client_for, query):
    plan, codes = spread
    text = client_for("yalujiang.street").get(f"/assessment/plans/{plan.pk}/results/{query}").content.decode()
    assert codes_in(text, codes) == codes


@pytest.mark.parametrize("query", ["", "&ordering=band", "&ordering=-band"])
def test_the_results_list_and_its_exports_list_committees_by_code(spread, client_for, query):
    plan, codes = spread
    c = client_for("huanggu.ca")
    page = c.get(f"/assessment/results/?plan={plan.pk}{query}").content.decode()
    assert codes_in(page, codes) == codes
    rows = list(csv.reader(io.StringIO(c.get(f"/assessment/results/?plan={plan.pk}&format=csv{query}").content.decode("utf-8-sig"))))
    assert [r[3] for r in rows[1:]] == codes
    sheet = load_workbook(io.BytesIO(c.get(f"/assessment/results/?plan={plan.pk}&format=xlsx{query}").content)).active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == codes


@pytest.mark.parametrize("query", [{}, {"ordering": "band"}, {"ordering": "-band"}])
def test_the_results_api_lists_committees_by_code(spread, api_for, query):
    plan, codes = spread
    body = api_for("huanggu.ca").get("/api/v1/assessments/results", {"plan": plan.pk, "page_size": 500, **query}).json()
    assert [r["committee"] for r in body["results"]] == codes


def test_results_carry_no_score_total_or_position_anywhere(spread, api_for, client_for):
    plan, _codes = spread
    fields = {f.name for f in AssessmentResult._meta.get_fields()}
    assert not fields & {"score", "total", "points", "rank", "position"}
    row = api_for("huanggu.ca").get("/api/v1/assessments/results", {"plan": plan.pk}).json()["results"][0]
    assert not set(row) & {"score", "total", "points", "rank", "position"}


def test_no_page_shows_a_ranking_word_next_to_results(spread, client_for):
    plan, _codes = spread
    for url in (f"/assessment/plans/{plan.pk}/results/", "/assessment/results/", f"/assessment/plans/{plan.pk}/"):
        text = client_for("huanggu.ca").get(url).content.decode()
        for word in ("名次", "第1名", "排行", "得分排名"):
            assert word not in text, (url, word)
