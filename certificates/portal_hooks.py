"""What the certificates app adds elsewhere: dashboard panels, the committee page section and the supervision
registries (refused certificate demands, per-agency counts, dashboard figures)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import dashboard, sections


@dashboard.register
def issuer_panel(user: Any) -> dashboard.Panel | None:
    """Committee officers: issue, the register, and how many of their certificates are in force."""
    from . import services
    from .models import Certificate, CertificateStatus

    committees = services.issuing_committees(user)
    if not committees:
        return None
    valid = Certificate.objects.filter(committee__in=committees, status=CertificateStatus.VALID).count()
    items = [
        (_("Issue a certificate"), reverse("certificates:issue")),
        (_("%(n)d certificates in force in the register") % {"n": valid}, reverse("certificates:register")),
        (_("Check a certificate request"), reverse("certificates:check") + f"?region={committees[0].code}"),
        (_("Certificate guide for the notice board"), reverse("certificates:guide", args=[committees[0].code])),
    ]
    return dashboard.Panel(title=_("Certificates (Art. 9)"), items=items, order=35,
                           note=_("Only the certificates of the catalog, on the standard template; never those of the negative list."))


@dashboard.register
def supervisor_panel(user: Any) -> dashboard.Panel | None:
    """Civil-affairs officers: the register of their area and refused demands to follow up."""
    from accounts.choices import ROLE_ACTIONS, Action
    from core.scoping import restrict
    from regions.choices import OrganisationKind

    from .models import Certificate, RefusedDemand

    if not any(m.organisation.kind == OrganisationKind.CIVIL_AFFAIRS and Action.VIEW in ROLE_ACTIONS[m.role]
               for m in user.cached_memberships()):
        return None
    issued = restrict(Certificate.objects.all(), user).count()
    refused = restrict(RefusedDemand.objects.all(), user).count()
    items = [(_("%(n)d certificates issued in your area") % {"n": issued}, reverse("certificates:register"))]
    from . import services

    if services.manageable_regions(user):  # a city or county department: its own catalog to derive and publish
        items.insert(0, (_("Certificate catalog of your region: derive, adapt, publish"), reverse("certificates:manage")))
    if refused:
        items.append((_("%(n)d refused demands for negative-list certificates to follow up") % {"n": refused},
                      reverse("certificates:register")))
    return dashboard.Panel(title=_("Certificates issued by committees (Art. 9)"), items=items, order=45)


@sections.register
def certificates_section(request: HttpRequest, region: Any) -> sections.Section | None:
    if getattr(region, "level", None) != 5:
        return None
    from . import services

    eff = services.effective_catalog(region)
    return sections.Section(template="certificates/_committee_section.html",
                            context={"region": region, "type_count": len(eff.types) if eff else 0}, order=65)


# --- supervision ----------------------------------------------------------------------------------------------------


def _subtree_q(region: Any, field: str) -> Any:
    from django.db.models import Q

    from regions.codes import subtree_bounds

    low, high = subtree_bounds(region.code, region.level)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def violations(region: Any) -> list[Any]:
    """Demands for negative-list certificates that committees refused (Art. 9(1), 10), inside the region."""
    from supervision.sources import Violation

    from .models import RefusedDemand

    found = []
    for d in RefusedDemand.objects.filter(_subtree_q(region, "committee__code")).select_related("committee")[:500]:
        found.append(Violation(
            source="certificates", ref=f"refused:{d.pk}", agency_id=d.agency_id, region_code=d.committee.code,
            article=9, clause=1, summary=f"{d.committee.name} ← {d.agency_name}：{d.negative_name}",
            occurred_at=d.created_at, url=reverse("certificates:guide", args=[d.committee.code]),
        ))
    return found


def refused_metric(agency: Any, period: Any) -> int:
    from .models import RefusedDemand

    return RefusedDemand.objects.filter(agency=agency, created_at__gte=period.start, created_at__lt=period.end).count()


def figures(region: Any, user: Any, period: Any) -> list[Any]:
    from supervision.sources import Figure

    from .models import Certificate, CertificateStatus, RefusedDemand

    group = str(gettext_lazy("Certificates (Art. 9)"))
    issued = Certificate.objects.filter(_subtree_q(region, "committee__code"), created_at__gte=period.start,
                                        created_at__lt=period.end)
    refused = RefusedDemand.objects.filter(_subtree_q(region, "committee__code"), created_at__gte=period.start,
                                           created_at__lt=period.end)
    url = reverse("certificates:register") + f"?committee={region.code}"
    return [
        Figure(group, _("Certificates issued"), issued.count(), url),
        Figure(group, _("Certificates revoked"), issued.filter(status=CertificateStatus.REVOKED).count(), url + "&status=revoked"),
        Figure(group, _("Refused demands for negative-list certificates"), refused.count(), url),
    ]


def register_supervision() -> None:
    try:
        from supervision import sources
    except ImportError:  # supervision not installed: nothing to feed
        return
    sources.register_violation_source("certificates", violations)
    sources.register_scorecard_metric("refused_certificates", refused_metric,
                                      label=gettext_lazy("Certificate demands refused (Art. 9)"), order=31)
    sources.register_dashboard_figure("certificates", figures)
