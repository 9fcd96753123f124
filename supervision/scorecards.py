"""Burden scorecards per agency and period (Art. 2: burden reduction is part of performance assessment).

Agencies may be compared with each other; committees are never ranked (Art. 7): no figure here is per committee.
Metrics come from the registry in sources.py: supervision computes complaints, cases and correction timeliness itself;
admission, reporting, assessment and certificates add theirs when they land (until then the column shows “—”).
"""

import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Action
from core.exports import safe_cell
from core.scoping import restrict
from regions.choices import Level, OrganisationKind
from regions.codes import subtree_bounds
from regions.models import Organisation, Region

from .choices import CaseStatus
from .models import Case, Complaint, CorrectionOrder, DisciplineReferral, Notice
from .sources import Metric, Period, declare_metric, register_scorecard_metric, scorecard_metrics

PERIOD_RE = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{2})))?$")


class BadPeriod(ValueError):
    pass


def parse_period(text: str) -> Period:
    """'2026' (year), '2026-Q3' (quarter) or '2026-07' (month) → bounds in local time."""
    m = PERIOD_RE.match((text or "").strip())
    if not m:
        raise BadPeriod(text)
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        raise BadPeriod(text)
    if m.group(2):
        q = int(m.group(2))
        start_month, months = 3 * (q - 1) + 1, 3
    elif m.group(3):
        start_month, months = int(m.group(3)), 1
        if not 1 <= start_month <= 12:
            raise BadPeriod(text)
    else:
        start_month, months = 1, 12
    end_month_index = start_month - 1 + months
    end_year, end_month = year + end_month_index // 12, end_month_index % 12 + 1
    tz = timezone.get_current_timezone()
    return Period(label=m.group(0), start=datetime(year, start_month, 1, tzinfo=tz), end=datetime(end_year, end_month, 1, tzinfo=tz))


def current_period() -> Period:
    return parse_period(str(timezone.localdate().year))


# --- Metrics supervision computes -----------------------------------------------------------------------------

def _in(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def complaints_metric(agency: Organisation, period: Period) -> int:
    return Complaint.objects.filter(_in(period, "created_at"), Q(agency=agency) | Q(case__agency=agency)).distinct().count()


def cases_metric(agency: Organisation, period: Period) -> int:
    return Case.objects.filter(_in(period, "created_at"), agency=agency).count()


def founded_metric(agency: Organisation, period: Period) -> int:
    return Case.objects.filter(_in(period, "created_at"), agency=agency).exclude(
        status__in=[CaseStatus.RECEIVED, CaseStatus.VERIFYING, CaseStatus.DISMISSED]
    ).count()


def orders_metric(agency: Organisation, period: Period) -> int:
    return CorrectionOrder.objects.filter(_in(period, "created_at"), case__agency=agency).count()


def on_time_metric(agency: Organisation, period: Period) -> int:
    return CorrectionOrder.objects.filter(
        _in(period, "created_at"), case__agency=agency, responded_at__isnull=False, response_late=False,
    ).count()


def late_metric(agency: Organisation, period: Period) -> int:
    """Corrections reported after the deadline, plus orders still unanswered past it."""
    today = timezone.localdate()
    return CorrectionOrder.objects.filter(_in(period, "created_at"), case__agency=agency).filter(
        Q(response_late=True) | Q(responded_at__isnull=True, deadline__lt=today)
    ).count()


def timeliness_metric(agency: Organisation, period: Period) -> int | None:
    """Share of correction orders answered by their deadline, in percent (None when there were none due)."""
    today = timezone.localdate()
    due = CorrectionOrder.objects.filter(_in(period, "created_at"), case__agency=agency).filter(
        Q(responded_at__isnull=False) | Q(deadline__lt=today)
    )
    total = due.count()
    if not total:
        return None
    return round(100 * due.filter(responded_at__isnull=False, response_late=False).count() / total)


def notices_metric(agency: Organisation, period: Period) -> int:
    return Notice.objects.filter(_in(period, "created_at"), case__agency=agency).count()


def referrals_metric(agency: Organisation, period: Period) -> int:
    return DisciplineReferral.objects.filter(_in(period, "created_at"), case__agency=agency).count()


def committees_metric(agency: Organisation, period: Period) -> int:
    """Foundation data: committees in the agency's area (context for the other figures, not a burden)."""
    region = agency.region
    low, high = subtree_bounds(region.code, region.level)
    return Region.objects.filter(code__gte=low, code__lte=high, level=Level.VILLAGE, is_active=True).count()


def register_builtin_metrics() -> None:
    # Columns other modules fill in (admission, reporting, assessment); “—” until they register.
    declare_metric("requests", gettext_lazy("Work requests sent to committees"), 10)
    declare_metric("rejected_requests", gettext_lazy("Requests rejected (Art. 7, 8)"), 11)
    declare_metric("channels", gettext_lazy("Reporting channels"), 20)
    declare_metric("filings", gettext_lazy("Filings per committee per year"), 21)
    declare_metric("fields", gettext_lazy("Fields to fill"), 22)
    declare_metric("hours", gettext_lazy("Estimated hours of committee work"), 23, unit="h")
    declare_metric("inspections", gettext_lazy("Inspection visits"), 30)
    declare_metric("refused_certificates", gettext_lazy("Certificate demands refused (Art. 9)"), 31)
    register_scorecard_metric("complaints", complaints_metric, label=gettext_lazy("Complaints"), order=40)
    register_scorecard_metric("cases", cases_metric, label=gettext_lazy("Cases"), order=41)
    register_scorecard_metric("founded_cases", founded_metric, label=gettext_lazy("Founded cases"), order=42)
    register_scorecard_metric("correction_orders", orders_metric, label=gettext_lazy("Correction orders"), order=43)
    register_scorecard_metric("corrections_on_time", on_time_metric, label=gettext_lazy("Corrected on time"), order=44)
    register_scorecard_metric("corrections_late", late_metric, label=gettext_lazy("Corrected late or not at all"), order=45)
    register_scorecard_metric("correction_timeliness", timeliness_metric, label=gettext_lazy("Correction timeliness"), order=46, unit="%")
    register_scorecard_metric("notices", notices_metric, label=gettext_lazy("Notices of criticism"), order=47)
    register_scorecard_metric("referrals", referrals_metric, label=gettext_lazy("Referrals for discipline"), order=48)
    register_scorecard_metric("committees", committees_metric, label=gettext_lazy("Committees in its area"), order=90)


# --- Scorecards -------------------------------------------------------------------------------------------------

@dataclass
class Scorecard:
    agency: Organisation
    period: Period
    values: list[tuple[Metric, int | None]]

    def value(self, name: str) -> int | None:
        return next((v for m, v in self.values if m.name == name), None)


def scorecard(agency: Organisation, period: Period) -> Scorecard:
    values = []
    for metric in scorecard_metrics():
        value = None
        if metric.func is not None:
            try:
                value = metric.func(agency, period)
            except Exception:  # noqa: BLE001 — one module's failing metric must not break the scorecard
                import logging

                logging.getLogger(__name__).exception("scorecard metric %s failed", metric.name)
                value = None
        values.append((metric, value))
    return Scorecard(agency=agency, period=period, values=values)


def agencies_in_scope(user: Any, region: Region | None = None) -> QuerySet[Organisation]:
    """Agencies a user may see scorecards of: restrict() on organisations, committees excluded (never ranked)."""
    qs = restrict(Organisation.objects.select_related("region"), user, Action.VIEW).exclude(kind=OrganisationKind.COMMITTEE)
    qs = qs.filter(is_active=True)
    if region is not None:
        low, high = subtree_bounds(region.code, region.level)
        qs = qs.filter(region__code__gte=low, region__code__lte=high, region__level__lte=Level.TOWNSHIP)
    return qs.order_by("region__code", "kind", "name")


def compare(agencies: list[Organisation], period: Period, sort: str = "") -> list[Scorecard]:
    """Scorecards of several agencies; sorted by a metric only when asked (agencies may be compared)."""
    cards = [scorecard(a, period) for a in agencies]
    names = {m.name for m in scorecard_metrics()}
    if sort.lstrip("-") in names:
        key = sort.lstrip("-")
        cards.sort(key=lambda c: (c.value(key) is None, c.value(key) or 0), reverse=sort.startswith("-"))
    return cards


def active_agencies(period: Period, agencies: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Agencies with any complaint or case in the period (the default comparison: not every office of a province)."""
    ids = set(Case.objects.filter(_in(period, "created_at"), agency__isnull=False).values_list("agency_id", flat=True))
    ids |= set(Complaint.objects.filter(_in(period, "created_at"), agency__isnull=False).values_list("agency_id", flat=True))
    return agencies.filter(pk__in=ids)


# --- Exports ----------------------------------------------------------------------------------------------------

def _display(metric: Metric, value: int | None) -> Any:
    if value is None:
        return "—"
    return f"{value}{metric.unit}" if metric.unit == "%" else value


def to_xlsx(cards: list[Scorecard], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Scorecards")[:31]
    ws.append([safe_cell(title)])
    ws["A1"].font = Font(bold=True)
    metrics = scorecard_metrics()
    ws.append([_("Agency"), _("Region"), _("Period"), *[str(m.label) for m in metrics]])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for card in cards:
        ws.append([
            safe_cell(card.agency.name), safe_cell(card.agency.region.full_name()), card.period.label,
            *[safe_cell(_display(m, v)) for m, v in card.values],
        ])
    ws.append([])
    ws.append([_("Art. 2: burden reduction is part of performance assessment. Committees are never ranked (Art. 7).")])
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 24
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(cards: list[Scorecard], title: str) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("supervision/scorecard_pdf.html", {
        "cards": cards, "title": title, "metrics": scorecard_metrics(), "generated": timezone.localtime(),
    })
    return HTML(string=html).write_pdf()
