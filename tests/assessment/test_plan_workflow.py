"""Assessment plans through assessment.services: checked against Art. 7, tied to listed items, weights to 100,
published only with no finding open, results as bands, concurrent edits refused."""

import pytest
from rest_framework.exceptions import APIException, ValidationError

from assessment import services
from assessment.choices import FindingStatus, PlanStatus
from core.api import ApiError

from .conftest import GOOD_INDICATOR, RANKING_INDICATOR, WENGUAN

pytestmark = pytest.mark.django_db


def open_clauses(plan):
    return sorted(plan.findings.filter(status=FindingStatus.OPEN).values_list("clause", flat=True))


def test_a_ranking_indicator_is_flagged_with_article_7_clause_2_and_its_wording(make_plan):
    plan = make_plan([(RANKING_INDICATOR, ["P08"])])
    finding = plan.findings.get()
    assert (finding.article, finding.clause, finding.status) == (7, 2, FindingStatus.OPEN)
    assert "排名" in finding.evidence
    assert finding.indicator.name == "信息报送"


def test_an_indicator_tied_to_no_listed_item_is_a_blocking_finding(make_plan, demo_user):
    plan = make_plan([(GOOD_INDICATOR, [])])
    finding = plan.findings.get()
    assert (finding.article, finding.clause, finding.rule) == (7, 0, "unlisted-indicator")
    with pytest.raises(ApiError) as error:
        services.submit(demo_user("yalujiang.street"), plan)
    assert error.value.default_code == "open_findings"


def test_items_that_are_not_on_the_committees_list_cannot_be_chosen(make_plan, demo_user):
    from worklists.models import WorkItem

    plan = make_plan([])
    # An item of the provincial catalog's first (superseded) version is not on the effective list.
    stale = WorkItem.objects.filter(version__status="superseded").first()
    with pytest.raises(ValidationError) as error:
        services.save_indicator(demo_user("yalujiang.street"), plan, GOOD_INDICATOR, [stale.pk])
    assert "items" in error.value.detail


def test_a_village_only_item_is_not_listed_for_a_street_of_residents_committees_only(db):
    from regions.models import Region

    # 210105001 (a street of 皇姑区) has residents' committees only: village-only items are not on their list.
    region = Region.objects.get(code="210105001000")
    kinds = set(services.committees_of(region).values_list("committee_kind", flat=True))
    assert kinds == {"residents"}
    listed = services.listed_items(region)
    assert listed.items and all(i.applies_to != "village" for i in listed.items)


def test_weights_must_add_up_to_100_with_a_clear_error(make_plan, demo_user):
    plan = make_plan([({**GOOD_INDICATOR, "weight": "60"}, ["P03"]), ({**GOOD_INDICATOR, "name": "消防", "weight": "30"}, ["P12"])])
    with pytest.raises(ValidationError) as error:
        services.submit(demo_user("yalujiang.street"), plan)
    assert "90" in str(error.value.detail["weights"][0]) and "100" in str(error.value.detail["weights"][0])


def test_a_plan_with_open_findings_cannot_be_approved_or_published_until_fixed(make_plan, demo_user):
    user = demo_user("yalujiang.street")
    plan = make_plan([(RANKING_INDICATOR, ["P08"])])
    plan = services.submit(user, plan)  # wording findings may go to the approver
    with pytest.raises(ApiError) as error:
        services.approve(user, plan)
    assert error.value.default_code == "open_findings"
    plan = services.send_back(user, plan, "请删除排名")
    indicator = plan.indicators.get()
    services.save_indicator(user, plan, {**RANKING_INDICATOR, "description": "按月报送信息，不排名"}, [indicator.items.get().pk],
                            indicator=indicator)
    plan.refresh_from_db()
    assert open_clauses(plan) == []
    plan = services.publish(user, services.approve(user, services.submit(user, plan)))
    assert plan.status == PlanStatus.PUBLISHED


def test_publishing_checks_again_and_refuses_an_approved_plan_that_now_has_findings(published_plan, make_plan, demo_user):
    user = demo_user("yalujiang.street")
    plan = make_plan()
    plan = services.approve(user, services.submit(user, plan))
    # A wording slips in behind the workflow's back (e.g. an admin edit): publish re-checks.
    indicator = plan.indicators.get()
    indicator.description = "实行一票否决"
    indicator.save()
    with pytest.raises(ApiError):
        services.publish(user, plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and open_clauses(plan) == [1]


def test_the_approver_may_dismiss_a_misreading_with_a_reason_that_is_kept(make_plan, demo_user):
    from core.models import AuditEvent

    user = demo_user("yalujiang.street")
    plan = services.submit(user, make_plan([(RANKING_INDICATOR, ["P08"])]))
    finding = plan.findings.get()
    with pytest.raises(ValidationError):
        services.dismiss_finding(user, finding, "  ")
    services.dismiss_finding(user, finding, "通报的是报送是否及时，不比较社区")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED and finding.dismissed_by == user
    assert AuditEvent.objects.filter(detail__step="dismiss_finding", detail__rule=finding.rule).exists()
    assert services.approve(user, plan).status == PlanStatus.APPROVED


def test_the_unlisted_finding_cannot_be_dismissed(make_plan, demo_user):
    user = demo_user("yalujiang.street")
    plan = make_plan([(GOOD_INDICATOR, ["P03"])])
    plan = services.submit(user, plan)
    finding = plan.findings.create(article=7, clause=0, rule="unlisted-indicator", message="m", evidence="e")
    with pytest.raises(ApiError) as error:
        services.dismiss_finding(user, finding, "理由")
    assert error.value.status_code == 409


def test_an_edit_based_on_an_old_version_of_the_plan_is_refused_with_409(make_plan, demo_user):
    user = demo_user("yalujiang.street")
    plan = make_plan()
    old = plan.lock_version
    services.update_plan(user, plan, title="新标题", year=2026, lock=old)
    with pytest.raises(ApiError) as error:
        services.update_plan(user, plan, title="另一个标题", year=2026, lock=old)
    assert error.value.status_code == 409
    plan.refresh_from_db()
    assert plan.title == "新标题"


def test_only_the_drawing_organisation_edits_and_a_committee_cannot_draw_up_plans(make_plan, demo_user, street_org):
    plan = make_plan()
    for username in ("zhongshan.ca", "huanggu.health", "wenguan.village"):
        with pytest.raises(APIException) as error:
            services.update_plan(demo_user(username), plan, title="x", year=2026)
        assert error.value.status_code == 403
    assert services.planning_organisations(demo_user("wenguan.village")) == []
    with pytest.raises(ApiError):
        services.create_plan(demo_user("wenguan.village"), street_org, title="x", year=2026)


def test_results_are_bands_with_reasons_for_committees_of_the_area_only(published_plan, demo_user):
    from regions.models import Region

    user = demo_user("yalujiang.street")
    wenguan = Region.objects.get(code=WENGUAN)
    result = services.record_result(user, published_plan, wenguan, "good", "调解及时")
    assert result.get_band_display() and not hasattr(result, "score")
    with pytest.raises(ValidationError):
        services.record_result(user, published_plan, wenguan, "95", "分数不行")
    with pytest.raises(ValidationError):
        services.record_result(user, published_plan, wenguan, "good", "")
    outside = Region.objects.get(code="210202001002")
    with pytest.raises(ValidationError):
        services.record_result(user, published_plan, outside, "good", "不在本街道")
    with pytest.raises(APIException) as error:
        services.record_result(demo_user("wenguan.village"), published_plan, wenguan, "good", "自评")
    assert error.value.status_code == 403


def test_a_result_changed_by_someone_else_meanwhile_is_a_409(published_plan, demo_user):
    from regions.models import Region

    user = demo_user("yalujiang.street")
    wenguan = Region.objects.get(code=WENGUAN)
    first = services.record_result(user, published_plan, wenguan, "good", "一")
    services.record_result(user, published_plan, wenguan, "average", "二", lock=first.lock_version)
    with pytest.raises(ApiError) as error:
        services.record_result(user, published_plan, wenguan, "good", "三", lock=first.lock_version)
    assert error.value.status_code == 409


def test_results_cannot_be_recorded_before_publication(make_plan, demo_user):
    from regions.models import Region

    with pytest.raises(ApiError) as error:
        services.record_result(demo_user("yalujiang.street"), make_plan(), Region.objects.get(code=WENGUAN), "good", "x")
    assert error.value.status_code == 409


def test_workflow_steps_are_audited_and_kept_in_history(published_plan):
    from core.models import AuditEvent

    steps = set(AuditEvent.objects.filter(object_type="assessment.AssessmentPlan", object_id=str(published_plan.pk))
                .values_list("detail__step", flat=True))
    assert {"create_plan", "save_indicator", "submit", "approve", "publish"} <= steps
    assert published_plan.history.filter(status="published").exists()
