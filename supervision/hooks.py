"""What supervision adds to the shared pages: dashboard panels and the committee page section."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.dashboard import Panel
from portal.dashboard import register as register_panel
from portal.sections import Section
from portal.sections import register as register_section
from regions.choices import OrganisationKind

from .choices import CaseStatus


@register_panel
def supervision_panel(user: Any) -> Panel | None:
    from . import services

    org = user.organisation
    if org is None:
        return None
    if org.kind == OrganisationKind.COMMITTEE:
        return Panel(title=gettext_lazy("Extra burdens (Art. 10)"), order=60, items=[
            (_("Report an extra burden"), reverse("supervision:complaint_new")),
            (_("My reports"), reverse("supervision:my_complaints")),
            (_("Follow a report with its tracking code"), reverse("supervision:track")),
        ])
    cases = services.visible_cases(user)
    if org.kind in services.SUPERVISING_KINDS:
        mine = cases.filter(bureau=org).exclude(status__in=[CaseStatus.DISMISSED, CaseStatus.CORRECTED, CaseStatus.SANCTIONED])
        items = [
            (_("Cases to handle: %(n)d open") % {"n": mine.count()}, reverse("supervision:cases") + f"?region={org.region.code}"),
            (_("Supervision dashboard"), reverse("supervision:dashboard")),
            (_("Agency scorecards"), reverse("supervision:scorecards")),
        ]
        if org.kind == OrganisationKind.CIVIL_AFFAIRS:
            items.append((_("Violations found by the system"), reverse("supervision:violations")))
        items.append((_("Notices of public criticism"), reverse("supervision:notices")))
        return Panel(title=gettext_lazy("Supervision and accountability (Art. 3, 10)"), items=items, order=40)
    waiting = cases.filter(agency=org, status__in=[CaseStatus.CORRECTION_ORDERED, CaseStatus.ESCALATED], orders__responded_at__isnull=True).distinct()
    return Panel(title=gettext_lazy("Correction orders (Art. 10)"), order=40, items=[
        (_("Cases awaiting your correction: %(n)d") % {"n": waiting.count()}, reverse("supervision:cases") + f"?agency={org.pk}"),
        (_("Your burden scorecard"), reverse("supervision:scorecard", args=[org.pk])),
    ])


@register_section
def complaint_section(request: HttpRequest, region: Any) -> Section | None:
    return Section(template="supervision/_committee_section.html", context={"region": region}, order=90)
