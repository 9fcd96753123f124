"""Helpers for the assessment tests: plans of 鸭绿江街道 built through the services."""

from typing import Any

import pytest

STREET = "210105023000"
WENGUAN = "210105023201"
GOOD_INDICATOR = {"name": "调解民间纠纷", "description": "及时调解邻里纠纷", "weight": "100", "method": "入户走访",
                  "evidence": "群众满意度测评"}
RANKING_INDICATOR = {"name": "信息报送", "description": "按月通报各社区得分并排名", "weight": "100", "method": "", "evidence": ""}


@pytest.fixture
def street_org(db):  # noqa: ANN001, ANN201
    from regions.models import Organisation

    return Organisation.objects.get(region__code=STREET, kind="street_office")


@pytest.fixture
def listed(db):  # noqa: ANN001, ANN201
    from assessment import services
    from regions.models import Region

    return services.listed_items(Region.objects.get(code=STREET))


@pytest.fixture
def make_plan(demo_user, street_org, listed):  # noqa: ANN001, ANN201
    """make_plan([(indicator data, [item codes]), ...]) → a draft plan of 鸭绿江街道 with those indicators."""
    from assessment import services

    by_code = {i.code: i for i in listed.items}

    def make(indicators: list[tuple[dict[str, Any], list[str]]] | None = None, title: str = "2026年度社区工作综合考核方案",
             year: int = 2026) -> Any:
        user = demo_user("yalujiang.street")
        plan = services.create_plan(user, street_org, title=title, year=year)
        for data, codes in indicators if indicators is not None else [(GOOD_INDICATOR, ["P03"])]:
            services.save_indicator(user, plan, data, [by_code[c].pk for c in codes])
        plan.refresh_from_db()
        return plan

    return make


@pytest.fixture
def published_plan(make_plan, demo_user):  # noqa: ANN001, ANN201
    from assessment import services

    user = demo_user("yalujiang.street")
    plan = make_plan()
    plan = services.submit(user, plan)
    plan = services.approve(user, plan)
    return services.publish(user, plan)
