"""DESIGN.md §5: a subtree query is one indexed range scan. Proven with EXPLAIN on PostgreSQL."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regions.codes import subtree_bounds
from regions.models import Region

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="EXPLAIN plans are checked on PostgreSQL"),
    pytest.mark.django_db,
]


def plan_of_subtree_count(code: str) -> str:
    root = Region.objects.get(code=code)
    with CaptureQueriesContext(connection) as queries:
        Region.objects.subtree(root).count()
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (COSTS OFF) " + query["sql"])
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("code", ["210100000000", "210105000000", "210105023000", "210105023201"])
def test_a_subtree_count_is_an_index_range_scan_on_the_code(code):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE regions_region")  # fresh statistics, as in a running installation
    plan = plan_of_subtree_count(code)
    assert "Seq Scan" not in plan, plan
    assert any(kind in plan for kind in ("Index Only Scan", "Index Scan", "Bitmap Index Scan")), plan
    assert "regions_region_code" in plan, plan
    root = Region.objects.get(code=code)
    low, high = subtree_bounds(root.code, root.level)
    assert f"'{low}'" in plan and f"'{high}'" in plan and "Cond" in plan, "both bounds are in the index condition"


def test_the_code_index_is_a_btree_usable_for_ranges():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'regions_region'")
        indexes = dict(cursor.fetchall())
    code_indexes = {name: d for name, d in indexes.items() if "(code" in d}
    assert code_indexes, indexes
    assert any("UNIQUE" in d and "btree" in d for d in code_indexes.values()), code_indexes
