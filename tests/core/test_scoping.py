"""core.scoping.restrict: every role of the demo users sees exactly its subtree, nothing else."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.choices import Action, Role
from accounts.models import Membership, User
from core.models import AuditAction, AuditEvent
from core.scoping import can, get_scoped_object_or_404, restrict
from regions.choices import Level, OrganisationKind
from regions.models import Organisation, Region

pytestmark = pytest.mark.django_db

HUANGGU, HEPING, ZHONGSHAN = "210105", "210102", "210202"
WENGUAN = "210105023201"


def fresh(username: str) -> User:
    """A user object without the per-instance membership cache."""
    return User.objects.get(username=username)


def orgs_under(prefix: str):  # noqa: ANN201
    return Organisation.objects.filter(region__code__startswith=prefix)


def visible(username: str, action: str, model=Organisation):  # noqa: ANN001, ANN201
    return restrict(model.objects.all(), fresh(username), action)


def test_county_editor_can_change_organisations_of_their_county_only():
    allowed = visible("huanggu.ca", Action.CHANGE)
    assert set(allowed.values_list("pk", flat=True)) == set(orgs_under(HUANGGU).values_list("pk", flat=True))
    assert allowed.count() > 100  # the district's departments, streets and every committee
    assert not allowed.filter(region__code__startswith=HEPING).exists()
    assert not allowed.filter(region__code__startswith=ZHONGSHAN).exists()
    assert not allowed.filter(region__level__lt=Level.COUNTY).exists()


def test_county_editor_cannot_change_a_neighbouring_county_organisation():
    user = fresh("huanggu.ca")
    heping_office = orgs_under(HEPING).filter(kind=OrganisationKind.CIVIL_AFFAIRS).get()
    dalian_committee = orgs_under(ZHONGSHAN).filter(kind=OrganisationKind.COMMITTEE).first()
    own_committee = Organisation.objects.get(region__code=WENGUAN)
    assert can(user, Action.CHANGE, own_committee)
    assert not can(user, Action.CHANGE, heping_office)
    assert not can(user, Action.VIEW, dalian_committee)


def test_committee_user_sees_only_its_own_committee():
    for action in (Action.VIEW, Action.CHANGE):
        orgs = visible("wenguan.village", action)
        assert list(orgs.values_list("region__code", flat=True)) == [WENGUAN]
    regions = visible("wenguan.village", Action.VIEW, Region)
    assert list(regions.values_list("code", flat=True)) == [WENGUAN]
    assert not visible("wenguan.village", Action.APPROVE).exists()


def test_street_office_sees_its_street_and_the_committees_below():
    orgs = visible("yalujiang.street", Action.CHANGE)
    codes = set(orgs.values_list("region__code", flat=True))
    assert "210105023000" in codes and WENGUAN in codes
    assert all(code.startswith("210105023") for code in codes)
    expected = Region.objects.filter(code__startswith="210105023", level=Level.VILLAGE).count()
    assert orgs.filter(kind=OrganisationKind.COMMITTEE).count() == expected


def test_city_and_province_editors_see_their_whole_subtree():
    city = visible("shenyang.ca", Action.CHANGE)
    assert city.count() == orgs_under("2101").count()
    assert not city.filter(region__code__startswith="2102").exists()
    province = visible("province.ca", Action.CHANGE)
    assert province.count() == Organisation.objects.filter(region__code__startswith="21").count()


@pytest.mark.parametrize("username", ["huanggu.gov", "province.gov", "shenyang.gov"])
def test_approvers_may_view_and_approve_but_not_change(username):
    assert visible(username, Action.VIEW).exists()
    assert visible(username, Action.APPROVE).count() == visible(username, Action.VIEW).count()
    assert not visible(username, Action.CHANGE).exists()


def test_a_viewer_can_view_but_not_change_or_approve():
    user = User.objects.create_user("huanggu.viewer", password="x" * 16)
    office = Organisation.objects.get(region__code="210105000000", kind=OrganisationKind.CIVIL_AFFAIRS)
    Membership.objects.create(user=user, organisation=office, role=Role.VIEWER)
    user = fresh("huanggu.viewer")
    assert restrict(Organisation.objects.all(), user, Action.VIEW).count() == orgs_under(HUANGGU).count()
    assert not restrict(Organisation.objects.all(), user, Action.CHANGE).exists()
    assert not restrict(Organisation.objects.all(), user, Action.APPROVE).exists()


@pytest.mark.parametrize("username", ["audit.admin", "security.admin", "system.admin"])
@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE, Action.APPROVE])
def test_system_security_and_audit_admins_cannot_reach_business_data(username, action):
    assert not visible(username, action).exists()
    assert not visible(username, action, Region).exists()


def test_audit_admin_scope_is_for_the_audit_action_only():
    assert visible("audit.admin", Action.AUDIT).count() == Organisation.objects.filter(region__code__startswith="21").count()


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE, Action.APPROVE, Action.AUDIT])
def test_anonymous_sees_nothing_private(action):
    assert not restrict(Organisation.objects.all(), AnonymousUser(), action).exists()
    assert not restrict(Region.objects.all(), AnonymousUser(), action).exists()
    assert not restrict(Membership.objects.all(), AnonymousUser(), action).exists()


def test_a_user_with_two_memberships_sees_the_union_of_both_subtrees():
    user = User.objects.create_user("two.hats", password="x" * 16)
    for code in ("210105000000", "210202000000"):
        office = Organisation.objects.get(region__code=code, kind=OrganisationKind.CIVIL_AFFAIRS)
        Membership.objects.create(user=user, organisation=office, role=Role.EDITOR)
    codes = restrict(Organisation.objects.all(), fresh("two.hats"), Action.CHANGE).values_list("region__code", flat=True)
    heads = {code[:6] for code in codes}
    assert heads == {HUANGGU, ZHONGSHAN}


def test_inactive_memberships_and_inactive_organisations_grant_nothing():
    membership = Membership.objects.get(user__username="huanggu.health")
    membership.is_active = False
    membership.save()
    assert not visible("huanggu.health", Action.VIEW).exists()
    membership.is_active = True
    membership.save()
    assert visible("huanggu.health", Action.VIEW).exists()
    office = membership.organisation
    office.is_active = False
    office.save()
    assert not visible("huanggu.health", Action.VIEW).exists()


def test_users_are_scoped_through_their_memberships_without_duplicates():
    users = restrict(User.objects.all(), fresh("huanggu.ca"), Action.VIEW)
    names = list(users.values_list("username", flat=True))
    assert len(names) == len(set(names))
    assert {"huanggu.ca", "huanggu.gov", "huanggu.health", "yalujiang.street", "wenguan.village"} <= set(names)
    assert not {"chunhai.community", "shenyang.ca", "province.ca", "zhongshan.ca"} & set(names)


def test_an_active_superuser_sees_everything():
    root = User.objects.create_superuser("root.test", password="x" * 16)
    assert restrict(Organisation.objects.all(), root, Action.CHANGE).count() == Organisation.objects.count()


def test_an_object_outside_the_scope_is_a_404_and_the_denial_is_audited():
    user = fresh("huanggu.ca")
    target = Organisation.objects.get(region__code="210202001002")
    before = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).count()
    with pytest.raises(Http404):
        get_scoped_object_or_404(Organisation.objects.all(), user, Action.CHANGE, pk=target.pk)
    denial = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).first()
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).count() == before + 1
    assert denial.actor_name == "huanggu.ca"
    assert denial.object_id == str(target.pk)
    assert denial.region_code == "210202001002"
    assert denial.detail["attempted"] == Action.CHANGE
    own = Organisation.objects.get(region__code=WENGUAN)
    assert get_scoped_object_or_404(Organisation.objects.all(), user, Action.CHANGE, pk=own.pk) == own


def test_anonymous_lookup_of_a_private_object_is_a_404_without_audit_noise():
    target = Organisation.objects.get(region__code=WENGUAN)
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        get_scoped_object_or_404(Organisation.objects.all(), AnonymousUser(), Action.VIEW, pk=target.pk)
    assert AuditEvent.objects.count() == before
