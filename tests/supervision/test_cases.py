"""Case handling (Art. 10): scoping, identity protection, the steps, and the scheduled job."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from supervision import services
from supervision.choices import CaseStatus
from supervision.models import Case, Complaint

pytestmark = pytest.mark.django_db
SECRET_NAME = "王秘密"
SECRET_CONTACT = "13900001111"


@pytest.fixture
def user(demo_user):  # noqa: ANN001, ANN201
    return demo_user


@pytest.fixture
def anonymous_case(complaint_body):  # noqa: ANN001, ANN201
    return services.file_complaint(**complaint_body).case


@pytest.fixture
def named_case(complaint_body):  # noqa: ANN001, ANN201
    """Filed by a resident under a name and contact (not anonymous)."""
    filed = services.file_complaint(**complaint_body, anonymous=False, reporter_name=SECRET_NAME, reporter_contact=SECRET_CONTACT)
    return filed.case


def _founded(case: Case, bureau: User) -> Case:
    services.assign(case, bureau)
    services.decide(case, bureau, founded=True, facts="区卫生健康局未经批准借调村委会委员（第八条第（四）项）。")
    return case


def _ordered(case: Case, bureau: User, days: int = 10) -> Case:
    _founded(case, bureau)
    services.order_correction(case, bureau, requirement="立即让借调人员返回村委会。", deadline=timezone.localdate() + timedelta(days=days))
    return case


def _backdate(case: Case, days: int) -> None:
    order = services.current_order(case)
    order.deadline = timezone.localdate() - timedelta(days=days)
    order.save()


# --- Scoping ------------------------------------------------------------------------------------------------------

def test_the_responsible_bureau_is_the_county_civil_affairs_over_the_agency(anonymous_case):
    assert anonymous_case.bureau.name == "沈阳市皇姑区民政局"
    assert anonymous_case.status == CaseStatus.RECEIVED


def test_a_handler_outside_the_region_cannot_see_the_case(anonymous_case, client_for, api_for, user):
    zhongshan = user("zhongshan.ca")
    assert not services.visible_cases(zhongshan).filter(pk=anonymous_case.pk).exists()
    assert client_for("zhongshan.ca").get(f"/supervision/cases/{anonymous_case.number}/").status_code == 404
    assert api_for("zhongshan.ca").get(f"/api/v1/supervision/cases/{anonymous_case.number}").status_code == 404
    assert client_for("zhongshan.ca").post(f"/supervision/cases/{anonymous_case.number}/assign/").status_code == 404
    assert anonymous_case.number not in api_for("zhongshan.ca").get("/api/v1/supervision/cases/").content.decode()


def test_the_district_bureau_and_the_province_see_the_case(anonymous_case, client_for, user):
    assert client_for("huanggu.ca").get(f"/supervision/cases/{anonymous_case.number}/").status_code == 200
    assert services.role_for(user("huanggu.ca"), anonymous_case) == "handler"
    assert services.role_for(user("province.ca"), anonymous_case) == "supervisor"


def test_anonymous_visitors_are_sent_to_sign_in(anonymous_case, client):
    response = client.get(f"/supervision/cases/{anonymous_case.number}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/supervision/cases/").status_code in (401, 403)


def test_another_agency_in_the_same_district_cannot_see_the_case(anonymous_case, user):
    from accounts.models import Membership
    from regions.choices import OrganisationKind, Sector
    from regions.models import Organisation

    other = Organisation.objects.get(region__code="210105000000", kind=OrganisationKind.DEPARTMENT, sector=Sector.EMERGENCY)
    someone = User.objects.create(username="emergency.tester")
    Membership.objects.create(user=someone, organisation=other, role="editor")
    assert not services.visible_cases(someone).filter(pk=anonymous_case.pk).exists()


def test_the_agency_sees_its_case_only_after_it_exists_and_cannot_take_bureau_steps(anonymous_case, user):
    health = user("huanggu.health")
    assert services.role_for(health, anonymous_case) == "agency"
    with pytest.raises(PermissionDenied):
        services.assign(anonymous_case, health)


def test_a_street_office_of_the_district_does_not_see_cases_against_others(anonymous_case, user):
    assert not services.visible_cases(user("yalujiang.street")).filter(pk=anonymous_case.pk).exists()


# --- Identity protection ------------------------------------------------------------------------------------------

def test_the_reporters_identity_is_encrypted_at_rest(named_case):
    complaint = named_case.complaint
    assert SECRET_NAME not in complaint.reporter_name_sealed
    assert SECRET_CONTACT not in complaint.reporter_contact_sealed


def test_only_the_handling_bureau_sees_the_reporter(named_case, user):
    assert services.reporter_identity(user("huanggu.ca"), named_case)["name"] == SECRET_NAME
    for other in ("huanggu.health", "province.ca", "shenyang.ca", "huanggu.gov", "zhongshan.ca"):
        assert services.reporter_identity(user(other), named_case) is None


def test_an_anonymous_reporters_identity_never_reaches_the_agency(complaint_body, user, client_for, api_for):
    reporter = user("wenguan.village")
    filed = services.file_complaint(**complaint_body, anonymous=True, user=reporter)
    case = _ordered(filed.case, user("huanggu.ca"))
    complaint = Complaint.objects.get(pk=filed.complaint.pk)
    assert complaint.reporter_user_id is None and complaint.reporter_org_id is None
    page = client_for("huanggu.health").get(f"/supervision/cases/{case.number}/").content.decode()
    api = api_for("huanggu.health").get(f"/api/v1/supervision/cases/{case.number}").content.decode()
    import json

    rows = api_for("huanggu.health").get("/api/v1/supervision/cases/?page_size=500").json()["results"]
    listing = json.dumps([r for r in rows if r["number"] == case.number], ensure_ascii=False)
    assert case.number in listing
    for text in (page, api, listing):
        assert "文官村" not in text and "wenguan" not in text
        assert complaint_body["text"] not in text  # the agency reads the facts, not the complaint
    assert '"reporter"' not in api and '"complaint_text"' not in api
    assert case.facts in page


def test_a_named_reporter_is_never_serialised_to_the_agency(named_case, user, client_for, api_for):
    _ordered(named_case, user("huanggu.ca"))
    for text in (
        client_for("huanggu.health").get(f"/supervision/cases/{named_case.number}/").content.decode(),
        api_for("huanggu.health").get(f"/api/v1/supervision/cases/{named_case.number}").content.decode(),
        api_for("province.ca").get(f"/api/v1/supervision/cases/{named_case.number}").content.decode(),
    ):
        assert SECRET_NAME not in text and SECRET_CONTACT not in text
    handler_view = api_for("huanggu.ca").get(f"/api/v1/supervision/cases/{named_case.number}").json()
    assert handler_view["reporter"]["name"] == SECRET_NAME


def test_the_audit_log_holds_no_identity(named_case):
    from core.models import AuditEvent

    assert not AuditEvent.objects.filter(detail__icontains=SECRET_NAME).exists()
    assert all(SECRET_NAME not in e.payload() for e in AuditEvent.objects.order_by("-id")[:20])


# --- Steps --------------------------------------------------------------------------------------------------------

def test_the_full_path_to_correction(anonymous_case, user):
    bureau, agency = user("huanggu.ca"), user("huanggu.health")
    _ordered(anonymous_case, bureau)
    order = services.respond(anonymous_case, agency, text="借调人员已返回村委会。")
    assert order.response_late is False
    services.verify_correction(anonymous_case, bureau, ok=True)
    assert anonymous_case.status == CaseStatus.CORRECTED and anonymous_case.closed_at


def test_an_unfounded_complaint_is_closed_with_reasons_for_the_complainant(complaint_body, user, api_for):
    filed = services.file_complaint(**complaint_body)
    bureau = user("huanggu.ca")
    services.assign(filed.case, bureau)
    with pytest.raises(services.InvalidInput):
        services.decide(filed.case, bureau, founded=False, facts="")
    services.decide(filed.case, bureau, founded=False, facts="", reason="借调经区政府批准（皇政发〔2026〕3号）。")
    status = api_for(None).get(f"/api/v1/complaints/{filed.tracking_code}").json()
    assert status["status"] == "dismissed" and "皇政发" in status["outcome"]


def test_a_deadline_outside_the_allowed_range_is_refused(anonymous_case, user):
    bureau = user("huanggu.ca")
    _founded(anonymous_case, bureau)
    with pytest.raises(services.InvalidInput) as refused:
        services.order_correction(anonymous_case, bureau, requirement="x", deadline=timezone.localdate() - timedelta(days=1))
    assert "deadline" in refused.value.fields
    with pytest.raises(services.InvalidInput):
        services.order_correction(anonymous_case, bureau, requirement="x", deadline=timezone.localdate() + timedelta(days=400))


def test_steps_out_of_order_are_refused(anonymous_case, user):
    with pytest.raises(services.StepNotAllowed):
        services.order_correction(anonymous_case, user("huanggu.ca"), requirement="x")
    with pytest.raises(services.StepNotAllowed):
        services.issue_notice(anonymous_case, user("huanggu.ca"), body="x")


def test_a_notice_needs_the_approve_role(anonymous_case, user):
    from accounts.models import Membership

    bureau = user("huanggu.ca")
    _ordered(anonymous_case, bureau)
    _backdate(anonymous_case, 1)
    services.run_jobs()
    anonymous_case.refresh_from_db()
    editor_only = User.objects.create(username="huanggu.ca.editor")
    Membership.objects.create(user=editor_only, organisation=anonymous_case.bureau, role="editor")
    with pytest.raises(PermissionDenied):
        services.issue_notice(anonymous_case, editor_only, body="通报")
    notice = services.issue_notice(anonymous_case, bureau, body="通报批评。")
    assert notice.number.startswith("沈阳市皇姑区民政局通报〔")
    assert anonymous_case.status == CaseStatus.SANCTIONED


# --- The scheduled job --------------------------------------------------------------------------------------------

def test_the_job_reminds_before_the_deadline_once(anonymous_case, user):
    _ordered(anonymous_case, user("huanggu.ca"), days=2)
    first = services.run_jobs()
    second = services.run_jobs()
    assert first["reminded"] >= 1 and second["reminded"] == 0
    assert anonymous_case.events.filter(kind="reminded").count() == 1
    assert not anonymous_case.events.get(kind="reminded").public


def test_the_job_escalates_an_overdue_correction_and_is_idempotent(anonymous_case, user):
    _ordered(anonymous_case, user("huanggu.ca"))
    _backdate(anonymous_case, 2)
    services.run_jobs()
    anonymous_case.refresh_from_db()
    assert anonymous_case.status == CaseStatus.ESCALATED
    services.run_jobs()
    assert anonymous_case.events.filter(kind="escalated").count() == 1


def test_a_late_response_is_marked_and_the_job_escalates_it(anonymous_case, user):
    bureau, agency = user("huanggu.ca"), user("huanggu.health")
    _ordered(anonymous_case, bureau)
    _backdate(anonymous_case, 1)
    order = services.respond(anonymous_case, agency, text="已整改。")
    assert order.response_late is True
    assert anonymous_case.status == CaseStatus.RESPONDED
    report = services.run_jobs()
    anonymous_case.refresh_from_db()
    assert report["escalated_late"] >= 1 and anonymous_case.status == CaseStatus.ESCALATED


def test_the_management_command_runs_the_same_job(anonymous_case, user, capsys):
    _ordered(anonymous_case, user("huanggu.ca"))
    call_command("run_supervision_jobs", "--today", str(timezone.localdate() + timedelta(days=30)))
    anonymous_case.refresh_from_db()
    assert anonymous_case.status == CaseStatus.ESCALATED
    assert "escalated_overdue=" in capsys.readouterr().out


def test_the_celery_task_runs_eagerly(anonymous_case, user):
    from supervision.tasks import run_supervision_jobs

    _ordered(anonymous_case, user("huanggu.ca"))
    _backdate(anonymous_case, 3)
    result = run_supervision_jobs.delay().get()
    assert result["escalated_overdue"] >= 1


def test_the_complainant_follows_the_case_to_its_outcome(complaint_body, user, api_for):
    bureau, agency = user("huanggu.ca"), user("huanggu.health")
    filed = services.file_complaint(**complaint_body)
    case = _ordered(filed.case, bureau)
    _backdate(case, 1)
    services.respond(case, agency, text="已整改。")
    services.run_jobs()
    case.refresh_from_db()
    services.issue_notice(case, bureau, body="予以通报批评。")
    services.refer_for_discipline(case, bureau, referred_to="区纪委监委", persons="分管副局长", reason="逾期不改正。")
    status = api_for(None).get(f"/api/v1/complaints/{filed.tracking_code}").json()
    steps = [e["step"] for e in status["history"]]
    assert steps == ["filed", "opened", "assigned", "decided", "ordered", "responded", "escalated", "notice", "referred"]
    assert status["status"] == "sanctioned" and "通报" in status["outcome"]
    text = str(status)
    assert "huanggu" not in text  # officials' accounts are not shown to the complainant


def test_two_people_taking_the_same_step_at_once_cannot_both_succeed(anonymous_case, user):
    bureau = user("huanggu.ca")
    stale = Case.objects.get(pk=anonymous_case.pk)
    services.assign(anonymous_case, bureau)
    with pytest.raises(services.StepNotAllowed):
        services.assign(stale, bureau)
    assert anonymous_case.events.filter(kind="assigned").count() == 1


def test_the_agency_reads_its_deadline_reminder_but_the_complainant_does_not(complaint_body, user, client_for, api_for):
    filed = services.file_complaint(**complaint_body)
    _ordered(filed.case, user("huanggu.ca"), days=1)
    services.run_jobs()
    def timeline(username: str) -> str:
        html = client_for(username).get(f"/supervision/cases/{filed.case.number}/").content.decode()
        return html.split('class="timeline"')[1]

    assert "已发送期限提醒" in timeline("huanggu.health")
    assert "已发送期限提醒" not in timeline("province.ca")
    steps = [e["step"] for e in api_for(None).get(f"/api/v1/complaints/{filed.tracking_code}").json()["history"]]
    assert "reminded" not in steps
