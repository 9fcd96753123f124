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
