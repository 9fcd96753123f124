"""A prepared query gives exactly what its queryset gives (fields, dates, select_related objects), with the inputs of
each call, and refuses a sample it cannot place; the API token authentication built on it accepts a live token
and refuses an unknown one and an inactive user's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from accounts.models import Membership, User
from core.prepared import PreparedQuery

pytestmark = pytest.mark.django_db

MEMBERSHIPS = PreparedQuery(
    lambda user_id: Membership.objects.filter(user_id=user_id, is_active=True).select_related("organisation__region"),
    user_id=-9_000_000_001)


def _same(a: list, b: list) -> None:
    assert [m.pk for m in a] == [m.pk for m in b]
    for x, y in zip(a, b, strict=True):
        assert {f.attname: getattr(x, f.attname) for f in type(x)._meta.concrete_fields} == {
            f.attname: getattr(y, f.attname) for f in type(y)._meta.concrete_fields}


@pytest.mark.parametrize("username", ["huanggu.ca", "wenguan.village", "province.ca"])
def test_a_prepared_query_gives_what_its_queryset_gives_with_related_objects_loaded(demo_user, username):
    user = demo_user(username)
    expected = list(Membership.objects.filter(user_id=user.pk, is_active=True).select_related("organisation__region"))
    got = MEMBERSHIPS(user_id=user.pk)
    assert got
    _same(got, expected)
    with CaptureQueriesContext(connection) as queries:
        regions = [(m.organisation.name, m.organisation.region.code, m.organisation.region.created_at) for m in got]
    assert len(queries) == 0
    assert regions == [(m.organisation.name, m.organisation.region.code, m.organisation.region.created_at)
                       for m in expected]
    assert all(r[2].tzinfo is not None for r in regions)  # dates converted as Django would (SQLite stores text)


def test_each_call_runs_with_its_own_inputs_and_an_unknown_one_finds_nothing(demo_user):
    a, b = demo_user("huanggu.ca"), demo_user("wenguan.village")
    assert {m.user_id for m in MEMBERSHIPS(user_id=a.pk)} == {a.pk}
    assert {m.user_id for m in MEMBERSHIPS(user_id=b.pk)} == {b.pk}
    assert MEMBERSHIPS(user_id=10**9) == []
    with pytest.raises(TypeError):
        MEMBERSHIPS(user=a.pk)


def test_a_sample_that_cannot_be_placed_is_refused_when_compiling():
    twice = PreparedQuery(lambda n: Membership.objects.filter(user_id=n, organisation_id=n), n=-9_000_000_002)
    with pytest.raises(ValueError, match="appears 2 times"):
        twice(n=1)


def test_the_api_accepts_a_live_token_and_refuses_an_unknown_one_and_an_inactive_users(client, demo_user):
    user = demo_user("huanggu.ca")
    token = Token.objects.create(user=user)
    ok = client.get("/api/v1/reporting/channels", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ok.status_code == 200
    unknown = client.get("/api/v1/reporting/channels", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert unknown.status_code == 401
    User.objects.filter(pk=user.pk).update(is_active=False)
    inactive = client.get("/api/v1/reporting/channels", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert inactive.status_code == 401


VALUES = PreparedQuery(
    lambda users, roles: Membership.objects.filter(user_id__in=users, role__in=roles).order_by("pk").values_list(
        "pk", "user_id", "role", "created_at"), users=[-9_000_000_100], roles=["\x00sample role "])


def test_list_inputs_of_any_length_give_what_the_queryset_gives_and_values_list_rows_are_converted(demo_user):
    users = [demo_user(n).pk for n in ("huanggu.ca", "wenguan.village", "province.ca")]
    roles = sorted(set(Membership.objects.values_list("role", flat=True)))
    for some_users in (users[:1], users[:2], users, users[:1]):  # shapes compiled once each, then reused
        for some_roles in (roles[:1], roles):
            expected = list(Membership.objects.filter(user_id__in=some_users, role__in=some_roles).order_by("pk")
                            .values_list("pk", "user_id", "role", "created_at"))
            assert VALUES(users=some_users, roles=some_roles) == expected
    assert VALUES(users=[], roles=roles) == []
    assert VALUES(users=set(users), roles=roles)[0][3].tzinfo is not None


def test_execute_runs_the_statement_and_is_still_seen_by_whoever_watches_the_queries(demo_user):
    from core.prepared import execute

    user = demo_user("huanggu.ca")
    sql = "UPDATE accounts_user SET display_name = %s WHERE id = %s"
    with connection.cursor() as cursor:
        execute(cursor, sql, ["甲", user.pk])
    assert User.objects.get(pk=user.pk).display_name == "甲"
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        execute(cursor, sql, ["乙", user.pk])
    assert [q["sql"] for q in queries.captured_queries if "display_name" in q["sql"]]
    assert User.objects.get(pk=user.pk).display_name == "乙"


def test_list_inputs_of_five_to_eight_values_share_one_compiled_shape_and_still_match_exactly(demo_user):
    members = list(Membership.objects.order_by("pk").values_list("user_id", flat=True).distinct()[:8])
    assert len(members) == 8
    roles = sorted(set(Membership.objects.values_list("role", flat=True)))
    query = PreparedQuery(
        lambda users, roles: Membership.objects.filter(user_id__in=users, role__in=roles).order_by("pk").values_list(
            "pk", flat=False), users=[-9_000_000_200], roles=["\x00sample role "])
    for n in (5, 6, 7, 8):
        expected = list(Membership.objects.filter(user_id__in=members[:n], role__in=roles).order_by("pk")
                        .values_list("pk", flat=False))
        assert query(users=members[:n], roles=roles) == expected
    shapes = {shape[0] for shape in query._local.compiled}
    assert shapes == {8}


def test_placeholders_are_numbered_for_postgresql_and_a_doubled_percent_is_one():
    from core.prepared import _numbered

    assert _numbered("SELECT %s, '%%', %s FROM t WHERE a = %s") == b"SELECT $1, '%', $2 FROM t WHERE a = $3"
    assert _numbered("SELECT 1") == b"SELECT 1"


def test_a_prepared_query_gives_what_the_orm_gives_with_times_and_nulls_on_either_database(demo_user):
    user = demo_user("huanggu.ca")
    User.objects.filter(pk=user.pk).update(display_name="")
    query = PreparedQuery(lambda pk: User.objects.filter(pk=pk), pk=-9_000_000_300)
    for _ in range(7):  # past psycopg's prepare threshold, so the prepared statement runs too
        found = query(pk=user.pk)[0]
    expected = User.objects.get(pk=user.pk)
    assert [(f.attname, getattr(found, f.attname)) for f in User._meta.concrete_fields] == [
        (f.attname, getattr(expected, f.attname)) for f in User._meta.concrete_fields]
    assert found.date_joined.tzinfo is not None and found.date_joined == expected.date_joined
