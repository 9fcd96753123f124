"""The work-list section of the public committee page and the dashboard panel of list workers."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import dashboard, sections


@sections.register
def worklist_section(request: HttpRequest, region: Any) -> sections.Section | None:
    from .services import effective_list
    from .views_public import grouped

    effective = effective_list(region)
    return sections.Section(
        template="worklists/_section.html",
        context={"region": region, "effective": effective, "groups": grouped(effective.items) if effective else []},
        order=10,
    )


@dashboard.register
def worklist_panel(user: Any) -> dashboard.Panel | None:
    from .services import filings_to_review, notifications_for

    org = user.organisation
    if org is None or org.kind not in ("civil_affairs", "government"):
        return None
    unread = notifications_for(user).filter(read=False).count()
    pending = filings_to_review(user).filter(status__in=["filed", "received"]).count()
    items = [(_("Catalogs and work lists: my work"), reverse("worklists:work"))]
    if unread:
        items.append((_("%(n)d unread notifications") % {"n": unread}, reverse("worklists:notifications")))
    if pending:
        items.append((_("%(n)d filings to review") % {"n": pending}, reverse("worklists:work")))
    return dashboard.Panel(title=_("Work lists (Art. 4)"), items=items, order=20)


def supervision_figures(region: Any, user: Any, period: Any) -> list[Any]:
    """Art. 3 dashboard: the state of the catalog and the city/county lists inside a region."""
    from django.db.models import Q

    from regions.choices import Level
    from regions.codes import subtree_bounds
    from regions.models import Region
    from supervision.sources import Figure

    from .choices import OPEN_STATUSES, PUBLIC_STATUSES, FilingStatus, FlagStatus
    from .models import Filing, ItemFlag, ListVersion, WorkList

    low, high = subtree_bounds(region.code, region.level)
    within = Q(region__code__gte=low, region__code__lte=high)
    group = _("Catalog and work lists (Art. 4)")
    owners = Region.objects.filter(code__gte=low, code__lte=high, level__in=[Level.CITY, Level.COUNTY], is_active=True)
    published = WorkList.objects.filter(within, versions__status__in=PUBLIC_STATUSES).distinct()
    version_q = Q(worklist__region__code__gte=low, worklist__region__code__lte=high)
    filing_q = Q(version__worklist__region__code__gte=low, version__worklist__region__code__lte=high)
    flag_q = Q(item__version__worklist__region__code__gte=low, item__version__worklist__region__code__lte=high)
    region_url = reverse("worklists:region", args=[region.code])
    return [
        Figure(group, _("Cities and counties with a published list"), published.filter(region__level__in=[Level.CITY, Level.COUNTY]).count(), region_url),
        Figure(group, _("Cities and counties without a published list"),
               owners.exclude(pk__in=published.values("region_id")).count(), region_url),
        Figure(group, _("Filings awaiting receipt or review"),
               Filing.objects.filter(filing_q, status__in=[FilingStatus.FILED, FilingStatus.RECEIVED]).count(), reverse("worklists:work")),
        Figure(group, _("Filings accepted"), Filing.objects.filter(filing_q, status=FilingStatus.ACCEPTED).count(), region_url),
        Figure(group, _("Adjustments in progress"), ListVersion.objects.filter(version_q, status__in=OPEN_STATUSES).count(),
               reverse("worklists:work")),
        Figure(group, _("Items flagged by law changes, not yet adjusted or confirmed"),
               ItemFlag.objects.filter(flag_q, status=FlagStatus.OPEN).count(), reverse("worklists:flags")),
    ]


try:
    from supervision import sources as _supervision_sources
except ImportError:  # supervision not installed: nothing to feed
    _supervision_sources = None
if _supervision_sources is not None:
    _supervision_sources.register_dashboard_figure("worklists", supervision_figures)
