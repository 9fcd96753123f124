"""Conditional GET on public pages and the worklist API (core/httpcache.py, issue 9 item 4)."""

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

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
PUBLIC_API = [API, "/api/v1/worklists/versions/", "/api/v1/worklists/versions/?region=210105000000"]


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


def test_pages_are_private_and_the_api_and_feed_may_be_kept_by_shared_caches_but_always_revalidated():
    client = Client()
    page = client.get(PAGE)
    assert set(page["Cache-Control"].split(", ")) == {"private", "no-cache"}
    for url in (API, "/worklists/feed.atom"):
        assert set(client.get(url)["Cache-Control"].split(", ")) == {"public", "no-cache"}


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
    api = api_for("huanggu.ca").get(API, HTTP_IF_NONE_MATCH=api_anonymous["ETag"])
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


def test_another_browser_with_its_own_csrf_cookie_does_not_get_a_304_on_a_page_holding_another_token():
    first = Client()
    etag = first.get(PAGE)["ETag"]
    other = Client()
    other.get("/about/")  # gets its own CSRF cookie
    assert revalidate(other, PAGE, etag).status_code == 200


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
