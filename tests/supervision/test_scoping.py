"""Every supervision model through core.scoping.restrict: in scope, out of scope, anonymous."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.scoping import restrict
from supervision import services
from supervision.models import Attachment, Case, CaseEvent, Complaint, CorrectionOrder, DisciplineReferral, Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def sanctioned(complaint_body, demo_user, tmp_media):  # noqa: ANN001, ANN201
    bureau = demo_user("huanggu.ca")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    filed = services.file_complaint(**complaint_body, files=[SimpleUploadedFile("a.png", png)])
    case = filed.case
    services.assign(case, bureau)
    services.decide(case, bureau, founded=True, facts="属实")
    order = services.order_correction(case, bureau, requirement="改正", deadline=timezone.localdate() + timedelta(days=3))
    order.deadline = timezone.localdate() - timedelta(days=1)
    order.save()
    services.run_jobs()
    case.refresh_from_db()
    services.issue_notice(case, bureau, body="通报")
    services.refer_for_discipline(case, bureau, referred_to="区纪委监委", persons="某某", reason="逾期")
    return case


MODELS = [Complaint, Attachment, Case, CorrectionOrder, Notice, DisciplineReferral, CaseEvent]


def _of(model, case):  # noqa: ANN001, ANN202
    if model is Complaint:
        return model.objects.filter(pk=case.complaint_id)
    if model is Attachment:
        return model.objects.filter(complaint_id=case.complaint_id)
    if model is Case:
        return model.objects.filter(pk=case.pk)
    return model.objects.filter(case=case)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_in_scope_the_district_bureau_sees_every_record(model, sanctioned, demo_user):
    assert restrict(_of(model, sanctioned), demo_user("huanggu.ca")).exists()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_out_of_scope_another_district_sees_nothing(model, sanctioned, demo_user):
    assert _of(model, sanctioned).exists()
    assert not restrict(_of(model, sanctioned), demo_user("zhongshan.ca")).exists()
    assert not restrict(_of(model, sanctioned), demo_user("chunhai.community")).exists()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_anonymous_visitors_see_nothing(model, sanctioned):
    assert not restrict(_of(model, sanctioned), AnonymousUser()).exists()


def test_the_openapi_schema_documents_the_complaint_contract(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/complaints" in text and "/api/v1/complaints/{code}" in text
