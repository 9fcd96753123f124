"""The only code that changes assessment plans, results and inspection visits; views and the API call these functions.

Rules enforced here (辽宁省基层群众性自治组织工作清单管理规定 第七条):
- a plan is drawn up by a township government or street office (or a county) for the committees of its area; every
  indicator is checked against Art. 7 by assessment.checker, and an indicator tied to no item of the committees'
  effective list is a blocking finding (only listed items may be assessed);
- weights add up to the total in assessment/data/registry.toml (100);
- a plan is approved and published only when no finding is open; a finding the checker misread may be dismissed by
  the approver with a written reason, which stays in the history and the audit log;
- results are bands with reasons per committee, never scores or positions;
- every inspection visit is recorded; repeats (same agency, same committee, within N days) and visits outside any
  approved plan are flagged with the article they concern.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError

from accounts.choices import ROLE_ACTIONS, Action
from core.api import ApiError
from core.audit import record
from core.models import AuditAction
from regions.choices import Level, OrganisationKind
from regions.codes import subtree_bounds
from regions.models import Organisation, Region

from . import checker
from .choices import APPROVED_STATUSES, Band, FindingStatus, PlanStatus, VisitKind
from .conf import registry
from .models import AssessmentPlan, AssessmentResult, Indicator, InspectionVisit, PlanFinding
from .visits import repeated_visit

PLAN_OWNER_KINDS = (
    OrganisationKind.TOWNSHIP_GOVERNMENT, OrganisationKind.STREET_OFFICE,
    OrganisationKind.GOVERNMENT, OrganisationKind.CIVIL_AFFAIRS,
)
PLAN_LEVELS = (Level.COUNTY, Level.TOWNSHIP)
# Findings that are facts of the plan, not readings of its wording: they cannot be dismissed.
UNDISMISSABLE_RULES = frozenset({checker.UNLISTED_RULE})
MAX_TEXT = 2000


# --- errors ---------------------------------------------------------------------------------------------------------

def _denied(message: str | None = None) -> ApiError:
    return ApiError("permission_denied", message or _("You do not have permission to do this."), status.HTTP_403_FORBIDDEN)


def _conflict(message: str) -> ApiError:
    return ApiError("conflict", message, status.HTTP_409_CONFLICT)


def _wrong_state(plan: AssessmentPlan) -> ApiError:
    return _conflict(_("This plan is %(status)s; the step is not possible now.") % {"status": plan.get_status_display()})


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# --- who may act ----------------------------------------------------------------------------------------------------

def _memberships(user: Any) -> list[Any]:
    return list(user.cached_memberships()) if getattr(user, "is_authenticated", False) else []


def planning_organisations(user: Any) -> list[Organisation]:
    """Organisations for which the user may draw up plans: townships, street offices, county governments and bureaus."""
    seen: dict[int, Organisation] = {}
    for m in _memberships(user):
        org = m.organisation
        if Action.CHANGE in ROLE_ACTIONS[m.role] and org.kind in PLAN_OWNER_KINDS and org.region.level in PLAN_LEVELS:
            seen.setdefault(org.pk, org)
    return list(seen.values())


def _acts_for(user: Any, org_id: int, actions: set[str]) -> bool:
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return True
    return any(m.organisation_id == org_id and actions & ROLE_ACTIONS[m.role] for m in _memberships(user))


def can_edit(user: Any, plan: AssessmentPlan) -> bool:
    return _acts_for(user, plan.owner_id, {Action.CHANGE})


def can_approve(user: Any, plan: AssessmentPlan) -> bool:
    return _acts_for(user, plan.owner_id, {Action.APPROVE})


def can_record_results(user: Any, plan: AssessmentPlan) -> bool:
    return plan.status == PlanStatus.PUBLISHED and _acts_for(user, plan.owner_id, {Action.CHANGE, Action.APPROVE})


def visiting_agencies(user: Any) -> list[Organisation]:
    """Organisations for which the user may record visits: any government body, never a committee."""
    seen: dict[int, Organisation] = {}
    for m in _memberships(user):
        if Action.CHANGE in ROLE_ACTIONS[m.role] and m.organisation.kind != OrganisationKind.COMMITTEE:
            seen.setdefault(m.organisation_id, m.organisation)
    return list(seen.values())


# --- what a plan covers -----------------------------------------------------------------------------------------------

def committees_of(plan_or_region: AssessmentPlan | Region) -> QuerySet:
    region = plan_or_region.region if isinstance(plan_or_region, AssessmentPlan) else plan_or_region
    return Region.objects.subtree(region).filter(level=Level.VILLAGE, is_active=True).order_by("code")


@dataclass
class ListedItems:
    version: Any  # worklists.ListVersion | None
    items: list[Any]  # WorkItem rows that apply to at least one committee of the area

    @property
    def codes(self) -> set[str]:
        return {i.code for i in self.items}


def listed_items(region: Region, on: date | None = None) -> ListedItems:
    """Items of the effective list of the committees in `region` (union over the committee kinds present)."""
    from worklists.services import effective_list

    effective = effective_list(region, on)
    if effective is None:
        return ListedItems(None, [])
    kinds = set(committees_of(region).values_list("committee_kind", flat=True).distinct())
    items = [i for i in effective.items if any(i.applies_to_kind(k) for k in kinds)] if kinds else list(effective.items)
    return ListedItems(effective.version, items)


def weight_total(plan: AssessmentPlan) -> Decimal:
    return sum((i.weight for i in plan.indicators.all()), Decimal(0))


def weight_problem(plan: AssessmentPlan) -> str:
    """Empty when the weights are right; otherwise what is wrong, in words."""
    expected = registry().weight_total
    if not plan.indicators.exists():
        return _("The plan has no indicators yet.")
    total = weight_total(plan)
    if total != expected:
        return _("The weights of the indicators add up to %(total)s; they must add up to %(expected)d.") % {
            "total": f"{total.normalize():f}", "expected": expected}
    return ""


# --- checking -------------------------------------------------------------------------------------------------------

def indicator_payload(indicator: Indicator) -> dict[str, Any]:
    """An indicator as the checker reads it: the method counts as a means of verification (查阅台账 is clause 3)."""
    evidence = indicator.evidence_lines()
    if indicator.method.strip():
        evidence.append(indicator.method.strip())
    return {"name": indicator.name, "description": indicator.description, "evidence": evidence}


def compute_findings(plan: AssessmentPlan, listed: ListedItems | None = None) -> list[tuple[Indicator | None, checker.Finding]]:
    """Art. 7 findings of the plan as it stands: wording (checker) and indicators tied to no listed item."""
    listed = listed or listed_items(plan.region)
    indicators = list(plan.indicators.prefetch_related("items").order_by("position", "id"))
    head = plan.title if not plan.method.strip() else f"{plan.title}\n{plan.method}"
    result = checker.check_plan(head, [indicator_payload(i) for i in indicators])
    found: list[tuple[Indicator | None, checker.Finding]] = [
        (indicators[f.indicator] if f.indicator is not None else None, f) for f in result.findings
    ]
    codes = listed.codes
    for index, indicator in enumerate(indicators):
        items = list(indicator.items.all())
        if not items or any(item.code not in codes for item in items):
            found.append((indicator, checker.unlisted_indicator_finding(index, indicator.name)))
    found.sort(key=lambda pair: (pair[0].position if pair[0] else -1, pair[0].pk if pair[0] else 0, pair[1].clause))
    return found


@transaction.atomic
def run_check(plan: AssessmentPlan) -> list[PlanFinding]:
    """Check the plan and store the findings; a finding dismissed before stays dismissed while it reads the same."""
    listed = listed_items(plan.region)
    found = compute_findings(plan, listed)
    dismissed = {
        (f.indicator_id, f.rule, f.evidence): f
        for f in plan.findings.filter(status=FindingStatus.DISMISSED)
    }
    keep: set[int] = set()
    for indicator, finding in found:
        key = (indicator.pk if indicator else None, finding.rule, finding.evidence[:255])
        if key in dismissed:
            keep.add(dismissed[key].pk)
    for stale in plan.findings.exclude(pk__in=keep):
        stale._change_reason = "re-check"
        stale.delete()
    for indicator, finding in found:
        key = (indicator.pk if indicator else None, finding.rule, finding.evidence[:255])
        if key in dismissed:
            continue
        PlanFinding.objects.create(
            plan=plan, indicator=indicator, article=finding.article, clause=finding.clause, rule=finding.rule,
            message=finding.message, evidence=finding.evidence[:255],
        )
    plan.list_version = listed.version
    plan.checked_at = timezone.now()
    plan.save(update_fields=["list_version", "checked_at", "updated_at"])
    return list(plan.findings.select_related("indicator"))


def open_findings(plan: AssessmentPlan) -> QuerySet:
    return plan.findings.filter(status=FindingStatus.OPEN)


# --- editing --------------------------------------------------------------------------------------------------------

def _locked(plan: AssessmentPlan) -> AssessmentPlan:
    return AssessmentPlan.objects.select_for_update().get(pk=plan.pk)


def _check_lock(plan: AssessmentPlan, lock: Any) -> None:
    if lock in (None, ""):
        return
    try:
        expected = int(lock)
    except (TypeError, ValueError):
        raise _invalid("lock_version", _("The edit counter is a whole number.")) from None
    if expected != plan.lock_version:
        raise _conflict(_("Someone else changed this plan in the meantime. Reload the page and make your change again."))


def _editable(user: Any, plan: AssessmentPlan, lock: Any) -> AssessmentPlan:
    plan = _locked(plan)
    if not can_edit(user, plan):
        raise _denied()
    if not plan.is_editable:
        raise _wrong_state(plan)
    _check_lock(plan, lock)
    return plan


def _bump(plan: AssessmentPlan, reason: str) -> None:
    plan.lock_version += 1
    plan._change_reason = reason
    plan.save()


def _clean_text(value: Any, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise _invalid(field, _("This field is required."))
    if len(text) > limit:
        raise _invalid(field, _("At most %(n)d characters.") % {"n": limit})
    return text


def _clean_year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise _invalid("year", _("Give the year as four digits.")) from None
    if not 2022 <= year <= 2100:
        raise _invalid("year", _("The regulation is in force from 2022; give a year from 2022 on."))
    return year


@transaction.atomic
def create_plan(user: Any, owner: Organisation, *, title: str, year: Any, method: str = "") -> AssessmentPlan:
    if owner not in planning_organisations(user) and not getattr(user, "is_superuser", False):
        raise _denied(_("Only a township government, a street office or a county may draw up assessment plans."))
    plan = AssessmentPlan(
        owner=owner, region=owner.region, year=_clean_year(year), title=_clean_text(title, "title", required=True, limit=200),
        method=_clean_text(method, "method"), created_by=user,
    )
    plan._change_reason = "create"
    plan.save()
    run_check(plan)
    record(AuditAction.CREATE, user=user, obj=plan, step="create_plan")
    return plan


@transaction.atomic
def update_plan(user: Any, plan: AssessmentPlan, *, title: str, year: Any, method: str = "", lock: Any = None) -> AssessmentPlan:
    plan = _editable(user, plan, lock)
    plan.title = _clean_text(title, "title", required=True, limit=200)
    plan.year = _clean_year(year)
    plan.method = _clean_text(method, "method")
    _bump(plan, "edit plan")
    run_check(plan)
    record(AuditAction.UPDATE, user=user, obj=plan, step="update_plan")
    return plan


def _clean_weight(value: Any) -> Decimal:
    try:
        weight = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        raise _invalid("weight", _("The weight is a number, such as 20 or 12.5.")) from None
    if not weight.is_finite() or weight <= 0 or weight > registry().weight_total:
        raise _invalid("weight", _("The weight is more than 0 and at most %(n)d.") % {"n": registry().weight_total})
    if weight != weight.quantize(Decimal("0.1")):
        raise _invalid("weight", _("Use at most one decimal place."))
    return weight


@transaction.atomic
def save_indicator(
    user: Any, plan: AssessmentPlan, data: dict[str, Any], item_ids: list[int] | None = None, *,
    indicator: Indicator | None = None, lock: Any = None,
) -> Indicator:
    """Add or change an indicator; the items must be on the committees' effective list (the picker offers only those)."""
    plan = _editable(user, plan, lock)
    if indicator is not None and indicator.plan_id != plan.pk:
        raise _denied()
    listed = listed_items(plan.region)
    by_id = {i.pk: i for i in listed.items}
    chosen = []
    for raw in item_ids or []:
        try:
            chosen.append(by_id[int(raw)])
        except (KeyError, TypeError, ValueError):
            raise _invalid("items", _("Choose items of the committees' effective work list.")) from None
    target = indicator or Indicator(plan=plan, position=(plan.indicators.count() + 1))
    target.name = _clean_text(data.get("name"), "name", required=True, limit=200)
    target.description = _clean_text(data.get("description"), "description")
    target.method = _clean_text(data.get("method"), "method")
    target.evidence = _clean_text(data.get("evidence"), "evidence")
    target.weight = _clean_weight(data.get("weight"))
    target._change_reason = "edit indicator" if indicator else "add indicator"
    target.save()
    target.items.set(chosen)
    _bump(plan, "edit indicator")
    run_check(plan)
    record(AuditAction.UPDATE, user=user, obj=plan, step="save_indicator", indicator=target.name)
    return target


@transaction.atomic
def remove_indicator(user: Any, indicator: Indicator, *, lock: Any = None) -> None:
    plan = _editable(user, indicator.plan, lock)
    name = indicator.name
    indicator._change_reason = "remove indicator"
    indicator.delete()
    _bump(plan, "remove indicator")
    run_check(plan)
    record(AuditAction.UPDATE, user=user, obj=plan, step="remove_indicator", indicator=name)


# --- lifecycle ------------------------------------------------------------------------------------------------------

def _blocking(plan: AssessmentPlan, *, any_open: bool) -> None:
    """Refuse the step while weights are wrong or findings are open (all of them, or those nobody may dismiss)."""
    problem = weight_problem(plan)
    if problem:
        raise _invalid("weights", problem)
    findings = open_findings(plan)
    if not any_open:
        findings = findings.filter(rule__in=UNDISMISSABLE_RULES)
    first = findings.first()
    if first is not None:
        raise ApiError(
            "open_findings",
            _("%(n)d findings under Art. 7 are open, first: %(message)s") % {"n": findings.count(), "message": first.message},
            status.HTTP_400_BAD_REQUEST,
        )


def submit(user: Any, plan: AssessmentPlan, *, lock: Any = None) -> AssessmentPlan:
    """Draft → submitted. Findings on wording may still be open: the approver dismisses misreadings or sends back."""
    # The check is stored even when the step is refused, so the page shows why.
    if can_edit(user, plan) and plan.is_editable:
        run_check(plan)
    with transaction.atomic():
        return _submit(user, plan, lock)


def _submit(user: Any, plan: AssessmentPlan, lock: Any) -> AssessmentPlan:
    plan = _editable(user, plan, lock)
    _blocking(plan, any_open=False)
    plan.status, plan.submitted_at = PlanStatus.SUBMITTED, timezone.now()
    _bump(plan, "submit")
    record(AuditAction.WORKFLOW, user=user, obj=plan, step="submit", open_findings=open_findings(plan).count())
    return plan


@transaction.atomic
def send_back(user: Any, plan: AssessmentPlan, comments: str) -> AssessmentPlan:
    plan = _locked(plan)
    if not can_approve(user, plan):
        raise _denied()
    if plan.status not in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
        raise _wrong_state(plan)
    plan.status, plan.comments = PlanStatus.DRAFT, _clean_text(comments, "comments", required=True)
    _bump(plan, "send back")
    record(AuditAction.WORKFLOW, user=user, obj=plan, step="send_back", comments=plan.comments)
    return plan


@transaction.atomic
def dismiss_finding(user: Any, finding: PlanFinding, reason: str) -> PlanFinding:
    """The approver judges that the checker misread the wording; the reason is kept and audited."""
    plan = _locked(finding.plan)
    if not can_approve(user, plan):
        raise _denied()
    if plan.status != PlanStatus.SUBMITTED:
        raise _wrong_state(plan)
    if finding.rule in UNDISMISSABLE_RULES:
        raise _conflict(_("This finding is a fact of the plan, not a reading of its wording: change the indicator instead."))
    finding.status = FindingStatus.DISMISSED
    finding.dismissed_by = user
    finding.dismissal_reason = _clean_text(reason, "reason", required=True)
    finding._change_reason = "dismiss"
    finding.save()
    _bump(plan, "dismiss finding")
    record(AuditAction.WORKFLOW, user=user, obj=plan, step="dismiss_finding", rule=finding.rule, clause=finding.clause,
           evidence=finding.evidence, reason=finding.dismissal_reason)
    return finding


def approve(user: Any, plan: AssessmentPlan, comments: str = "") -> AssessmentPlan:
    if can_approve(user, plan) and plan.status == PlanStatus.SUBMITTED:
        run_check(plan)
    with transaction.atomic():
        return _approve(user, plan, comments)


def _approve(user: Any, plan: AssessmentPlan, comments: str) -> AssessmentPlan:
    plan = _locked(plan)
    if not can_approve(user, plan):
        raise _denied()
    if plan.status != PlanStatus.SUBMITTED:
        raise _wrong_state(plan)
    _blocking(plan, any_open=True)
    plan.status, plan.approved_by, plan.approved_at = PlanStatus.APPROVED, user, timezone.now()
    plan.comments = _clean_text(comments, "comments")
    _bump(plan, "approve")
    record(AuditAction.WORKFLOW, user=user, obj=plan, step="approve")
    return plan


def publish(user: Any, plan: AssessmentPlan) -> AssessmentPlan:
    """Approved → published, only with no finding open (the list may have changed since approval: checked again)."""
    if _acts_for(user, plan.owner_id, {Action.CHANGE, Action.APPROVE}) and plan.status == PlanStatus.APPROVED:
        run_check(plan)
    with transaction.atomic():
        return _publish(user, plan)


def _publish(user: Any, plan: AssessmentPlan) -> AssessmentPlan:
    plan = _locked(plan)
    if not _acts_for(user, plan.owner_id, {Action.CHANGE, Action.APPROVE}):
        raise _denied()
    if plan.status != PlanStatus.APPROVED:
        raise _wrong_state(plan)
    _blocking(plan, any_open=True)
    plan.status, plan.published_at = PlanStatus.PUBLISHED, timezone.now()
    _bump(plan, "publish")
    record(AuditAction.WORKFLOW, user=user, obj=plan, step="publish")
    return plan


# --- results --------------------------------------------------------------------------------------------------------

@transaction.atomic
def record_result(
    user: Any, plan: AssessmentPlan, committee: Region, band: str, reasons: str, *, lock: Any = None,
) -> AssessmentResult:
    """A band with its reasons for one committee of a published plan. No score is taken, so none can be ranked."""
    plan = _locked(plan)
    if not _acts_for(user, plan.owner_id, {Action.CHANGE, Action.APPROVE}):
        raise _denied()
    if plan.status != PlanStatus.PUBLISHED:
        raise _conflict(_("Results are recorded only under a published plan."))
    if not committees_of(plan).filter(pk=committee.pk).exists():
        raise _invalid("committee", _("This committee is not in the area of the plan."))
    if band not in Band.values:
        raise _invalid("band", _("Choose one of the evaluations."))
    reasons = _clean_text(reasons, "reasons", required=True)
    result = AssessmentResult.objects.select_for_update().filter(plan=plan, committee=committee).first()
    if result is None:
        result = AssessmentResult(plan=plan, committee=committee)
    else:
        if lock not in (None, "") and str(lock) != str(result.lock_version):
            raise _conflict(_("Someone else changed this result in the meantime. Reload the page and make your change again."))
        result.lock_version += 1
    result.band, result.reasons, result.recorded_by = band, reasons, user
    result._change_reason = "record result"
    result.save()
    record(AuditAction.WORKFLOW, user=user, obj=result, step="record_result", band=band)
    return result


def results_of_plan(plan: AssessmentPlan) -> dict[int, AssessmentResult]:
    return {r.committee_id: r for r in plan.results.all()}


# --- inspection registry --------------------------------------------------------------------------------------------

def repeat_window_days() -> int:
    """N of the repeat rule: the setting ASSESSMENT_REPEAT_VISIT_DAYS when given, else the data file."""
    return int(getattr(settings, "ASSESSMENT_REPEAT_VISIT_DAYS", 0) or registry().repeat_window_days)


def eligible_plans(committee: Region, on: date) -> QuerySet:
    """Approved or published plans whose area holds the committee, for the year of the visit."""
    codes = [committee.code[:n].ljust(12, "0") for n in (6, 9)]
    return AssessmentPlan.objects.filter(
        status__in=APPROVED_STATUSES, year=on.year, region__code__in=codes,
    ).select_related("owner").order_by("region__code", "title")


def agency_for(user: Any, committee: Region, agency_id: Any = None) -> Organisation:
    """The organisation the user records for: one of theirs (not a committee) whose area holds the committee."""
    candidates = [
        org for org in visiting_agencies(user)
        if committee.is_within(org.region) and (agency_id in (None, "") or str(org.pk) == str(agency_id))
    ]
    if not candidates:
        raise _denied(_("You may record visits only for your own agency, to committees in its area."))
    return candidates[0]


def find_repeat(agency: Organisation, committee: Region, on: date, exclude: int | None = None) -> InspectionVisit | None:
    days = repeat_window_days()
    window = timedelta(days=days)
    visits = InspectionVisit.objects.filter(
        agency=agency, committee=committee, visited_on__gte=on - window, visited_on__lte=on + window,
    )
    if exclude:
        visits = visits.exclude(pk=exclude)
    found = repeated_visit(visits.values_list("pk", "visited_on"), on, days)
    return InspectionVisit.objects.get(pk=found) if found is not None else None


@transaction.atomic
def record_visit(
    user: Any, *, committee: Region, visited_on: date, kind: str, purpose: str, plan: AssessmentPlan | None = None,
    visitors: str = "", agency_id: Any = None,
) -> InspectionVisit:
    if committee.level != Level.VILLAGE:
        raise _invalid("committee", _("Choose a village or residents' committee."))
    agency = agency_for(user, committee, agency_id)
    if visited_on > timezone.localdate():
        raise _invalid("visited_on", _("Record visits that have taken place; the date is in the future."))
    if kind not in VisitKind.values:
        raise _invalid("kind", _("Choose the kind of visit."))
    if plan is not None and not eligible_plans(committee, visited_on).filter(pk=plan.pk).exists():
        raise _invalid("plan", _("This plan is not approved for this committee in the year of the visit."))
    repeat = find_repeat(agency, committee, visited_on)
    visit = InspectionVisit(
        agency=agency, committee=committee, visited_on=visited_on, kind=kind,
        purpose=_clean_text(purpose, "purpose", required=True, limit=500), plan=plan,
        visitors=_clean_text(visitors, "visitors", limit=200), recorded_by=user,
        repeat_of=repeat, is_repeat=repeat is not None, is_unplanned=plan is None,
    )
    visit._change_reason = "record visit"
    visit.save()
    record(AuditAction.CREATE, user=user, obj=visit, step="record_visit", repeat=visit.is_repeat, unplanned=visit.is_unplanned)
    return visit


def visit_flags(visit: InspectionVisit) -> list[dict[str, Any]]:
    """The flags of a visit with the article and clause they concern, for pages, API and exports."""
    reg = registry()
    flags = []
    if visit.is_repeat:
        rule = reg.flags["repeat_visit"]
        flags.append({"flag": "repeat", "article": rule.article, "clause": rule.clause, "title": rule.title,
                      "citation": rule.citation, "explanation": rule.explanation})
    if visit.is_unplanned:
        rule = reg.flags["unplanned_research" if visit.kind == VisitKind.RESEARCH else "unplanned_visit"]
        flags.append({"flag": "unplanned", "article": rule.article, "clause": rule.clause, "title": rule.title,
                      "citation": rule.citation, "explanation": rule.explanation})
    return flags


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def visit_totals(visits: QuerySet, year: int) -> dict[str, list[dict[str, Any]]]:
    """Yearly totals per committee (by code) and per agency (by name), with the flagged visits of each.

    Totals count the burden agencies put on committees; committees are listed by code, never by count.
    """
    low, high = year_bounds(year)
    visits = visits.filter(visited_on__gte=low, visited_on__lte=high)
    per_committee = (
        visits.values("committee__code", "committee__name")
        .annotate(total=Count("pk"), repeat=Count("pk", filter=Q(is_repeat=True)),
                  unplanned=Count("pk", filter=Q(is_unplanned=True)))
        .order_by("committee__code")
    )
    per_agency = (
        visits.values("agency_id", "agency__name", "agency__region__code")
        .annotate(total=Count("pk"), repeat=Count("pk", filter=Q(is_repeat=True)),
                  unplanned=Count("pk", filter=Q(is_unplanned=True)))
        .order_by("agency__name", "agency__region__code")
    )
    return {
        "committees": [
            {"code": r["committee__code"], "name": r["committee__name"], "total": r["total"], "repeat": r["repeat"],
             "unplanned": r["unplanned"]} for r in per_committee
        ],
        "agencies": [
            {"id": r["agency_id"], "name": r["agency__name"], "region": r["agency__region__code"], "total": r["total"],
             "repeat": r["repeat"], "unplanned": r["unplanned"]} for r in per_agency
        ],
    }


def subtree_q(region: Region, field: str) -> Q:
    low, high = subtree_bounds(region.code, region.level)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def counts_by_kind(visits: QuerySet) -> dict[str, int]:
    return dict(Counter(visits.values_list("kind", flat=True)))
