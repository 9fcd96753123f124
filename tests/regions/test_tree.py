"""Subtree queries, ancestors, counts and recoding of regions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regions.choices import Level
from regions.models import Organisation, Region, RegionCodeChange
from regions.services import children_with_committee_counts, recode_region, resolve_code, subtree_counts

pytestmark = pytest.mark.django_db


def region(code: str) -> Region:
    return Region.objects.get(code=code.ljust(12, "0"))


@pytest.mark.parametrize("code", ["21", "2101", "2102", "210105", "210202", "210105023", "210105023201"])
def test_a_subtree_holds_exactly_the_units_whose_code_starts_with_the_prefix(code):
    root = region(code)
    expected = set(Region.objects.filter(code__startswith=code).values_list("pk", flat=True))
    assert set(Region.objects.subtree(root).values_list("pk", flat=True)) == expected
    assert Region.objects.subtree(root, include_self=False).count() == len(expected) - 1


def test_a_subtree_follows_parent_links_all_the_way_down():
    root = region("210105")
    by_parents, frontier = {root.pk}, [root.pk]
    while frontier:
        frontier = list(Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        by_parents.update(frontier)
    assert set(Region.objects.subtree(root).values_list("pk", flat=True)) == by_parents


def test_a_subtree_count_is_one_query_on_the_code_range():
    root = region("2101")
    with CaptureQueriesContext(connection) as queries:
        Region.objects.subtree(root).count()
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "JOIN" not in sql.upper() and '"code" >=' in sql and '"code" <=' in sql


def test_committees_of_a_subtree():
    assert Region.objects.subtree(region("21")).committees().count() == 16727
    assert Region.objects.subtree(region("210105023")).committees().filter(code="210105023201").exists()


def test_ancestors_run_from_the_province_down_in_one_query():
    wenguan = region("210105023201")
    with CaptureQueriesContext(connection) as queries:
        names = [a.name for a in wenguan.ancestors()]
    assert names == ["辽宁省", "沈阳市", "皇姑区", "鸭绿江街道"] and len(queries) == 1
    assert region("21").ancestors() == []
    assert wenguan.full_name() == "辽宁省沈阳市皇姑区鸭绿江街道文官村委会"


def test_is_within_compares_code_ranges():
    wenguan = region("210105023201")
    assert wenguan.is_within(region("21")) and wenguan.is_within(region("210105")) and wenguan.is_within(wenguan)
    assert not wenguan.is_within(region("210102")) and not region("2101").is_within(wenguan)


def test_subtree_counts_per_level_agree_with_plain_counts():
    for code in ("21", "2101", "210105", "210105023"):
        root = region(code)
        counts = subtree_counts(root)
        for level in Level:
            if level <= root.level:
                assert level.name.lower() not in counts
                continue
            expected = Region.objects.filter(code__startswith=code, level=level).count()
            assert counts.get(level.name.lower(), 0) == expected


def test_children_with_committee_counts_takes_two_queries_whatever_the_level():
    for code in ("21", "2101", "210105"):
        root = region(code)
        with CaptureQueriesContext(connection) as queries:
            rows = children_with_committee_counts(root)
        assert len(queries) == 2
        length = {1: 4, 2: 6, 3: 9}[root.level]
        for child, n in rows:
            assert n == Region.objects.filter(code__startswith=child.code[:length], level=5).count()


def test_recoding_a_county_moves_its_whole_subtree_and_keeps_former_codes():
    huanggu = region("210105")
    size = Region.objects.subtree(huanggu).count()
    recode_region(huanggu, "210199", "皇姑新区", reason="撤县设区（测试）")
    moved = Region.objects.get(pk=huanggu.pk)
    assert moved.code == "210199000000" and moved.name == "皇姑新区"
    assert Region.objects.subtree(moved).count() == size
    assert not Region.objects.filter(code__startswith="210105").exists()
    wenguan = Region.objects.get(code="210199023201")
    assert wenguan.name == "文官村委会" and wenguan.parent.code == "210199023000"
    assert resolve_code("210105023201") == wenguan
    assert resolve_code("210105000000") == moved
    change = RegionCodeChange.objects.filter(region=moved).get()
    assert (change.old_code, change.old_name, change.new_code, change.new_name) == (
        "210105000000", "皇姑区", "210199000000", "皇姑新区")
    record = moved.history.first()
    assert record.history_change_reason == "撤县设区（测试）" and record.prev_record.code == "210105000000"
    # organisations and scope follow the region: the committee is still inside Huanggu's subtree
    assert Organisation.objects.get(region=wenguan).region.is_within(moved)


def test_recoding_into_another_city_moves_the_parent_link_too():
    huanggu = region("210105")
    recode_region(huanggu, "210299", reason="划转（测试）")
    moved = Region.objects.get(pk=huanggu.pk)
    assert moved.parent.code == "210200000000"
    assert [a.code for a in moved.ancestors()] == ["210000000000", "210200000000"]


def test_recoding_refuses_codes_in_use_or_of_the_wrong_level_or_without_a_parent():
    huanggu = region("210105")
    with pytest.raises(ValueError):
        recode_region(huanggu, "210102")
    with pytest.raises(ValueError):
        recode_region(huanggu, "210105001")
    with pytest.raises(ValueError):
        recode_region(huanggu, "229901")
    assert region("210105").name == "皇姑区"


def test_renaming_without_recoding_keeps_the_code():
    street = region("210105023")
    recode_region(street, street.code, "鸭绿江新街道", reason="更名")
    street.refresh_from_db()
    assert street.code == "210105023000" and street.name == "鸭绿江新街道"
    assert street.code_changes.get().old_name == "鸭绿江街道"
