"""Public portal pages, work pages, scoping of drafts, the feed and the committee-page section."""

import xml.etree.ElementTree as ET

import pytest

from worklists import services
from worklists.models import ListVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def shenyang_draft():
    return ListVersion.objects.get(worklist__region__code="210100000000", status="draft")


def test_committee_page_shows_its_list_grouped_by_category(client):
    html = client.get("/committees/210105023201/").content.decode()
    assert "（示例）皇政〔2026〕8号" in html and "担任遗产管理人" in html and "示例数据" in html


def test_region_page_shows_items_with_bases_history_and_art8_summary(client):
    html = client.get("/worklists/r/210105023201/").content.decode()
    assert "中华人民共和国民法典 第一千一百四十五条" in html
    assert "行政执法" in html  # the Art. 8 summary
    assert "本区为中心城区" in html  # the omission with its reason
    assert "/worklists/v/" in html and "export.pdf" in html
    assert "召集居民会议" not in html and "开展便民利民社区服务" not in html  # community-only items


def test_region_search_filters_items_in_chinese(client):
    html = client.get("/worklists/r/210105000000/", {"q": "监护"}).content.decode()
    assert "指定监护人和担任监护人" in html and "调解民间纠纷" not in html


def test_site_search_finds_items_by_law_name(client):
    html = client.get("/worklists/search/", {"q": "人民调解法"}).content.decode()
    assert "调解民间纠纷" in html and "沈阳市" in html


def test_version_history_and_diff_of_the_catalog_show_the_renumbering(client):
    catalog = ListVersion.objects.get(worklist__region__code="210000000000", number=2)
    html = client.get(f"/worklists/v/{catalog.pk}/diff/").content.decode()
    assert "第二十一条" in html and "第二十五条第二款" in html
    assert "A25" in html  # added in version 2


def test_diff_api_lists_added_removed_and_changed(api_for):
    catalog = ListVersion.objects.get(worklist__region__code="210000000000", number=2)
    body = api_for().get(f"/api/v1/worklists/versions/{catalog.pk}/diff").json()
    assert [i["code"] for i in body["added"]] == ["A25"]
    p01 = next(c for c in body["changed"] if c["code"] == "P01")
    assert set(p01["fields"]) == {"basis"}


def test_drafts_are_not_public_and_not_visible_to_other_counties(client, client_for, api_for, shenyang_draft):
    assert client.get(f"/worklists/v/{shenyang_draft.pk}/").status_code == 404
    assert api_for().get(f"/api/v1/worklists/versions/{shenyang_draft.pk}").status_code == 404
    assert api_for("zhongshan.ca").get(f"/api/v1/worklists/versions/{shenyang_draft.pk}").status_code == 404
    assert client_for("huanggu.ca").get(f"/worklists/work/v/{shenyang_draft.pk}/").status_code == 404
    assert client_for("shenyang.ca").get(f"/worklists/work/v/{shenyang_draft.pk}/").status_code == 200
    # Upper levels review: the province sees the city's draft.
    assert api_for("province.ca").get(f"/api/v1/worklists/versions/{shenyang_draft.pk}").status_code == 200
    listed = {v["id"] for v in api_for().get("/api/v1/worklists/versions/").json()["results"]}
    assert shenyang_draft.pk not in listed


def test_atom_feed_lists_publications_with_approval_documents(client):
    response = client.get("/worklists/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 4
    assert any("皇政〔2026〕8号" in (e.findtext("a:summary", namespaces=ns) or "") for e in entries)


def test_the_whole_lifecycle_through_the_web_pages(client_for, region):
    ca, gov, upper = client_for("huanggu.ca"), client_for("huanggu.gov"), client_for("shenyang.ca")
    response = ca.post("/worklists/work/region/210105000000/new/", {"source": "upper", "change_note": "网页测试"})
    draft = ListVersion.objects.get(worklist__region__code="210105000000", status="draft")
    assert response.url == f"/worklists/work/v/{draft.pk}/"
    ca.post(f"/worklists/work/v/{draft.pk}/submit/")
    # The civil-affairs editor cannot approve; the government can.
    ca.post(f"/worklists/work/v/{draft.pk}/approve/", {"document": "X", "approved_on": "2026-11-01"})
    draft.refresh_from_db()
    assert draft.status == "submitted"
    gov.post(f"/worklists/work/v/{draft.pk}/approve/", {"document": "皇政〔2026〕77号", "approved_on": "2026-11-01"})
    ca.post(f"/worklists/work/v/{draft.pk}/publish/")
    ca.post(f"/worklists/work/v/{draft.pk}/file/")
    draft.refresh_from_db()
    assert draft.status == "published" and draft.filing.status == "filed"
    assert "待" in upper.get("/worklists/work/").content.decode() or draft.filing.pk
    upper.post(f"/worklists/work/filing/{draft.filing.pk}/", {"decision": "receive"})
    upper.post(f"/worklists/work/filing/{draft.filing.pk}/", {"decision": "accept", "comments": "同意"})
    draft.filing.refresh_from_db()
    assert draft.filing.status == "accepted"
    assert services.effective_list(region("210105023201")).version.pk == draft.pk


def test_item_form_refuses_an_unknown_provision_with_a_message(client_for, shenyang_draft):
    response = client_for("shenyang.ca").post(f"/worklists/work/v/{shenyang_draft.pk}/item/new/", {
        "code": "L1", "name": "测试", "content": "内容", "category": "assist", "applies_to": "both",
        "basis": "中华人民共和国民法典 第九千条", "lock": shenyang_draft.lock,
    })
    assert response.status_code == 200
    assert "第九千条" in response.content.decode()
    assert not shenyang_draft.items.filter(code="L1").exists()


def test_item_form_with_a_stale_lock_answers_409(client_for, shenyang_draft):
    response = client_for("shenyang.ca").post(f"/worklists/work/v/{shenyang_draft.pk}/item/new/", {
        "code": "L1", "name": "测试", "content": "内容", "category": "assist", "applies_to": "both",
        "basis": "中华人民共和国民法典 第三十二条", "lock": shenyang_draft.lock - 1,
    })
    assert response.status_code == 409


def test_dashboard_has_a_work_list_panel_for_civil_affairs(client_for):
    html = client_for("shenyang.ca").get("/dashboard/").content.decode()
    assert "/worklists/work/" in html


def test_exports_download_in_every_format(client):
    version = ListVersion.objects.get(worklist__region__code="210105000000", status="published")
    for fmt, kind in (("xlsx", "spreadsheetml"), ("csv", "text/csv"), ("json", "json"), ("pdf", "pdf")):
        response = client.get(f"/worklists/v/{version.pk}/export.{fmt}")
        assert response.status_code == 200 and kind in response["Content-Type"], fmt
    assert client.get(f"/worklists/v/{version.pk}/export.exe").status_code == 404
