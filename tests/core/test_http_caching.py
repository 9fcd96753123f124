"""Conditional GET on public pages and the worklist API (core/httpcache.py, issue 9 item 4)."""

import logging

import pytest
from django.conf import settings
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.template.response import TemplateResponse
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from core import httpcache
from regions.models import Organisation, Region
from worklists import services
from worklists.models import ListVersion

pytestmark = pytest.mark.django_db

VILLAGE = "210105023201"  # 文官村, 皇姑区: the 皇姑区 list is in force for it
PAGE = f"/committees/{VILLAGE}/"
API = f"/api/v1/committees/{VILLAGE}/worklist"

PUBLIC_PAGES = [
    PAGE, "/regions/210105000000/", "/regions/?q=皇姑", "/worklists/", "/worklists/r/210105000000/",
    "/worklists/search/?q=村", "/worklists/feed.atom", "/legal/",
]
REGION_API = "/api/v1/regions/210105"
PUBLIC_API = [API, "/api/v1/worklists/versions/", "/api/v1/worklists/versions/?region=210105000000", REGION_API]
SHARED_PAGES = [PAGE, "/regions/210105000000/", "/regions/?q=皇姑", "/worklists/", "/worklists/r/210105000000/",
                "/worklists/search/?q=村", "/legal/"]


# --- test views: a page with a form (per browser) and a page wrongly declared form-free (@pytest.mark.urls) ---------

TOKEN_PAGE = "/test-httpcache/token/"
MISDECLARED_PAGE = "/test-httpcache/misdeclared/"
MISDECLARED_LAZY_PAGE = "/test-httpcache/misdeclared-lazy/"
FORM = "<form method='post'>{% csrf_token %}<button>ok</button></form>"
rendered: list[str] = []


def _fixed(request: HttpRequest) -> httpcache.Validators:
    return ("fixed",), None


def _form_page(request: HttpRequest) -> HttpResponse:
    rendered.append(request.path)
    return HttpResponse(engines["django"].from_string(FORM).render({}, request))


def _form_template_response(request: HttpRequest) -> TemplateResponse:
    rendered.append(request.path)  # rendered after the view returns: the check must wait for it
    return TemplateResponse(request, engines["django"].from_string(FORM))


urlpatterns = [
    path(TOKEN_PAGE[1:], httpcache.conditional(_fixed)(_form_page)),
    path(MISDECLARED_PAGE[1:], httpcache.conditional(_fixed, page="shared")(_form_page)),
    path(MISDECLARED_LAZY_PAGE[1:], httpcache.conditional(_fixed, page="shared")(_form_template_response)),
    path("", include("config.urls")),
]


def publish_new_huanggu_version(demo_user) -> ListVersion:  # noqa: ANN001
    draft = services.create_draft(demo_user("huanggu.ca"), Region.objects.get(code="210105000000"), source="previous",
                                  change_note="缓存测试")
    services.submit(demo_user("huanggu.ca"), draft)
    services.approve(demo_user("huanggu.gov"), draft, document="皇政〔2026〕77号")
    return services.publish(demo_user("huanggu.ca"), draft)


def revalidate(client: Client, url: str, etag: str, **headers: str):  # noqa: ANN201
    return client.get(url, HTTP_IF_NONE_MATCH=etag, **headers)


@pytest.mark.parametrize("url", PUBLIC_PAGES + PUBLIC_API)
def test_public_response_has_validators_and_a_revalidation_is_answered_304(url):
    client = Client()
    first = client.get(url)
    assert first.status_code == 200, url
    assert first["ETag"].startswith('"') and first["Last-Modified"]
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in first["Vary"].split(",")}
    again = revalidate(client, url, first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and again["Cache-Control"] == first["Cache-Control"]


def test_if_modified_since_alone_is_answered_304():
    client = Client()
    first = client.get(API)
    assert client.get(API, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_form_free_pages_the_api_and_the_feed_may_be_kept_by_shared_caches_but_always_revalidated():
    # Pages holding a CSRF token stay private: see test_a_page_that_renders_a_token_is_never_stored_or_shared.
    client = Client()
    for url in (PAGE, API, "/worklists/feed.atom", REGION_API):
        assert set(client.get(url)["Cache-Control"].split(", ")) == {"public", "no-cache"}, url


def test_a_new_published_version_changes_the_etag_of_the_page_and_the_api(demo_user):
    client = Client()
    page, api = client.get(PAGE), client.get(API)
    version = publish_new_huanggu_version(demo_user)
    page_after = revalidate(client, PAGE, page["ETag"])
    api_after = revalidate(client, API, api["ETag"])
    assert page_after.status_code == 200 and page_after["ETag"] != page["ETag"]
    assert api_after.status_code == 200 and api_after["ETag"] != api["ETag"]
    assert api_after.json()["list"]["id"] == version.pk
    assert revalidate(client, API, api_after["ETag"]).status_code == 304


def test_a_new_publication_changes_the_etag_of_the_feed(demo_user):
    client = Client()
    feed = client.get("/worklists/feed.atom")
    version = publish_new_huanggu_version(demo_user)
    after = revalidate(client, "/worklists/feed.atom", feed["ETag"])
    assert after.status_code == 200 and f"/worklists/v/{version.pk}/" in after.content.decode()


def test_a_law_change_flag_bumping_the_cache_token_changes_the_api_etag():
    client = Client()
    api = client.get(API)
    ListVersion.objects.filter(pk=api.json()["list"]["id"]).update(cache_token=F("cache_token") + 1)
    assert revalidate(client, API, api["ETag"]).status_code == 200


def test_switching_the_language_changes_the_etag_of_pages_and_api():
    client = Client()
    chinese = client.get(PAGE)
    client.cookies["django_language"] = "en"
    english = revalidate(client, PAGE, chinese["ETag"])
    assert english.status_code == 200 and english["ETag"] != chinese["ETag"]
    assert english["Content-Language"] == "en"
    api = Client()
    zh = api.get(API)
    en = revalidate(api, API, zh["ETag"], HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 200 and en["ETag"] != zh["ETag"]


def test_a_signed_in_user_never_gets_a_304_or_a_public_response(client_for, api_for):
    anonymous = Client().get(PAGE)
    signed_in = client_for("wenguan.village")
    page = revalidate(signed_in, PAGE, anonymous["ETag"])
    assert page.status_code == 200 and "ETag" not in page
    assert set(page["Cache-Control"].split(", ")) == {"private", "no-cache"}
    assert "/accounts/logout/" in page.content.decode()  # the signed-in header, not a cached anonymous page
    api_anonymous = Client().get(API)
    # Signed in the ways a real client is (a session; a token below): the public work-list API is answered before DRF's
    # dispatch (worklists.api.committee_worklist), so DRF's test-only force_authenticate would not reach it.
    api = client_for("huanggu.ca").get(API, HTTP_IF_NONE_MATCH=api_anonymous["ETag"])
    assert api.status_code == 200 and "ETag" not in api and "public" not in api["Cache-Control"]
    token = Client().get(API, HTTP_IF_NONE_MATCH=api_anonymous["ETag"], HTTP_AUTHORIZATION="Token whatever")
    assert token.status_code in (200, 401) and "ETag" not in token and "public" not in token["Cache-Control"]
    versions = api_for("huanggu.ca").get("/api/v1/worklists/versions/")
    assert versions.status_code == 200 and "private" in versions["Cache-Control"] and "ETag" not in versions


def test_head_gives_the_validators_and_a_304():
    client = Client()
    head = client.head(PAGE)
    assert head.status_code == 200 and head["ETag"] and head.content == b""
    assert client.head(PAGE, HTTP_IF_NONE_MATCH=head["ETag"]).status_code == 304
    api_head = client.head(API)
    assert api_head.status_code == 200 and client.head(API, HTTP_IF_NONE_MATCH=api_head["ETag"]).status_code == 304


def test_revalidation_costs_at_most_two_queries_and_no_rendering(django_assert_max_num_queries):
    client = Client()
    etags = {url: client.get(url)["ETag"] for url in (PAGE, API, "/regions/210105000000/", "/worklists/", "/legal/")}
    for url, etag in etags.items():
        with django_assert_max_num_queries(2):
            assert revalidate(client, url, etag).status_code == 304, url


def test_other_sections_of_the_committee_page_change_its_etag():
    from certificates.services import effective_catalog

    client = Client()
    etag = client.get(PAGE)["ETag"]
    organisation = Organisation.objects.get(region__code=VILLAGE, kind="committee")
    organisation.name = organisation.name + "（更名）"
    organisation.save()
    renamed = revalidate(client, PAGE, etag)
    assert renamed.status_code == 200 and "（更名）" in renamed.content.decode()
    catalog = effective_catalog(Region.objects.get(code=VILLAGE))
    assert catalog is not None
    catalog.version.save()  # a change to the certificate catalog in force
    assert revalidate(client, PAGE, renamed["ETag"]).status_code == 200


def test_a_renamed_region_changes_the_region_pages():
    client = Client()
    etag = client.get("/regions/210105000000/")["ETag"]
    township = Region.objects.get(code="210105023000")
    township.name = "新名街道"
    township.save()
    after = revalidate(client, "/regions/210105000000/", etag)
    assert after.status_code == 200 and "新名街道" in after.content.decode()


@pytest.mark.urls(__name__)
def test_another_browser_with_its_own_csrf_cookie_does_not_get_a_304_on_a_page_holding_another_token():
    first = Client()
    etag = first.get(TOKEN_PAGE)["ETag"]
    other = Client()
    other.get("/about/")  # gets its own CSRF cookie
    assert revalidate(other, TOKEN_PAGE, etag).status_code == 200
    assert revalidate(first, TOKEN_PAGE, etag).status_code == 304


def test_a_page_with_a_flash_message_waiting_is_rendered_not_revalidated():
    client = Client()
    etag = client.get(PAGE)["ETag"]
    client.cookies["messages"] = "pending"
    response = revalidate(client, PAGE, etag)
    assert response.status_code == 200 and "ETag" not in response


def test_the_page_of_a_day_changes_with_the_day(monkeypatch):
    client = Client()
    etag = client.get(PAGE)["ETag"]
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    assert revalidate(client, PAGE, etag).status_code == 200


def test_the_api_etag_follows_the_committees_own_list_only(demo_user):
    """Per published version: a publication in 皇姑区 changes 文官村's answer, not that of 春海社区 in 大连."""
    client = Client()
    other = "/api/v1/committees/210202001002/worklist"
    mine, theirs = client.get(API), client.get(other)
    assert mine["ETag"] != theirs["ETag"]
    publish_new_huanggu_version(demo_user)
    assert revalidate(client, API, mine["ETag"]).status_code == 200
    assert revalidate(client, other, theirs["ETag"]).status_code == 304


def test_a_list_in_force_on_another_date_has_its_own_etag():
    client = Client()
    today, past = client.get(API), client.get(API + "?date=2024-06-01")
    assert past.json()["list"]["version"] == 1 and today["ETag"] != past["ETag"]
    assert revalidate(client, API + "?date=2024-06-01", past["ETag"]).status_code == 304


def test_a_client_without_the_etag_gets_the_stored_api_body_after_one_query(django_assert_max_num_queries):
    first = Client().get(API)
    with django_assert_max_num_queries(1):
        second = Client().get(API)
    assert second.status_code == 200 and second["ETag"] == first["ETag"]
    assert second.json() == first.json() and second["Content-Type"] == first["Content-Type"]
    assert "public" in second["Cache-Control"]


# --- shared pages: no CSRF token, stored and shared like API bodies (issue 9, DESIGN.md §10) -------------------------

def test_an_anonymous_committee_page_holds_no_csrf_token():
    response = Client().get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200 and "/i18n/setlang/" in html  # the language button is there
    assert "csrfmiddlewaretoken" not in html
    assert settings.CSRF_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("url", SHARED_PAGES + [REGION_API])
def test_a_second_anonymous_visitor_gets_the_stored_body_after_the_validator_query_alone(url, django_assert_max_num_queries):
    first = Client().get(url)
    assert first.status_code == 200 and "public" in first["Cache-Control"]
    with django_assert_max_num_queries(1):  # the validators' query: the view did not run
        second = Client().get(url)
    assert second.status_code == 200 and second.content == first.content and second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"] and "public" in second["Cache-Control"]
    assert settings.CSRF_COOKIE_NAME not in second.cookies


def test_a_publication_changes_the_committee_page_served_from_the_store(demo_user):
    before = Client().get(PAGE)
    assert "皇政〔2026〕77号" not in before.content.decode()
    publish_new_huanggu_version(demo_user)
    after = Client().get(PAGE)
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert "皇政〔2026〕77号" in after.content.decode(), "the page of the new version, not the stored one"


def test_a_renamed_region_changes_the_stored_region_api_body():
    first = Client().get(REGION_API)
    assert first.json()["name"] == "皇姑区"
    district = Region.objects.get(code="210105000000")
    district.name = "皇姑新区"
    district.save()
    stale = revalidate(Client(), REGION_API, first["ETag"])
    assert stale.status_code == 200 and stale.json()["name"] == "皇姑新区"
    assert revalidate(Client(), REGION_API, stale["ETag"]).status_code == 304


def test_a_region_api_error_is_not_stored_and_a_token_holder_gets_no_shared_answer():
    assert Client().get("/api/v1/regions/999999").status_code == 404
    assert Client().get("/api/v1/regions/123").status_code == 400
    etag = Client().get(REGION_API)["ETag"]
    token = Client().get(REGION_API, HTTP_IF_NONE_MATCH=etag, HTTP_AUTHORIZATION="Token whatever")
    assert token.status_code == 401 and "ETag" not in token and "public" not in token.get("Cache-Control", "")


@pytest.mark.urls(__name__)
def test_a_page_that_renders_a_token_is_never_stored_or_shared():
    rendered.clear()
    one, two = Client(), Client()
    first, second = one.get(TOKEN_PAGE), two.get(TOKEN_PAGE)
    assert rendered == [TOKEN_PAGE, TOKEN_PAGE], "each browser's page is rendered for it"
    assert first.content != second.content, "each holds its own token"
    for response in (first, second):
        assert "csrfmiddlewaretoken" in response.content.decode()
        assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}
    assert first["ETag"] != second["ETag"]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", [MISDECLARED_PAGE, MISDECLARED_LAZY_PAGE])
def test_a_page_declared_shared_that_renders_a_token_anyway_is_answered_privately_and_not_stored(url, caplog):
    rendered.clear()
    with caplog.at_level(logging.WARNING, logger="core.httpcache"):
        first, second = Client().get(url), Client().get(url)
    assert rendered == [url, url], "nothing was stored"
    assert first.content != second.content
    for response in (first, second):
        assert "csrfmiddlewaretoken" in response.content.decode()
        assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}
        assert "ETag" not in response and "Last-Modified" not in response
    assert any("page='shared'" in r.getMessage() for r in caplog.records)


def test_signed_in_users_are_never_served_a_stored_body_nor_leave_one(client_for):
    anonymous = Client().get(PAGE)
    signed_in = client_for("wenguan.village").get(PAGE)
    assert signed_in.status_code == 200 and "/accounts/logout/" in signed_in.content.decode()
    assert "ETag" not in signed_in and set(signed_in["Cache-Control"].split(", ")) == {"private", "no-cache"}
    after = Client().get(PAGE)
    assert after.content == anonymous.content and "/accounts/logout/" not in after.content.decode()


def test_a_browser_with_a_malformed_csrf_cookie_gets_a_private_answer_and_a_new_cookie():
    Client().get(PAGE)
    client = Client()
    client.cookies[settings.CSRF_COOKIE_NAME] = "not a token!"
    response = client.get(PAGE)
    assert response.status_code == 200 and "ETag" not in response and "public" not in response["Cache-Control"]
    assert settings.CSRF_COOKIE_NAME in response.cookies


def test_the_language_switch_works_without_a_token_and_still_refuses_an_outside_redirect():
    client = Client(enforce_csrf_checks=True)
    page = client.get(PAGE)
    assert "csrfmiddlewaretoken" not in page.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    assert switched.status_code == 302 and switched["Location"] == PAGE
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get(PAGE)
    assert english["Content-Language"] == "en" and '<html lang="en">' in english.content.decode()
    outside = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert outside.status_code == 302 and "evil.example" not in outside["Location"]


def test_sign_out_still_needs_its_csrf_token(client_for):
    client = client_for("wenguan.village")
    client.handler.enforce_csrf_checks = True
    assert client.post("/accounts/logout/").status_code == 403


# --- the served path made cheap (issue 9 item 5): per-process bodies, SQLite's converted query, header shortcuts ------

def test_the_process_keeps_stored_bodies_so_a_cleared_cache_still_serves_after_the_validator_query_alone(
        django_assert_max_num_queries):
    from django.core.cache import cache

    httpcache.forget_stored_bodies()
    first = Client().get(API)
    cache.clear()  # Redis restarted, or the body expired there: this process still holds it
    with django_assert_max_num_queries(1):
        second = Client().get(API)
    assert second.status_code == 200 and second.content == first.content and second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"] and "public" in second["Cache-Control"]


def test_a_body_kept_in_the_process_is_never_served_under_another_etag():
    from django.core.cache import cache

    httpcache.forget_stored_bodies()
    httpcache._store('"one"', b'{"a": 1}', "application/json")
    cache.clear()
    assert httpcache._stored('"two"') is None
    assert httpcache._stored('"one"').content == b'{"a": 1}'


def test_each_language_of_a_page_is_served_its_own_kept_body(django_assert_max_num_queries):
    chinese = Client().get(PAGE)
    english_client = Client()
    english_client.cookies["django_language"] = "en"
    english = english_client.get(PAGE)
    assert english["ETag"] != chinese["ETag"] and english.content != chinese.content
    with django_assert_max_num_queries(2):  # both kept: each request costs its validators' query alone
        chinese_again, english_again = Client().get(PAGE), english_client.get(PAGE)
    assert chinese_again.content == chinese.content and english_again.content == english.content
    assert english_again["Content-Language"] == "en"


def test_a_published_new_version_changes_the_api_answer_at_once_despite_the_kept_body(demo_user):
    client = Client()
    before = client.get(API)
    assert Client().get(API).content == before.content  # kept in the process and in the cache
    version = publish_new_huanggu_version(demo_user)
    after = Client().get(API)
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert after.json()["list"]["id"] == version.pk and after.content != before.content


def test_the_bodies_kept_in_the_process_are_bounded_in_number_and_size(monkeypatch):
    from django.core.cache import cache

    httpcache.forget_stored_bodies()
    monkeypatch.setattr(httpcache, "BODY_MEMORY_ENTRIES", 2)
    for n in range(3):
        httpcache._store(f'"{n}"', b"x" * 10, "text/plain")
    httpcache._stored('"1"')  # used last: kept over "2"
    httpcache._store('"3"', b"x" * 10, "text/plain")
    cache.clear()
    assert [httpcache._stored(f'"{n}"') is not None for n in range(4)] == [False, True, False, True]

    httpcache.forget_stored_bodies()
    monkeypatch.setattr(httpcache, "BODY_MEMORY_ENTRIES", 100)
    monkeypatch.setattr(httpcache, "BODY_MEMORY_BYTES", 8 * 100)
    httpcache._store('"big"', b"x" * 101, "text/plain")  # over an eighth of the budget: left to the Django cache
    for n in range(9):
        httpcache._store(f'"{n}"', b"x" * 100, "text/plain")
    cache.clear()
    assert httpcache._stored('"big"') is None and httpcache._stored('"0"') is None
    assert all(httpcache._stored(f'"{n}"') is not None for n in range(1, 9))
    httpcache.forget_stored_bodies()


def test_preconditions_other_than_if_none_match_still_go_through_django():
    client = Client()
    first = client.get(API)
    assert client.get(API, HTTP_IF_MATCH='"someone-else"').status_code == 412
    assert client.get(API, HTTP_IF_MATCH=first["ETag"]).status_code == 200
    assert client.get(API, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


@pytest.mark.parametrize("shared", [True, False])
def test_the_headers_written_directly_are_the_ones_djangos_patches_write(shared):
    from django.utils.cache import patch_cache_control, patch_vary_headers

    expected = HttpResponse()
    patch_cache_control(expected, **({"public": True} if shared else {"private": True}), no_cache=True)
    patch_vary_headers(expected, httpcache.VARY)
    made = httpcache._finish(HttpResponse(), shared=shared)
    assert made["Cache-Control"] == expected["Cache-Control"] and made["Vary"] == expected["Vary"]
    already = HttpResponse(headers={"Vary": "Origin", "Cache-Control": "max-age=60"})  # the patches still merge
    merged = httpcache._finish(already, shared=shared)
    assert merged["Vary"] == "Origin, Accept-Language, Cookie" and "max-age=60" in merged["Cache-Control"]


def test_the_sqlite_shortcut_reads_the_same_values_as_djangos_cursor(monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from worklists.api import _committee_worklist_stamp

    if connection.vendor != "sqlite":
        pytest.skip("the shortcut is SQLite's")
    inputs = {"code": VILLAGE, "province": "210000000000", "city": "210100000000", "county": "210105000000",
              "on": timezone.localdate()}
    with CaptureQueriesContext(connection) as watched:  # queries logged: through Django's cursor, and counted
        through_django = httpcache.compiled_scalars("worklists:committee", _committee_worklist_stamp, **inputs)
    assert len(watched.captured_queries) == 1

    def not_expected(*args: object) -> None:
        raise AssertionError("the shortcut was not taken")

    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    monkeypatch.setattr(SQLiteCursorWrapper, "execute", not_expected)  # Django's conversion on each execution
    assert not connection.queries_logged and not connection.execute_wrappers
    shortcut = httpcache.compiled_scalars("worklists:committee", _committee_worklist_stamp, **inputs)
    assert shortcut == through_django and shortcut["version"] is not None
