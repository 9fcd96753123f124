"""What the admission app adds elsewhere: dashboard panels (what each role does next), the committee page section, and
the supervision registries (rejected and refused requests, per-agency counts, dashboard figures)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import dashboard, sections


@dashboard.register
def sender_panel(user: Any) -> dashboard.Panel | None:
    from core.scoping import restrict

    from . import services
    from .choices import RequestStatus, TargetStatus
    from .models import RequestTarget, WorkRequest

    senders = services.sender_organisations(user)
    if not senders:
        return None
    own = restrict(WorkRequest.objects.filter(sender__in=senders), user)
    items = [(_("Send a work request to committees"), reverse("admission:request_new")),
             (_("Work requests"), reverse("admission:requests"))]
    drafts = own.filter(status=RequestStatus.DRAFT).count()
    if drafts:
        items.append((_("%(n)d draft requests not yet submitted") % {"n": drafts}, reverse("admission:requests") + "?status=draft"))
    refused = RequestTarget.objects.filter(request__in=own, status=TargetStatus.REFUSED).count()
    if refused:
        items.append((_("%(n)d refusals by committees") % {"n": refused}, reverse("admission:requests") + "?decision=reject"))
    return dashboard.Panel(title=_("Work requests to committees (Art. 5, 8)"), items=items, order=30,
                           note=_("Every request is checked against the committees' work lists before it reaches them."))


@dashboard.register
def reviewer_panel(user: Any) -> dashboard.Panel | None:
    from . import services

    waiting = services.awaiting_review(user)
    arranging = services.awaiting_arrangement(user)
    items = []
    n = waiting.count()
    if n:
        items.append((_("%(n)d requests awaiting your admission review") % {"n": n},
                      reverse("admission:requests") + "?status=submitted"))
    m = arranging.count()
    if m:
        items.append((_("%(n)d purchases of services to arrange") % {"n": m},
                      reverse("admission:requests") + "?decision=purchase_service"))
    if not items:
        return None
    return dashboard.Panel(title=_("Admission review"), items=items, order=25)


@dashboard.register
def inbox_panel(user: Any) -> dashboard.Panel | None:
    from . import services
    from .choices import TargetStatus

    if not services.committees_of(user):
        return None
    targets = services.inbox(user)
    items = [(_("Work requests inbox"), reverse("admission:inbox"))]
    todo = targets.filter(status__in=[TargetStatus.DELIVERED, TargetStatus.ACKNOWLEDGED]).count()
    if todo:
        items.append((_("%(n)d admitted tasks to do") % {"n": todo}, reverse("admission:inbox")))
    consent = targets.filter(status=TargetStatus.AWAITING_CONSENT).count()
    if consent:
        items.append((_("%(n)d purchases of services awaiting your consent") % {"n": consent}, reverse("admission:inbox")))
    refusable = sum(1 for t in targets.filter(status__in=[TargetStatus.PENDING, TargetStatus.NOT_ADMITTED]) if services.can_refuse(t))
    if refusable:
        items.append((_("%(n)d requests that did not pass admission: you may refuse them") % {"n": refusable},
                      reverse("admission:inbox")))
    return dashboard.Panel(title=_("Work requests to your committee"), items=items, order=20)


@sections.register
def admission_section(request: HttpRequest, region: Any) -> sections.Section | None:
    """Every committee page links to the public check, prefilled with the committee's code."""
    if getattr(region, "level", None) != 5:
        return None
    return sections.Section(template="admission/_committee_section.html", context={"region": region}, order=60)


# --- supervision ----------------------------------------------------------------------------------------------------

def violations(region: Any) -> list[Any]:
    """Requests rejected at admission (Art. 7, 8) and refused by committees, inside the region."""
    from supervision.sources import Violation

    from . import services
    from .choices import Decision, RequestStatus, TargetStatus
    from .models import RequestTarget, WorkRequest

    found = []
    rejected = WorkRequest.objects.filter(
        services.subtree_q(region, "sender__region__code"), status=RequestStatus.DECIDED, decision=Decision.REJECT,
    ).select_related("sender__region").order_by("-reviewed_at", "-id")[:500]
    for req in rejected:
        first = req.targets.exclude(check_result={}).first()
        findings = first.findings if first else []
        article, clause = (findings[0]["article"], findings[0]["clause"]) if findings else (8, 5)
        found.append(Violation(
            source="admission", ref=f"request:{req.pk}", agency_id=req.sender_id, region_code=req.sender.region.code,
            article=article, clause=clause, summary=f"{req.sender.name}：{req.title}",
            occurred_at=req.submitted_at, url=reverse("admission:request", args=[req.pk]),
        ))
    refused = RequestTarget.objects.filter(
        services.subtree_q(region, "committee__code"), status=TargetStatus.REFUSED,
    ).exclude(request__decision=Decision.REJECT).select_related("request__sender", "committee").order_by("-refused_at")[:500]
    for target in refused:
        findings = target.findings
        article, clause = (findings[0]["article"], findings[0]["clause"]) if findings else (5, 2)
        found.append(Violation(
            source="admission", ref=f"refusal:{target.pk}", agency_id=target.request.sender_id,
            region_code=target.committee.code, article=article, clause=clause,
            summary=f"{target.committee.name} ← {target.request.sender.name}：{target.request.title}",
            occurred_at=target.refused_at, url=reverse("admission:request", args=[target.request_id]),
        ))
    return found


def requests_metric(agency: Any, period: Any) -> int:
    from .models import WorkRequest

    return WorkRequest.objects.filter(sender=agency, submitted_at__gte=period.start, submitted_at__lt=period.end).count()


def rejected_metric(agency: Any, period: Any) -> int:
    from .choices import Decision
    from .models import WorkRequest

    return WorkRequest.objects.filter(sender=agency, decision=Decision.REJECT, submitted_at__gte=period.start,
                                      submitted_at__lt=period.end).count()


def figures(region: Any, user: Any, period: Any) -> list[Any]:
    from supervision.sources import Figure

    from . import services
    from .choices import Decision, TargetStatus
    from .models import RequestTarget, WorkRequest

    group = str(gettext_lazy("Admission of work requests (Art. 5, 8)"))
    reqs = WorkRequest.objects.filter(services.subtree_q(region, "sender__region__code"),
                                      submitted_at__gte=period.start, submitted_at__lt=period.end)
    url = reverse("admission:requests") + f"?within={region.code}"
    refused = RequestTarget.objects.filter(services.subtree_q(region, "committee__code"), status=TargetStatus.REFUSED,
                                           refused_at__gte=period.start, refused_at__lt=period.end)
    return [
        Figure(group, _("Work requests submitted"), reqs.count(), url),
        Figure(group, _("Rejected (Art. 7, 8)"), reqs.filter(decision=Decision.REJECT).count(), url + "&decision=reject"),
        Figure(group, _("Purchases of services"), reqs.filter(decision=Decision.PURCHASE_SERVICE).count(),
               url + "&decision=purchase_service"),
        Figure(group, _("Short notice"), reqs.filter(short_notice=True).count(), url + "&short_notice=true"),
        Figure(group, _("Refusals by committees"), refused.count(), url),
    ]


def register_supervision() -> None:
    try:
        from supervision import sources
    except ImportError:  # supervision not installed: nothing to feed
        return
    sources.register_violation_source("admission", violations)
    sources.register_scorecard_metric("requests", requests_metric, label=gettext_lazy("Work requests sent to committees"), order=10)
    sources.register_scorecard_metric("rejected_requests", rejected_metric, label=gettext_lazy("Requests rejected (Art. 7, 8)"),
                                      order=11)
    sources.register_dashboard_figure("admission", figures)
