"""Read-only figures for the regional dashboard (Art. 3). Every count goes through the scope; nothing ranks committees."""

from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Action
from core.scoping import restrict
from regions.codes import subtree_bounds
from regions.models import Region

from . import rules
from .charts import Bar, bar_chart, column_chart
from .choices import CaseStatus, ComplaintStatus
from .models import Complaint, CorrectionOrder, Notice
from .services import visible_cases
from .sources import Figure, Period, dashboard_figures


def _cases_url(region: Region, **params: Any) -> str:
    return reverse("supervision:cases") + "?" + urlencode({"region": region.code, **params})


def region_cases(user: Any, region: Region, period: Period) -> Any:
    low, high = subtree_bounds(region.code, region.level)
    return visible_cases(user).filter(region__code__gte=low, region__code__lte=high,
                                      created_at__gte=period.start, created_at__lt=period.end)


def dashboard(user: Any, region: Region, period: Period) -> dict[str, Any]:
    cases = region_cases(user, region, period)
    per_status = dict(cases.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    p = {"period": period.label}
    status_figures = [
        Figure(_("Complaints and cases"), str(label), per_status.get(value, 0), _cases_url(region, status=value, **p))
        for value, label in CaseStatus.choices
    ]
    today = timezone.localdate()
    overdue = CorrectionOrder.objects.filter(case__in=cases, responded_at__isnull=True, deadline__lt=today).count()
    notices = Notice.objects.filter(case__in=cases).count()
    summary = [
        Figure(_("Complaints and cases"), _("Cases opened"), cases.count(), _cases_url(region, **p)),
        Figure(_("Complaints and cases"), _("Correction orders overdue"), overdue, _cases_url(region, overdue="1", **p)),
        Figure(_("Complaints and cases"), _("Notices of criticism"), notices, _cases_url(region, status=CaseStatus.SANCTIONED, **p)),
        Figure(_("Complaints and cases"), _("Found by the system"), cases.filter(source="system").count(), _cases_url(region, source="system", **p)),
    ]
    # Redirected complaints have no case: they are counted, without drill-down to reporters' texts.
    low, high = subtree_bounds(region.code, region.level)
    redirected = restrict(Complaint.objects.all(), user, Action.VIEW).filter(
        status=ComplaintStatus.REDIRECTED, region__code__gte=low, region__code__lte=high,
        created_at__gte=period.start, created_at__lt=period.end,
    ).count()
    by_category = Counter(dict(cases.values_list("category").annotate(n=Count("pk")).values_list("category", "n")))
    category_bars = [
        Bar(f"{c.name}", by_category.get(c.code, 0), _cases_url(region, category=c.code, **p))
        for c in rules.categories().values() if c.in_scope
    ]
    months = dict(
        cases.annotate(m=TruncMonth("created_at")).values("m").annotate(n=Count("pk")).values_list("m", "n")
    )
    trend = []
    cursor = date(period.start.year, period.start.month, 1)
    end = period.end.date()
    while cursor < end:
        n = sum(v for k, v in months.items() if k and (k.year, k.month) == (cursor.year, cursor.month))
        trend.append(Bar(f"{cursor.month}月", n, _cases_url(region, month=f"{cursor:%Y-%m}", **p)))
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    other: list[Figure] = []
    for name, func in dashboard_figures().items():
        try:
            other.extend(func(region, user, period))
        except Exception:  # noqa: BLE001 — one module's figure must not break the dashboard
            import logging

            logging.getLogger(__name__).exception("dashboard figure %s failed", name)
    groups: dict[str, list[Figure]] = {}
    for figure in other:
        groups.setdefault(figure.group, []).append(figure)
    return {
        "summary": summary,
        "statuses": status_figures,
        "category_chart": bar_chart(category_bars, title=_("Cases by kind of burden")),
        "trend_chart": column_chart(trend, title=_("Cases opened per month")),
        "other_groups": groups,
        "redirected": redirected,
    }
