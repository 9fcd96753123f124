"""Dashboard panels: each app registers what a user of a given organisation and role does next."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass
class Panel:
    title: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (text, url)
    note: str = ""
    order: int = 100


PanelFactory = Callable[[Any], Panel | None]
_PANELS: list[PanelFactory] = []


def register(factory: PanelFactory) -> PanelFactory:
    _PANELS.append(factory)
    return factory


def panels_for(user: Any) -> list[Panel]:
    panels = [p for p in (factory(user) for factory in _PANELS) if p is not None]
    return sorted(panels, key=lambda p: p.order)


@register
def my_region_panel(user: Any) -> Panel | None:
    from django.urls import reverse

    org = user.organisation
    if org is None:
        return None
    region = org.region
    url = reverse("portal:committee", args=[region.code]) if org.is_committee else reverse("regions:detail", args=[region.code])
    return Panel(
        title=_("My region"),
        items=[(f"{region.full_name()} ({region.code})", url)],
        order=10,
    )


@register
def administration_panel(user: Any) -> Panel | None:
    from django.urls import reverse

    actions = user.actions()
    items = []
    if "audit" in actions:
        items.append((str(_("Read the audit log of your region")), reverse("accounts:audit")))
    if "manage_users" in actions or "security" in actions:
        items.append((str(_("Manage accounts and lockouts")), reverse("admin:index")))
    if not items:
        return None
    return Panel(title=_("Administration"), items=items, order=90)


# What the regulation asks of each kind of organisation: the standing duties shown on its dashboard.
DUTIES: dict[str, list[str]] = {
    "civil_affairs": [
        _("Art. 4: compile the work list from the catalog and the upper list, have it approved by the government at your level, publish it and file it with the civil-affairs department above."),
        _("Art. 4: adjust the list when laws change; receive and review the filings of the level below."),
        _("Art. 3, 10: guide and supervise; handle complaints about extra burdens and order corrections."),
    ],
    "government": [
        _("Art. 4: approve the work list that your civil-affairs department submits."),
        _("Art. 5, 6: arrange purchases of services and integrate ledgers, reports, chat groups and apps (county)."),
        _("Art. 8(4): only your approval allows staff to be seconded from committees (city and county)."),
    ],
    "department": [
        _("Art. 5: give committees funding, conditions, information and guidance for the listed items you rely on."),
        _("Art. 8: send work to committees only through admission against their list; never make them the responsible subject."),
        _("Art. 6: collect data through the county's integrated channels, once, at the planned frequency."),
    ],
    "township_government": [
        _("Art. 6: publish at the start of the year what each committee reports, to whom and how often."),
        _("Art. 7: assess committees comprehensively: no one-vote veto, no ranking, no paperwork in place of results."),
    ],
    "committee": [
        _("You do the work on your published list. Work that is not on it can be refused with one click, citing the regulation."),
        _("You report each figure once per period, on the annual plan; no duplicate, multi-head or rush reporting (Art. 6)."),
        _("Report any extra burden through the complaint channel; you may do so anonymously (Art. 10)."),
    ],
}
DUTIES["street_office"] = DUTIES["township_government"]


@register
def duties_panel(user: Any) -> Panel | None:
    org = user.organisation
    if org is None or org.kind not in DUTIES:
        return None
    return Panel(title=_("Your duties under the regulation"), items=[(str(text), "") for text in DUTIES[org.kind]], order=50)
