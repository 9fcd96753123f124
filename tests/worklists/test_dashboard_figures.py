"""The Art. 3 dashboard shows the state of lists in a region (published, filed, adjustments, law-change flags)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from regions.models import Region
from supervision.sources import Period, dashboard_figures
from worklists.portal_hooks import supervision_figures


@pytest.fixture
def year() -> Period:
    now = timezone.now()
    return Period("year", now - timedelta(days=365), now + timedelta(days=1))


def _values(region_code: str, year: Period) -> dict[str, int]:
    return {str(f.label): f.value for f in supervision_figures(Region.objects.get(code=region_code), None, year)}


def test_worklists_feed_the_supervision_dashboard():
    assert dashboard_figures()["worklists"] is supervision_figures


def test_shenyang_dashboard_counts_its_published_lists_and_the_adjustment_in_progress(db, year):
    values = _values("210100000000", year)
    assert values["已公布清单的市、县"] == 2  # 沈阳市 and 皇姑区
    assert values["尚未公布清单的市、县"] == Region.objects.filter(code__startswith="2101", level__in=[2, 3]).count() - 2
    assert values["已接收的备案"] >= 1
    assert values["正在进行的动态调整"] >= 1  # the demo's 沈阳市 v2 draft


def test_a_county_without_a_list_shows_it_as_missing(db, year):
    values = _values("210102000000", year)  # 和平区 has no list in the demo
    assert values["已公布清单的市、县"] == 0
    assert values["尚未公布清单的市、县"] == 1
