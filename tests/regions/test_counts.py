"""Maintained subtree counts (regions_subtreecount) and the bulk-load path of the division import."""

import pytest
from django.db import connection
from django.db.models import Count

from regions import services
from regions.choices import Level
from regions.models import Region, SubtreeCount
from regions.services import import_divisions, recode_region, subtree_counts

from .test_import import small_province

pytestmark = pytest.mark.django_db


def live_counts(region: Region) -> dict[str, int]:
    rows = (Region.objects.subtree(region).filter(level__gt=region.level, is_active=True)
            .values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    return {Level(level).name.lower(): n for level, n in rows}


def table_indexes() -> set[str]:
    tables = {Region._meta.db_table, Region.history.model._meta.db_table}
    with connection.cursor() as cursor:
        return {name for table in tables for name in connection.introspection.get_constraints(cursor, table)}


def test_every_maintained_count_of_the_demo_equals_a_live_count():
    regions = list(Region.objects.filter(code__startswith="21", level__lt=Level.VILLAGE))
    assert len(regions) == 1 + 14 + 100 + 1406
    wrong = [r.code for r in regions if subtree_counts(r) != live_counts(r)]
    assert wrong == []
    assert subtree_counts(Region.objects.get(code="210000000000"))["village"] == 16727


def test_a_count_is_one_query_without_scanning_the_subtree(django_assert_num_queries):
    province = Region.objects.get(code="210000000000")
    with django_assert_num_queries(1) as queries:
        subtree_counts(province)
    assert "regions_subtreecount" in queries.captured_queries[0]["sql"]


def test_counts_follow_a_unit_taken_out_of_use_by_save_and_by_queryset_update():
    county = Region.objects.get(code="210105000000")
    before = subtree_counts(county)["village"]
    wenguan = Region.objects.get(code="210105023201")
    wenguan.is_active = False
    wenguan.save()
    assert subtree_counts(county)["village"] == before - 1
    Region.objects.filter(code__startswith="210105023").filter(level=Level.VILLAGE).update(is_active=False)
    assert subtree_counts(county) == live_counts(county)
    assert subtree_counts(Region.objects.get(code="210105023000")) == {}


def test_counts_follow_a_recoded_county_to_its_new_city():
    huanggu = Region.objects.get(code="210105000000")
    size = live_counts(huanggu)
    shenyang, dalian = (Region.objects.get(code=c) for c in ("210100000000", "210200000000"))
    shenyang_before, dalian_before = subtree_counts(shenyang), subtree_counts(dalian)
    recode_region(huanggu, "210299", reason="划转（测试）")
    assert subtree_counts(Region.objects.get(pk=huanggu.pk)) == size
    assert subtree_counts(shenyang)["village"] == shenyang_before["village"] - size["village"]
    assert subtree_counts(dalian)["village"] == dalian_before["village"] + size["village"]
    assert subtree_counts(dalian) == live_counts(dalian) and subtree_counts(shenyang) == live_counts(shenyang)


def test_an_imported_province_has_its_counts_at_once(tmp_path):
    import_divisions(small_province(tmp_path))
    province = Region.objects.get(code="990000000000")
    assert subtree_counts(province) == {"city": 1, "county": 1, "township": 1, "village": 2}
    assert SubtreeCount.objects.filter(region__code__startswith="99").count() == 4 + 3 + 2 + 1


def test_a_bulk_import_drops_and_rebuilds_the_secondary_indexes(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "BULK_ROWS", 1)
    before = table_indexes()
    seen: list[str] = []
    import_divisions(small_province(tmp_path), progress=seen.append)
    assert any("index" in message or "索引" in message for message in seen), "the bulk path was taken"
    assert table_indexes() == before
    assert subtree_counts(Region.objects.get(code="990000000000"))["village"] == 2


def test_a_bulk_import_that_fails_while_writing_leaves_rows_counts_and_indexes_as_they_were(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "BULK_ROWS", 1)
    real = services._copy_rows

    def fail_on_villages(model, varying, rows, constants):  # noqa: ANN001, ANN202
        rows = list(rows)
        if model is Region and rows and rows[0][2] == Level.VILLAGE:
            raise RuntimeError("killed")
        return real(model, varying, rows, constants)

    monkeypatch.setattr(services, "_copy_rows", fail_on_villages)
    before = (table_indexes(), Region.objects.count(), Region.history.count(), SubtreeCount.objects.count())
    with pytest.raises(RuntimeError):
        import_divisions(small_province(tmp_path))
    assert (table_indexes(), Region.objects.count(), Region.history.count(), SubtreeCount.objects.count()) == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite page cache")
def test_the_import_connection_gets_its_page_cache_back(tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        import_divisions(small_province(tmp_path))
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == before
