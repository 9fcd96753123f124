"""The inspection registry: every visit recorded, repeats and unplanned visits flagged, yearly totals for the county,
and what the registry feeds to supervision."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.exceptions import APIException, ValidationError

from assessment import services
from assessment.models import InspectionVisit

from .conftest import WENGUAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def wenguan(db):  # noqa: ANN001, ANN201
    from regions.models import Region

    return Region.objects.get(code=WENGUAN)


def visit(user, committee, days_ago, **kwargs):
    return services.record_visit(user, committee=committee, visited_on=timezone.localdate() - timedelta(days=days_ago),
                                 kind=kwargs.pop("kind", "inspection"), purpose=kwargs.pop("purpose", "检查"), **kwargs)


def test_a_second_visit_by_the_same_agency_within_the_window_is_flagged_as_a_repeat(demo_user, wenguan):
    health = demo_user("huanggu.health")
    InspectionVisit.objects.filter(committee=wenguan).delete()
    first = visit(health, wenguan, 100)
    second = visit(health, wenguan, 100 - services.repeat_window_days() + 1)
    assert not first.is_repeat
    assert second.is_repeat and second.repeat_of == first


def test_a_visit_after_the_window_or_by_another_agency_is_not_a_repeat(demo_user, wenguan):
    InspectionVisit.objects.filter(committee=wenguan).delete()
    visit(demo_user("huanggu.health"), wenguan, 200)
    later = visit(demo_user("huanggu.health"), wenguan, 200 - services.repeat_window_days() - 1)
    other_agency = visit(demo_user("yalujiang.street"), wenguan, 200)
    assert not later.is_repeat and not other_agency.is_repeat


def test_the_repeat_window_is_configurable(demo_user, wenguan, settings):
    InspectionVisit.objects.filter(committee=wenguan).delete()
    settings.ASSESSMENT_REPEAT_VISIT_DAYS = 3
    health = demo_user("huanggu.health")
    visit(health, wenguan, 300)
    assert not visit(health, wenguan, 296).is_repeat
    assert visit(health, wenguan, 294).is_repeat


def test_a_visit_under_no_approved_plan_is_flagged_and_research_is_cited_as_clause_4(demo_user, wenguan):
    v = visit(demo_user("huanggu.health"), wenguan, 1, kind="research", purpose="调研")
    assert v.is_unplanned
    flags = services.visit_flags(v)
    assert any(f["flag"] == "unplanned" and (f["article"], f["clause"]) == (7, 4) for f in flags)


def test_a_visit_under_an_approved_plan_covering_the_committee_is_not_unplanned(demo_user, wenguan, published_plan):
    day = timezone.localdate().replace(year=published_plan.year, month=6, day=1)
    v = services.record_visit(demo_user("huanggu.health"), committee=wenguan, visited_on=min(day, timezone.localdate()),
                              kind="assessment", purpose="综合考核", plan=published_plan)
    assert not v.is_unplanned


def test_a_draft_plan_or_one_for_another_area_cannot_be_named(demo_user, make_plan, wenguan):
    from regions.models import Region

    draft = make_plan()
    with pytest.raises(ValidationError):
        services.record_visit(demo_user("huanggu.health"), committee=wenguan, visited_on=timezone.localdate(),
                              kind="check", purpose="x", plan=draft)
    elsewhere = Region.objects.filter(code__startswith="210105001", level=5).first()
    assert not services.eligible_plans(elsewhere, timezone.localdate()).filter(
        region__code="210105023000").exists()


def test_future_visits_and_visits_outside_the_agencys_area_are_refused(demo_user, wenguan):
    from regions.models import Region

    health = demo_user("huanggu.health")
    with pytest.raises(ValidationError):
        services.record_visit(health, committee=wenguan, visited_on=timezone.localdate() + timedelta(days=3),
                              kind="check", purpose="x")
    with pytest.raises(APIException) as error:
        services.record_visit(health, committee=Region.objects.get(code="210202001002"), visited_on=timezone.localdate(),
                              kind="check", purpose="x")
    assert error.value.status_code == 403


def test_a_committee_cannot_record_visits(demo_user, wenguan):
    with pytest.raises(APIException) as error:
        visit(demo_user("wenguan.village"), wenguan, 1)
    assert error.value.status_code == 403


def test_the_county_sees_yearly_totals_per_committee_by_code_and_per_agency(demo_user, wenguan, client_for):
    from core.scoping import restrict

    health = demo_user("huanggu.health")
    year = timezone.localdate().year
    v1 = visit(health, wenguan, 0)
    visits = restrict(InspectionVisit.objects.all(), demo_user("huanggu.ca"))
    totals = services.visit_totals(visits, year)
    codes = [r["code"] for r in totals["committees"]]
    assert codes == sorted(codes) and WENGUAN in codes
    row = next(r for r in totals["agencies"] if r["id"] == v1.agency_id)
    assert row["total"] == InspectionVisit.objects.filter(agency=v1.agency, visited_on__year=year).count()
    page = client_for("huanggu.ca").get("/assessment/visits/", {"year": year})
    assert page.status_code == 200 and "皇姑区卫生健康局" in page.content.decode()


def test_the_registry_feeds_violations_and_the_inspection_count_to_supervision(demo_user, wenguan):
    from datetime import datetime

    from regions.models import Region
    from supervision import sources

    health = demo_user("huanggu.health")
    v = visit(health, wenguan, 0, kind="research", purpose="调研")
    found = sources.violation_sources()["assessment"](Region.objects.get(code="210105000000"))
    assert any(x.ref == f"visit:{v.pk}:unplanned" and x.clause == 4 and x.agency_id == v.agency_id for x in found)
    assert not sources.violation_sources()["assessment"](Region.objects.get(code="210202000000")) or all(
        x.region_code.startswith("210202") for x in sources.violation_sources()["assessment"](Region.objects.get(code="210202000000")))
    metric = next(m for m in sources.scorecard_metrics() if m.name == "inspections")
    year = timezone.localdate().year
    tz = timezone.get_current_timezone()
    period = sources.Period(str(year), datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz))
    assert metric.func(v.agency, period) == InspectionVisit.objects.filter(agency=v.agency, visited_on__year=year).count() > 0


def test_a_submitted_plan_with_open_findings_is_a_violation_for_supervision(make_plan, demo_user):
    from regions.models import Region
    from supervision import sources

    from .conftest import RANKING_INDICATOR

    plan = services.submit(demo_user("yalujiang.street"), make_plan([(RANKING_INDICATOR, ["P08"])]))
    found = sources.violation_sources()["assessment"](Region.objects.get(code="210105000000"))
    assert any(x.ref == f"plan:{plan.pk}" and (x.article, x.clause) == (7, 2) for x in found)
