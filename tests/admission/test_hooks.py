"""What admission feeds elsewhere: dashboard panels per role and the supervision registries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from admission import services
from regions.models import Region

pytestmark = pytest.mark.django_db
ENFORCEMENT = ("违法建设治理", "由社区居委会作为辖区违法建设治理的责任主体，负责违建的日常巡查、制止和拆除，并承担管理责任。")


def _submitted(demo_user):  # noqa: ANN001, ANN202
    user = demo_user("yalujiang.street")
    sender = services.sender_organisations(user)[0]
    req = services.create_request(user, sender, kind="task", title=ENFORCEMENT[0], content=ENFORCEMENT[1],
                                  deadline=timezone.localdate() + timedelta(days=3),
                                  targets=[Region.objects.get(code="210105023001")])
    return services.submit(user, req)


def test_the_reviewer_dashboard_shows_requests_awaiting_review(demo_user):
    from admission.portal_hooks import reviewer_panel

    _submitted(demo_user)
    panel = reviewer_panel(demo_user("huanggu.ca"))
    assert panel is not None and any("?status=submitted" in url for _text, url in panel.items)
    assert reviewer_panel(demo_user("zhongshan.ca")) is None


def test_the_committee_dashboard_offers_refusal_of_unadmitted_work(demo_user):
    from admission.portal_hooks import inbox_panel

    _submitted(demo_user)
    panel = inbox_panel(demo_user("wanfang.community"))
    assert panel is not None and len(panel.items) >= 2


def test_rejected_requests_and_refusals_feed_supervision_with_the_agency_and_article(demo_user):
    from admission.models import RequestTarget
    from admission.portal_hooks import rejected_metric, requests_metric, violations
    from supervision.sources import Period, scorecard_metrics, violation_sources

    req = services.review(demo_user("huanggu.ca"), _submitted(demo_user))
    found = [v for v in violations(Region.objects.get(code="210105000000")) if v.ref == f"request:{req.pk}"]
    assert found and found[0].agency_id == req.sender_id and (found[0].article, found[0].clause) == (8, 1)
    assert not [v for v in violations(Region.objects.get(code="210202000000")) if v.ref == f"request:{req.pk}"]
    now = timezone.now()
    period = Period("test", now - timedelta(days=1), now + timedelta(days=1))
    assert requests_metric(req.sender, period) >= 1 and rejected_metric(req.sender, period) >= 1
    assert "admission" in violation_sources()
    assert {"requests", "rejected_requests"} <= {m.name for m in scorecard_metrics() if m.func is not None}
    services.refuse(demo_user("wanfang.community"), RequestTarget.objects.get(request=req))
