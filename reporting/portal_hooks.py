"""What reporting adds elsewhere: dashboard panels (what each role does next), the committee page section (its
published reporting calendar) and the supervision registries (flagged channels, per-agency burden)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import dashboard, sections


@dashboard.register
def agency_panel(user: Any) -> dashboard.Panel | None:
    from . import services

    if not services.registering_orgs(user):
        return None
    items = [(_("Register a reporting channel"), reverse("reporting:channel_new")),
             (_("Reporting channels"), reverse("reporting:channels")),
             (_("Forms received from committees"), reverse("reporting:received"))]
    new = services.received(user).filter(pulled_at__isnull=True).count()
    if new:
        items.append((_("%(n)d forms from committees not yet received") % {"n": new},
                      reverse("reporting:received") + "?new=true"))
    return dashboard.Panel(title=_("Reporting by committees (Art. 6)"), items=items, order=32)


@dashboard.register
def county_panel(user: Any) -> dashboard.Panel | None:
    from accounts.choices import Action

    from . import services
    from .choices import ChannelStatus
    from .models import ReportingChannel

    counties = [c for c in services.review_counties(user)
                if services.orgs(user, Action.CHANGE, services.REVIEW_KINDS, c)]
    items = []
    for county in counties:
        pending = ReportingChannel.objects.filter(region=county, status=ChannelStatus.REGISTERED).count()
        text = _("%(n)d reporting channels awaiting your integration review") % {"n": pending} if pending else \
            _("Integration review of %(name)s") % {"name": county.name}
        items.append((text, reverse("reporting:review", args=[county.code])))
    queue = services.mapping_queue(user).count() if counties else 0
    if queue:
        items.append((_("%(n)d field names to map to data elements") % {"n": queue}, reverse("reporting:mapping")))
    decide = services.exceptions_to_decide(user).count()
    if decide:
        items.append((_("%(n)d exceptions to the reporting plan awaiting approval") % {"n": decide},
                      reverse("reporting:exceptions")))
    if not items:
        return None
    return dashboard.Panel(title=_("Integration of reporting (Art. 6)"), items=items, order=26)


@dashboard.register
def township_panel(user: Any) -> dashboard.Panel | None:
    from . import services
    from .choices import PlanStatus
    from .models import ReportingPlan

    orgs = services.plan_orgs(user)
    if not orgs:
        return None
    year = timezone.localdate().year
    plan = ReportingPlan.objects.filter(region=orgs[0].region, year=year).first()
    text = _("The reporting plan of %(year)d is published") % {"year": year} if plan and \
        plan.status == PlanStatus.PUBLISHED else _("Publish the annual reporting plan of %(year)d") % {"year": year}
    return dashboard.Panel(title=_("Annual reporting plan (Art. 6)"), items=[(text, reverse("reporting:plan_edit"))],
                           order=27)


@dashboard.register
def committee_panel(user: Any) -> dashboard.Panel | None:
    from . import services

    committees = services.committees_of(user)
    if not committees:
        return None
    rows = services.data_sheet(committees[0])
    missing = sum(1 for r in rows if r.value is None)
    items = [(_("Our data and reporting calendar"), reverse("reporting:fill"))]
    if missing:
        items.append((_("%(n)d figures to enter for this period") % {"n": missing}, reverse("reporting:fill")))
    return dashboard.Panel(title=_("Reporting (Art. 6)"), items=items, order=21)


@sections.register
def reporting_section(request: HttpRequest, region: Any) -> sections.Section | None:
    """A committee's public page shows the reporting plan it works by."""
    if getattr(region, "level", None) != 5:
        return None
    from . import services

    plan = services.committee_plan(region, timezone.localdate().year)
    return sections.Section(template="reporting/_committee_section.html", context={"plan": plan, "region": region},
                            order=70)


# --- supervision ----------------------------------------------------------------------------------------------------

def violations(region: Any) -> list[Any]:
    """Channels flagged in the region: rejected by the county, or asking committees for no list item."""
    from supervision.sources import Violation

    from . import services
    from .choices import ChannelStatus
    from .models import ReportingChannel

    found = []
    qs = ReportingChannel.objects.filter(services.subtree_q(region, "region__code")).select_related("owner", "region")
    for channel in qs.filter(status=ChannelStatus.REJECTED)[:500]:
        found.append(Violation(source="reporting", ref=f"rejected:{channel.pk}", agency_id=channel.owner_id,
                               region_code=channel.region.code, article=6, clause=1,
                               summary=f"{channel.owner.name}：{channel.name}", occurred_at=channel.reviewed_at,
                               url=reverse("reporting:channel", args=[channel.pk])))
    for channel in qs.filter(list_items=[]).exclude(status=ChannelStatus.REJECTED)[:500]:
        found.append(Violation(source="reporting", ref=f"unlisted:{channel.pk}", agency_id=channel.owner_id,
                               region_code=channel.region.code, article=6, clause=1,
                               summary=f"{channel.owner.name}：{channel.name}", occurred_at=channel.created_at,
                               url=reverse("reporting:channel", args=[channel.pk])))
    return found


def _agency_channels(agency: Any, period: Any) -> list[Any]:
    from .choices import ChannelStatus
    from .models import ReportingChannel

    return list(ReportingChannel.objects.filter(owner=agency, created_at__lt=period.end).exclude(
        status=ChannelStatus.REJECTED).prefetch_related("fields"))


def channels_metric(agency: Any, period: Any) -> int:
    return len(_agency_channels(agency, period))


def filings_metric(agency: Any, period: Any) -> int:
    from . import conf

    return sum(conf.filings_per_year(c.frequency) for c in _agency_channels(agency, period))


def fields_metric(agency: Any, period: Any) -> int:
    from . import conf

    return sum(len(c.fields.all()) * conf.filings_per_year(c.frequency) for c in _agency_channels(agency, period))


def hours_metric(agency: Any, period: Any) -> int:
    from . import conf

    return round(sum(c.minutes_per_filing * conf.filings_per_year(c.frequency) for c in _agency_channels(agency, period))
                 / 60)


def figures(region: Any, user: Any, period: Any) -> list[Any]:
    from supervision.sources import Figure

    from . import services
    from .choices import ChannelStatus
    from .models import ReportingChannel

    group = str(gettext_lazy("Reporting channels (Art. 6)"))
    qs = ReportingChannel.objects.filter(services.subtree_q(region, "region__code"))
    url = reverse("reporting:channels")
    return [
        Figure(group, _("Channels registered"), qs.count(), url),
        Figure(group, _("Awaiting county review"), qs.filter(status=ChannelStatus.REGISTERED).count(),
               url + "?status=registered"),
        Figure(group, _("For no list item"), qs.filter(list_items=[]).count(), url + "?unlisted=true"),
        Figure(group, _("Rejected"), qs.filter(status=ChannelStatus.REJECTED).count(), url + "?status=rejected"),
    ]


def register_supervision() -> None:
    try:
        from supervision import sources
    except ImportError:  # supervision not installed: nothing to feed
        return
    sources.register_violation_source("reporting", violations)
    sources.register_scorecard_metric("channels", channels_metric, label=gettext_lazy("Reporting channels"), order=20)
    sources.register_scorecard_metric("filings", filings_metric, label=gettext_lazy("Filings per committee per year"),
                                      order=21)
    sources.register_scorecard_metric("fields", fields_metric, label=gettext_lazy("Fields to fill"), order=22)
    sources.register_scorecard_metric("hours", hours_metric, label=gettext_lazy("Estimated hours of committee work"),
                                      order=23, unit="h")
    sources.register_dashboard_figure("reporting", figures)
