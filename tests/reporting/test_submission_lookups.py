"""The reads every API submission makes before its batch: the token, its user and the user's memberships in one
query; the channel with whether it may reach the committee in another. What they give must be exactly what the
separate reads give: the same memberships in the same order, the same answer to "may this channel reach this
committee" in every state of plan and exception, and the same refusals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.models import User
from core.tokenauth import TokenAuthentication
from regions.models import Region
from reporting import services
from reporting.choices import ChannelStatus, ExceptionStatus, PlanStatus
from reporting.models import PlanException, ReportingChannel, ReportingPlan

pytestmark = pytest.mark.django_db
COUNTY = "210105000000"
WENGUAN = "210105023201"


def _token(username: str) -> str:
    return Token.objects.get_or_create(user=User.objects.get(username=username))[0].key


def test_a_token_request_reads_the_token_its_user_and_the_memberships_in_one_query():
    key = _token("wenguan.village")
    with CaptureQueriesContext(connection) as queries:
        user, token = TokenAuthentication().authenticate_credentials(key)
        memberships = user.cached_memberships()
    assert len(queries.captured_queries) == 1
    assert token.key == key and user.username == "wenguan.village"
    fresh = User.objects.get(pk=user.pk).cached_memberships()
    assert [(m.pk, m.role, m.organisation.region.code) for m in memberships] == [
        (m.pk, m.role, m.organisation.region.code) for m in fresh]
    assert all(m.user is user for m in memberships)


def test_a_user_without_an_active_membership_still_authenticates_and_has_none():
    user = User.objects.create_user("no.membership", password="x-Passw0rd!2026")  # noqa: S106 - test password
    key = Token.objects.create(user=user).key
    found, token = TokenAuthentication().authenticate_credentials(key)
    assert found.pk == user.pk and token.key == key and found.cached_memberships() == []


def test_an_unknown_token_and_an_inactive_user_with_memberships_are_refused():
    key = _token("wenguan.village")
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials("0" * 40)
    User.objects.filter(username="wenguan.village").update(is_active=False)
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials(key)


def _reach_as_read_with_the_channel(user: User, committee: Region, channel: ReportingChannel) -> bool:
    found = services.channel_for_submission(user, channel.pk, committee)
    assert found._reach_known[:2] == (committee.pk, timezone.localdate().year)
    return services.may_reach(found, committee)


def _reach_by_the_rule(committee: Region, channel: ReportingChannel) -> bool:
    return services.may_reach(ReportingChannel.objects.get(pk=channel.pk), committee)  # read alone: no known answer


def test_the_reach_read_with_the_channel_and_the_calendar_agree_with_the_rule_in_every_state_of_plan_and_exception():
    user = User.objects.get(username="wenguan.village")
    committee = services.committee_for_submission(user, WENGUAN)
    channels = list(ReportingChannel.objects.filter(region__code=COUNTY))
    year = timezone.localdate().year
    seen: set[bool] = set()

    def agree() -> None:
        for channel in channels:
            expected = _reach_by_the_rule(committee, channel)
            assert _reach_as_read_with_the_channel(user, committee, channel) == expected, channel.name
            seen.add(expected)
        # The committee's calendar lists exactly the channels that may reach it, of any region.
        calendar = [c.pk for c, _due in services.active_channels(committee)]
        assert len(calendar) == len(set(calendar))
        assert set(calendar) == {c.pk for c in ReportingChannel.objects.all() if _reach_by_the_rule(committee, c)}

    agree()
    # An exception approved for another year, then for this one, for every channel of the county.
    for channel in channels:
        PlanException.objects.create(channel=channel, year=year + 1, reason="测试", status=ExceptionStatus.APPROVED)
    agree()
    PlanException.objects.filter(year=year + 1).update(year=year)
    agree()
    PlanException.objects.filter(channel__region__code=COUNTY, year=year).update(status=ExceptionStatus.REQUESTED)
    agree()
    # The township's plan unpublished: only exceptions are left, and none is approved now.
    ReportingPlan.objects.filter(region__code=WENGUAN[:9] + "000", year=year).update(status=PlanStatus.DRAFT)
    agree()
    assert seen == {True, False}  # both answers were compared
    assert not any(_reach_by_the_rule(committee, c) for c in channels)


def test_a_reach_read_for_one_committee_is_never_used_for_another():
    user = User.objects.get(username="wenguan.village")
    committee = services.committee_for_submission(user, WENGUAN)
    channel = ReportingChannel.objects.filter(region__code=COUNTY, status=ChannelStatus.APPROVED).first()
    found = services.channel_for_submission(user, channel.pk, committee)
    other = Region.objects.committees().filter(code__startswith=COUNTY[:6]).exclude(
        code__startswith=WENGUAN[:9]).first()
    found._reach_known = (committee.pk, timezone.localdate().year, True)
    with CaptureQueriesContext(connection) as queries:
        services.may_reach(found, other)
    assert len(queries.captured_queries) == 1  # asked the database, not the answer kept for Wenguan


def test_a_channel_no_longer_approved_never_reaches_whatever_was_read_with_it():
    user = User.objects.get(username="wenguan.village")
    committee = services.committee_for_submission(user, WENGUAN)
    channel = ReportingChannel.objects.filter(region__code=COUNTY, status=ChannelStatus.APPROVED).first()
    found = services.channel_for_submission(user, channel.pk, committee)
    found._reach_known = (committee.pk, timezone.localdate().year, True)
    found.status = ChannelStatus.REGISTERED
    assert not services.may_reach(found, committee)


def test_the_channel_and_whether_it_may_reach_the_committee_cost_one_query():
    user = User.objects.get(username="wenguan.village")
    committee = services.committee_for_submission(user, WENGUAN)
    channel = ReportingChannel.objects.filter(region__code=COUNTY, status=ChannelStatus.APPROVED).first()
    with CaptureQueriesContext(connection) as queries:
        found = services.channel_for_submission(user, channel.pk, committee)
        reaches = services.may_reach(found, committee)
        names = (found.owner.name, found.region.code)
    assert len(queries.captured_queries) == 1, [q["sql"][:80] for q in queries.captured_queries]
    assert reaches == _reach_by_the_rule(committee, channel) and names[1] == COUNTY


def test_an_exception_lets_a_channel_reach_the_committees_of_its_own_county_only():
    from regions.models import Organisation

    county = Region.objects.get(code=COUNTY)
    channel = ReportingChannel.objects.create(
        owner=Organisation.objects.filter(region=county).first(), region=county, name="一事一报测试表", kind="report",
        frequency="annual", notice_days=15, minutes_per_filing=30, list_items=["A12"], status=ChannelStatus.APPROVED)
    PlanException.objects.create(channel=channel, year=timezone.localdate().year, reason="测试",
                                 status=ExceptionStatus.APPROVED)
    own = Region.objects.get(code=WENGUAN)
    neighbour = Region.objects.committees().exclude(code__startswith=COUNTY[:6]).first()
    assert services.may_reach(channel, own)
    assert not services.may_reach(channel, neighbour)
