"""History of regions, organisations, memberships and users: who changed what, when and why."""

import pytest
from django.test import Client

from accounts.choices import Role
from accounts.models import Membership, User
from regions.choices import OrganisationKind
from regions.models import Organisation, Region
from regions.services import recode_region
from tests.conftest import verify_second_factor

pytestmark = pytest.mark.django_db


def test_an_organisation_change_records_who_and_why(demo_user):
    office = Organisation.objects.get(region__code="210105000000", kind=OrganisationKind.CIVIL_AFFAIRS)
    office.name = "皇姑区民政局（更名测试）"
    office._change_reason = "机构改革更名"
    office._history_user = demo_user("huanggu.ca")
    office.save()
    latest, previous = office.history.all()[:2]
    assert latest.history_type == "~" and latest.history_change_reason == "机构改革更名"
    assert latest.history_user.username == "huanggu.ca"
    assert previous.name == "沈阳市皇姑区民政局" and latest.name == "皇姑区民政局（更名测试）"
    delta = latest.diff_against(previous)
    assert delta.changed_fields == ["name"]


def test_a_membership_grant_and_revocation_are_both_in_the_history(demo_user):
    user = User.objects.create_user("new.editor", password="x" * 16)
    office = Organisation.objects.get(region__code="210105000000", kind=OrganisationKind.CIVIL_AFFAIRS)
    granter = demo_user("system.admin")
    membership = Membership(user=user, organisation=office, role=Role.EDITOR)
    membership._change_reason = "新入职"
    membership._history_user = granter
    membership.save()
    membership.is_active = False
    membership._change_reason = "调离"
    membership._history_user = granter
    membership.save()
    records = list(membership.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.history_change_reason, r.is_active) for r in records] == [
        ("+", "新入职", True), ("~", "调离", False)]
    assert {r.history_user.username for r in records} == {"system.admin"}
    pk = membership.pk
    membership.delete()
    assert Membership.history.filter(id=pk, history_type="-").exists(), "deleting keeps the history"
    assert Membership.history.filter(id=pk).count() == 3


def test_a_region_recode_records_the_reason_and_every_unit_moved():
    street = Region.objects.get(code="210105023000")
    below = Region.objects.subtree(street).count()
    recode_region(street, "210105099", reason="区划调整（测试）")
    records = Region.history.filter(history_change_reason="区划调整（测试）")
    assert records.count() == below
    assert set(records.values_list("code", flat=True)) == set(Region.objects.filter(code__startswith="210105099").values_list("code", flat=True))


def test_user_history_never_holds_passwords(demo_user):
    user = demo_user("huanggu.gov")
    user.set_password("An0ther-Long-Passw0rd")
    user.display_name = "改名"
    user.save()
    record = user.history.first()
    assert record.display_name == "改名"
    assert not hasattr(record, "password")


def test_a_change_through_the_admin_console_records_the_signed_in_user():
    admin = User.objects.create_superuser("root.console", password="x" * 16)
    client = Client()
    client.force_login(admin)
    verify_second_factor(client, admin)
    office = Organisation.objects.get(region__code="210105000000", kind=OrganisationKind.CIVIL_AFFAIRS)
    response = client.post(f"/sysadmin/regions/organisation/{office.pk}/change/", {
        "name": "皇姑区民政局（控制台）", "kind": office.kind, "sector": office.sector, "region": office.region_id,
        "is_active": "on",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    latest = office.history.first()
    assert latest.name == "皇姑区民政局（控制台）" and latest.history_user == admin
