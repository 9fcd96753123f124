"""Public pages, the committee page, the dashboard: what each visitor sees, and that nothing private leaks."""

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_liaoning_and_its_committee_count():
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "辽宁省" in html and ("16,727" in html or "16727" in html)


def test_the_region_browser_starts_at_the_only_province():
    response = Client().get("/regions/")
    assert response.status_code == 302 and response["Location"] == "/regions/210000000000/"


@pytest.mark.parametrize("code,name,child", [
    ("210000000000", "辽宁省", "沈阳市"), ("210100000000", "沈阳市", "皇姑区"), ("210105000000", "皇姑区", "鸭绿江街道"),
    ("210105023000", "鸭绿江街道", "文官村委会"),
])
def test_each_level_of_the_region_browser_links_to_the_next(code, name, child):
    html = Client().get(f"/regions/{code}/").content.decode()
    assert f"<h1>{name}" in html and child in html
    assert "/regions/" in html


def test_short_codes_work_and_former_codes_redirect_to_the_current_page():
    from regions.models import Region
    from regions.services import recode_region

    assert "<h1>皇姑区" in Client().get("/regions/210105/").content.decode()
    committee = Client().get("/regions/210105023201/")
    assert committee.status_code == 302 and committee["Location"] == "/committees/210105023201/"
    recode_region(Region.objects.get(code="210105023000"), "210105099", reason="测试")
    moved = Client().get("/regions/210105023000/")
    assert moved.status_code == 302 and moved["Location"] == "/regions/210105099000/"
    old_committee = Client().get("/committees/210105023201/")
    assert old_committee.status_code == 302 and old_committee["Location"] == "/committees/210105099201/"


def test_bad_and_unknown_codes_are_404_pages_not_errors():
    for path in ("/regions/abc/", "/regions/219999/", "/committees/210105000000/", "/committees/x/", "/committees/210105023999/"):
        response = Client().get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("text/html")


def test_the_committee_page_names_the_kind_the_code_and_what_it_need_not_do():
    html = Client().get("/committees/210105023201/").content.decode()
    assert "文官村委会" in html and "村民委员会" in html and "210105023201" in html
    assert "鸭绿江街道" in html and "皇姑区" in html
    assert "第8条" in html or "第八条" in html
    residents = Client().get("/committees/210202001002/").content.decode()
    assert "居民委员会" in residents


def test_region_search_finds_by_name_and_by_code():
    by_name = Client().get("/regions/?q=文官").content.decode()
    assert "文官村委会" in by_name
    by_code = Client().get("/regions/?q=210105023").content.decode()
    assert "鸭绿江街道" in by_code


def test_the_dashboard_needs_a_sign_in_and_shows_the_users_region(client_for):
    assert Client().get("/dashboard/").status_code == 302
    html = client_for("wenguan.village").get("/dashboard/").content.decode()
    assert "文官村委会" in html and "/committees/210105023201/" in html
    county = client_for("huanggu.ca").get("/dashboard/").content.decode()
    assert "/regions/210105000000/" in county


def test_only_audit_administrators_see_the_audit_log_link(client_for):
    assert "/accounts/audit/" in client_for("audit.admin").get("/dashboard/").content.decode()
    assert "/accounts/audit/" not in client_for("huanggu.ca").get("/dashboard/").content.decode()


def test_the_regulation_page_is_public_and_complete():
    html = Client().get("/regulation/").content.decode()
    for article in range(1, 12):
        assert f'id="art-{article}"' in html, article


def test_every_area_the_readme_names_opens_a_page(client):
    """README's "where" column: /worklists/, /admission/, /reporting/, /assessment/, /certificates/, /supervision/
    and /legal/. Those without a page of their own open the public page the header links to."""
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    named = set(re.findall(r"^\| [\d, ]+ \| `(/[a-z]+/)`", readme, re.M))
    assert named >= {"/worklists/", "/admission/", "/reporting/", "/assessment/", "/certificates/", "/supervision/"}
    for path in sorted(named):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert response.redirect_chain in ([], [(response.request["PATH_INFO"], 302)]), path
    assert client.get("/supervision/").url == "/supervision/complaints/new/"
    assert client.get("/admission/").url == "/admission/check/"
