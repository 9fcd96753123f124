"""The legal registry: demo content, public pages and API, and recording a law change from the web page."""

import pytest

from legal.choices import Status
from legal.models import LawChange, LegalSource
from worklists.models import ItemFlag

pytestmark = pytest.mark.django_db


def test_the_registry_holds_both_texts_of_the_organic_laws_with_the_2018_ones_amended():
    texts = LegalSource.objects.filter(name="中华人民共和国村民委员会组织法")
    assert {(t.version_label, t.status) for t in texts} == {("2018年修正", Status.AMENDED), ("2025年修正", Status.IN_FORCE)}
    old = texts.get(version_label="2018年修正")
    assert old.superseded_by.version_label == "2025年修正"
    assert old.provisions.filter(article=21).exists()


def test_every_law_the_sample_catalog_cites_is_registered():
    import csv
    from pathlib import Path

    from django.conf import settings

    from legal.citations import parse_basis

    path = Path(settings.BASE_DIR) / "data" / "reference" / "sample-catalog.csv"
    with open(path, encoding="utf-8") as handle:
        laws = {c.law for row in csv.DictReader(handle) for c in parse_basis(row["basis"])}
    assert laws <= set(LegalSource.objects.values_list("name", flat=True))


def test_registry_pages_and_api_are_public(client, api_for):
    assert "中华人民共和国民法典" in client.get("/legal/").content.decode()
    source = LegalSource.objects.get(name="中华人民共和国民法典")
    html = client.get(f"/legal/s/{source.pk}/").content.decode()
    assert "第一千一百四十五条" in html and "lc-status" not in html
    body = api_for().get(f"/api/v1/legal/sources/{source.pk}").json()
    assert {"article": "第一千一百四十五条"}.items() <= next(p for p in body["provisions"] if p["article"] == "第一千一百四十五条").items()
    assert api_for().get("/api/v1/legal/sources/999999").status_code == 404


def test_only_the_provincial_civil_affairs_department_records_law_changes(client_for):
    source = LegalSource.objects.get(name="中华人民共和国人民调解法")
    response = client_for("huanggu.ca").post(f"/legal/s/{source.pk}/change/", {"new_status": "amended"})
    assert response.status_code == 403
    assert not LawChange.objects.filter(source=source).exists()


def test_recording_a_repeal_on_the_page_flags_the_items_citing_it(client_for):
    source = LegalSource.objects.get(name="中华人民共和国人民调解法")
    client = client_for("province.ca")
    assert "lc-status" in client.get(f"/legal/s/{source.pk}/").content.decode()
    response = client.post(f"/legal/s/{source.pk}/change/", {"new_status": "repealed", "note": "测试", "effective": "2027-01-01"})
    assert response.status_code == 302
    change = LawChange.objects.get(source=source)
    assert change.flagged_items > 0
    assert set(ItemFlag.objects.filter(change=change).values_list("item__code", flat=True)) == {"P03"}
    source.refresh_from_db()
    assert source.status == Status.REPEALED


def test_a_bad_status_or_date_is_a_message_not_a_500(client_for):
    source = LegalSource.objects.get(name="中华人民共和国人民调解法")
    client = client_for("province.ca")
    assert client.post(f"/legal/s/{source.pk}/change/", {"new_status": "in_force"}).status_code == 302
    assert client.post(f"/legal/s/{source.pk}/change/", {"new_status": "amended", "effective": "bad"}).status_code == 302
    assert not LawChange.objects.filter(source=source).exists()


def test_the_province_adds_a_source_and_a_provision_that_items_can_then_cite(client_for):
    from worklists.services import resolve_basis

    client = client_for("province.ca")
    response = client.post("/legal/new/", {"name": "《中华人民共和国体育法》", "version_label": "2022年修订", "level": "law",
                                           "jurisdiction": "national", "effective": "2023-01-01"})
    source = LegalSource.objects.get(name="中华人民共和国体育法")
    assert response.url == f"/legal/s/{source.pk}/"
    client.post(f"/legal/s/{source.pk}/provision/", {"label": "第八十四条第二款", "text": "示例"})
    ((cited, provision),) = resolve_basis("中华人民共和国体育法 第八十四条第二款")
    assert cited == source and provision.label == "第八十四条第二款"
    client.post(f"/legal/s/{source.pk}/provision/", {"label": "第八十四"})
    assert source.provisions.count() == 1


def test_only_the_province_adds_to_the_registry(client_for):
    response = client_for("shenyang.ca").post("/legal/new/", {"name": "某法", "level": "law", "jurisdiction": "national"})
    assert response.status_code == 403
    assert not LegalSource.objects.filter(name="某法").exists()
