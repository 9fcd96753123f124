"""What the assessment app adds elsewhere: dashboard panels, the committee page section, and the supervision
registries (violations found by the registry, the per-agency inspection count, dashboard figures)."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import dashboard, sections


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


@dashboard.register
def planning_panel(user: Any) -> dashboard.Panel | None:
    from accounts.choices import ROLE_ACTIONS, Action
    from core.scoping import restrict

    from . import services
    from .choices import FindingStatus, PlanStatus
    from .models import AssessmentPlan

    owners = services.planning_organisations(user)
    approving = [
        m.organisation_id for m in user.cached_memberships()
        if Action.APPROVE in ROLE_ACTIONS[m.role] and m.organisation.kind in services.PLAN_OWNER_KINDS
        and m.organisation.region.level in services.PLAN_LEVELS
    ]
    if not owners and not approving:
        return None
    plans = restrict(AssessmentPlan.objects.all(), user)
    own = plans.filter(owner__in=[o.pk for o in owners] + approving)
    items = [(_("Assessment plans: my work"), reverse("assessment:plans"))]
    drafts_with_findings = own.filter(status=PlanStatus.DRAFT, findings__status=FindingStatus.OPEN).distinct().count()
    if drafts_with_findings:
        items.append((_("%(n)d draft plans with open Art. 7 findings") % {"n": drafts_with_findings},
                      reverse("assessment:plans") + "?status=draft"))
    awaiting = own.filter(status=PlanStatus.SUBMITTED, owner__in=approving).count()
    if awaiting:
        items.append((_("%(n)d plans awaiting your approval") % {"n": awaiting}, reverse("assessment:plans") + "?status=submitted"))
    for plan in own.filter(status=PlanStatus.PUBLISHED).order_by("-year", "id")[:5]:
        missing = services.committees_of(plan).count() - plan.results.count()
        if missing > 0:
            items.append((_("%(title)s: results for %(n)d committees still to record") % {"title": plan.title, "n": missing},
                          reverse("assessment:plan_results", args=[plan.pk])))
    return dashboard.Panel(title=_("Assessment (Art. 7)"), items=items, order=40,
                           note=_("Comprehensive evaluation in bands: no one-vote veto, no ranking, no paperwork in place of results."))


@dashboard.register
def committee_results_panel(user: Any) -> dashboard.Panel | None:
    from core.scoping import restrict

    from .models import AssessmentResult

    org = user.organisation
    if org is None or not org.is_committee:
        return None
    results = restrict(AssessmentResult.objects.filter(committee=org.region), user).select_related("plan").order_by("-plan__year", "plan_id")
    items = [(f"{r.plan.year} {r.plan.title}：{r.get_band_display()}", reverse("assessment:results")) for r in results[:5]]
    if not items:
        return None
    return dashboard.Panel(title=_("Your assessment results"), items=items, order=45,
                           note=_("Each result is a comprehensive evaluation with its reasons; committees are never ranked."))


@dashboard.register
def inspection_panel(user: Any) -> dashboard.Panel | None:
    from core.scoping import restrict

    from . import services
    from .models import InspectionVisit

    agencies = services.visiting_agencies(user)
    if not agencies:
        return None
    year = timezone.localdate().year
    visits = restrict(InspectionVisit.objects.filter(visited_on__year=year), user)
    total = visits.count()
    flagged = visits.filter(is_repeat=True).count() + visits.filter(is_unplanned=True).count()
    items = [(_("Record an inspection visit"), reverse("assessment:visit_new")),
             (_("Inspection registry: %(n)d visits in %(year)d") % {"n": total, "year": year}, reverse("assessment:visits"))]
    if flagged:
        items.append((_("%(n)d flags: repeat visits or visits outside any approved plan") % {"n": flagged},
                      reverse("assessment:visits") + "?flagged=any"))
    return dashboard.Panel(title=_("Inspections of committees (Art. 7)"), items=items, order=46)


@sections.register
def assessment_section(request: HttpRequest, region: Any) -> sections.Section | None:
    """Published plans covering the committee (public) and its results (the committee and the levels above only)."""
    from core.scoping import restrict

    from .choices import PlanStatus
    from .models import AssessmentPlan, AssessmentResult

    codes = [region.code[:n].ljust(12, "0") for n in (6, 9)]
    plans = list(AssessmentPlan.objects.filter(status=PlanStatus.PUBLISHED, region__code__in=codes)
                 .select_related("owner").order_by("-year", "title")[:10])
    results = list(restrict(AssessmentResult.objects.filter(committee=region), request.user)
                   .select_related("plan").order_by("-plan__year", "plan_id")[:10])
    if not plans and not results:
        return None
    return sections.Section(template="assessment/_committee_section.html",
                            context={"plans": plans, "results": results}, order=40)


# --- supervision ----------------------------------------------------------------------------------------------------

def violations(region: Any) -> list[Any]:
    """Flagged visits and submitted plans with open Art. 7 findings inside the region."""
    from supervision.sources import Violation

    from . import services
    from .choices import FindingStatus, PlanStatus
    from .models import AssessmentPlan, InspectionVisit

    found = []
    visits = InspectionVisit.objects.filter(services.subtree_q(region, "committee__code")).filter(
        is_repeat=True) | InspectionVisit.objects.filter(services.subtree_q(region, "committee__code")).filter(is_unplanned=True)
    for visit in visits.select_related("agency", "committee").order_by("-visited_on", "-id")[:500]:
        for flag in services.visit_flags(visit):
            found.append(Violation(
                source="assessment", ref=f"visit:{visit.pk}:{flag['flag']}", agency_id=visit.agency_id,
                region_code=visit.committee.code, article=flag["article"], clause=flag["clause"],
                summary=f"{visit.visited_on} {visit.agency.name} → {visit.committee.name}：{flag['title']}（{visit.purpose}）",
                occurred_at=timezone.make_aware(datetime.combine(visit.visited_on, datetime.min.time())),
                url=reverse("assessment:visits") + f"?committee={visit.committee.code}",
            ))
    plans = AssessmentPlan.objects.filter(services.subtree_q(region, "region__code"), status=PlanStatus.SUBMITTED,
                                          findings__status=FindingStatus.OPEN).distinct().select_related("owner", "region")
    for plan in plans[:200]:
        first = plan.findings.filter(status=FindingStatus.OPEN).first()
        found.append(Violation(
            source="assessment", ref=f"plan:{plan.pk}", agency_id=plan.owner_id, region_code=plan.region.code,
            article=first.article, clause=first.clause, summary=f"{plan.title}：{first.message}（{first.evidence}）",
            occurred_at=plan.submitted_at, url=reverse("assessment:plan", args=[plan.pk]),
        ))
    return found


def inspections_metric(agency: Any, period: Any) -> int:
    from .models import InspectionVisit

    return InspectionVisit.objects.filter(
        agency=agency, visited_on__gte=_local_date(period.start), visited_on__lt=_local_date(period.end),
    ).count()


def figures(region: Any, user: Any, period: Any) -> list[Any]:
    from supervision.sources import Figure

    from . import services
    from .choices import PlanStatus
    from .models import AssessmentPlan, InspectionVisit

    group = str(gettext_lazy("Assessment and inspections (Art. 7)"))
    low, high = _local_date(period.start), _local_date(period.end)
    visits = InspectionVisit.objects.filter(services.subtree_q(region, "committee__code"), visited_on__gte=low, visited_on__lt=high)
    url = reverse("assessment:visits") + f"?within={region.code}"
    plans = AssessmentPlan.objects.filter(services.subtree_q(region, "region__code"), status=PlanStatus.PUBLISHED,
                                          published_at__gte=period.start, published_at__lt=period.end)
    return [
        Figure(group, _("Assessment plans published"), plans.count(), reverse("assessment:plans") + f"?within={region.code}&status=published"),
        Figure(group, _("Inspection visits"), visits.count(), url),
        Figure(group, _("Repeat visits"), visits.filter(is_repeat=True).count(), url + "&flagged=repeat"),
        Figure(group, _("Visits outside any approved plan"), visits.filter(is_unplanned=True).count(), url + "&flagged=unplanned"),
    ]


def register_supervision() -> None:
    try:
        from supervision import sources
    except ImportError:  # supervision not installed: nothing to feed
        return
    sources.register_violation_source("assessment", violations)
    sources.register_scorecard_metric("inspections", inspections_metric, label=gettext_lazy("Inspection visits"), order=30)
    sources.register_dashboard_figure("assessment", figures)
