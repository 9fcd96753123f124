"""The audit log page: audit administrators only, filters, CSV export that cannot smuggle formulas."""

import csv
import io

import pytest
from django.test import Client

from accounts.choices import Role
from accounts.models import Membership, User
from core.audit import record
from core.models import AuditAction, AuditEvent
from regions.choices import OrganisationKind
from regions.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_events(demo_user):  # noqa: ANN001, ANN201
    wenguan = Organisation.objects.get(region__code="210105023201")
    chunhai = Organisation.objects.get(region__code="210202001002")
    return {
        "huanggu": record(AuditAction.UPDATE, user=demo_user("huanggu.ca"), obj=wenguan, note="rename"),
        "dalian": record(AuditAction.UPDATE, user=demo_user("zhongshan.ca"), obj=chunhai, note="rename"),
        "formula": record(AuditAction.LOGIN_FAILED, username="=HYPERLINK(\"http://evil\",\"x\")"),
        "plus": record(AuditAction.LOGIN_FAILED, username="+1+2"),
    }


def csv_rows(response) -> list[list[str]]:  # noqa: ANN001
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_only_audit_administrators_may_read_the_log(client_for):
    assert client_for("audit.admin").get("/accounts/audit/").status_code == 200
    for username in ("huanggu.ca", "province.ca", "security.admin", "system.admin", "wenguan.village"):
        assert client_for(username).get("/accounts/audit/").status_code == 403, username
    anonymous = Client().get("/accounts/audit/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_a_refused_visit_to_the_log_is_itself_audited(client_for):
    client_for("huanggu.ca").get("/accounts/audit/")
    denial = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name="huanggu.ca").get()
    assert denial.detail["path"] == "/accounts/audit/"


def test_the_log_lists_events_and_filters_by_user_action_region_and_object(client_for, some_events):
    client = client_for("audit.admin")
    page = client.get("/accounts/audit/").content.decode()
    assert "huanggu.ca" in page and "zhongshan.ca" in page
    by_user = client.get("/accounts/audit/?user=zhongshan").context["page"].paginator.object_list
    assert {e.actor_name for e in by_user} == {"zhongshan.ca"}
    by_action = client.get("/accounts/audit/?action=login_failed").context["page"].paginator.object_list
    assert {e.action for e in by_action} == {"login_failed"}
    assert {some_events["formula"].pk, some_events["plus"].pk} <= {e.pk for e in by_action}
    by_region = client.get("/accounts/audit/?region=210105").context["page"].paginator.object_list
    assert some_events["huanggu"].pk in {e.pk for e in by_region}
    assert some_events["dalian"].pk not in {e.pk for e in by_region}
    assert all(e.region_code.startswith("210105") for e in by_region)
    by_object = client.get("/accounts/audit/?object=春海").context["page"].paginator.object_list
    assert some_events["dalian"].pk in {e.pk for e in by_object}
    assert all("春海" in e.object_repr for e in by_object)
    bad_region = client.get("/accounts/audit/?region=abc")
    assert bad_region.status_code == 200 and list(bad_region.context["page"].object_list) == []


def test_an_audit_administrator_of_a_district_reads_only_that_district(client_for, some_events):
    user = User.objects.create_user("zhongshan.audit", password="x" * 16)
    office = Organisation.objects.get(region__code="210202000000", kind=OrganisationKind.CIVIL_AFFAIRS)
    Membership.objects.create(user=user, organisation=office, role=Role.AUDIT_ADMIN)
    events = client_for("zhongshan.audit").get("/accounts/audit/?page=1").context["page"].paginator.object_list
    ids = set(events.values_list("pk", flat=True))
    assert some_events["dalian"].pk in ids and some_events["huanggu"].pk not in ids
    assert some_events["formula"].pk in ids, "events with no region (sign-ins) are shown to every audit administrator"


def test_the_csv_export_neutralises_formulas_and_is_audited(client_for, some_events):
    response = client_for("audit.admin").get("/accounts/audit/?format=csv&action=login_failed")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["id", "at", "user", "action"]
    users = {row[2] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in users and "'+1+2" in users
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    export = AuditEvent.objects.filter(action=AuditAction.EXPORT, actor_name="audit.admin").get()
    assert export.detail["what"] == "audit_log"


def test_a_refused_csv_export_exports_nothing(client_for, some_events):
    response = client_for("huanggu.ca").get("/accounts/audit/?format=csv")
    assert response.status_code == 403
    assert b"HYPERLINK" not in response.content
