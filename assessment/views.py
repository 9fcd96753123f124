"""Pages of the assessment app: plans and their Art. 7 findings, results in bands, the inspection registry and the
public checker. Every decision is taken by assessment.services; these views only show and forward."""

import contextlib
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from accounts.choices import Action
from core.api import _flatten
from core.audit import record
from core.exports import table_response
from core.models import AuditAction
from core.scoping import get_scoped_object_or_404, restrict
from regions.models import Region

from . import checker, services
from .choices import PlanStatus
from .conf import citation, registry
from .filtersets import PlanFilterSet, ResultFilterSet, VisitFilterSet
from .forms import CheckForm, CommentForm, DismissForm, IndicatorForm, PlanForm, ResultForm, VisitForm
from .models import AssessmentPlan, AssessmentResult, Indicator, InspectionVisit, PlanFinding


def _fail(request: HttpRequest, error: APIException) -> None:
    detail = error.detail
    if isinstance(detail, dict):
        for messages_ in detail.values():
            for message in _flatten(messages_):
                messages.error(request, message)
    else:
        messages.error(request, str(detail))


def _status(error: APIException) -> int:
    return error.status_code if error.status_code in (400, 403, 409) else 400


def _plan(request: HttpRequest, pk: int, action: str = Action.VIEW) -> AssessmentPlan:
    return get_scoped_object_or_404(
        AssessmentPlan.objects.select_related("owner", "region", "list_version"), request.user, action, request=request, pk=pk,
    )


# --- plans ----------------------------------------------------------------------------------------------------------

@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = restrict(AssessmentPlan.objects.select_related("owner", "region"), request.user)
    filterset = PlanFilterSet(request.GET, queryset=plans)
    page = Paginator(filterset.qs.order_by("-year", "region__code", "title", "id"), 50).get_page(request.GET.get("page"))
    owners = services.planning_organisations(request.user)
    form = PlanForm(owners=owners, initial={"year": timezone.localdate().year}) if owners else None
    return render(request, "assessment/plan_list.html", {"page": page, "filterset": filterset, "form": form})


@login_required
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    owners = services.planning_organisations(request.user)
    form = PlanForm(request.POST, owners=owners)
    if not owners:
        raise Http404
    if form.is_valid():
        owner = next(o for o in owners if o.pk == form.cleaned_data["owner"])
        try:
            plan = services.create_plan(request.user, owner, title=form.cleaned_data["title"], year=form.cleaned_data["year"],
                                        method=form.cleaned_data["method"])
        except APIException as error:
            _fail(request, error)
        else:
            messages.success(request, _("Plan created. Add its indicators."))
            return redirect("assessment:plan", pk=plan.pk)
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("assessment:plans")


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    indicators = list(plan.indicators.prefetch_related("items").order_by("position", "id"))
    findings = list(plan.findings.select_related("indicator", "dismissed_by"))
    can_edit = services.can_edit(request.user, plan)
    can_approve = services.can_approve(request.user, plan)
    listed = services.listed_items(plan.region) if plan.is_editable and can_edit else None
    return render(request, "assessment/plan_detail.html", {
        "plan": plan, "indicators": indicators, "findings": findings,
        "open_findings": [f for f in findings if f.status == "open"],
        "weights_total": services.weight_total(plan), "weights_expected": registry().weight_total,
        "weight_problem": services.weight_problem(plan) if indicators else "",
        "can_edit": can_edit and plan.is_editable, "can_approve": can_approve,
        "can_publish": plan.status == PlanStatus.APPROVED and (can_edit or can_approve),
        "can_record": services.can_record_results(request.user, plan),
        "plan_form": PlanForm(initial={"title": plan.title, "year": plan.year, "method": plan.method,
                                       "lock_version": plan.lock_version}),
        "comment_form": CommentForm(initial={"lock_version": plan.lock_version}),
        "dismiss_form": DismissForm(), "listed": listed,
        "undismissable": services.UNDISMISSABLE_RULES,
        "committee_count": services.committees_of(plan).count(),
        "result_count": plan.results.count(),
    })


@login_required
@require_POST
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            services.update_plan(request.user, plan, title=form.cleaned_data["title"], year=form.cleaned_data["year"],
                                 method=form.cleaned_data["method"], lock=form.cleaned_data["lock_version"])
            messages.success(request, _("Plan saved and checked again."))
        except APIException as error:
            _fail(request, error)
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("assessment:plan", pk=plan.pk)


@login_required
def indicator_form(request: HttpRequest, pk: int, indicator_pk: int | None = None) -> HttpResponse:
    plan = _plan(request, pk)
    indicator = Indicator.objects.filter(pk=indicator_pk, plan=plan).first() if indicator_pk else None
    if indicator_pk and indicator is None:
        raise Http404
    if not (services.can_edit(request.user, plan) and plan.is_editable):
        messages.error(request, _("This plan cannot be changed now."))
        return redirect("assessment:plan", pk=plan.pk)
    listed = services.listed_items(plan.region)
    status = 200
    if request.method == "POST":
        form = IndicatorForm(request.POST, items=listed.items)
        if form.is_valid():
            try:
                services.save_indicator(request.user, plan, form.cleaned_data, form.cleaned_data["items"],
                                        indicator=indicator, lock=form.cleaned_data["lock_version"])
            except APIException as error:
                _fail(request, error)
                status = _status(error)
            else:
                messages.success(request, _("Indicator saved and checked against Art. 7."))
                return redirect("assessment:plan", pk=plan.pk)
        else:
            status = 400
    else:
        initial: dict[str, Any] = {"lock_version": plan.lock_version}
        if indicator is not None:
            initial |= {"name": indicator.name, "description": indicator.description, "weight": indicator.weight,
                        "method": indicator.method, "evidence": indicator.evidence,
                        "items": [i.pk for i in indicator.items.all()]}
        form = IndicatorForm(initial=initial, items=listed.items)
    return render(request, "assessment/indicator_form.html", {
        "form": form, "plan": plan, "indicator": indicator, "listed": listed,
        "findings": indicator.findings.all() if indicator else [],
    }, status=status)


@login_required
@require_POST
def indicator_delete(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    indicator = Indicator.objects.filter(pk=indicator_pk, plan=plan).first()
    if indicator is None:
        raise Http404
    try:
        services.remove_indicator(request.user, indicator, lock=request.POST.get("lock_version"))
        messages.success(request, _("Indicator removed."))
    except APIException as error:
        _fail(request, error)
    return redirect("assessment:plan", pk=plan.pk)


STEPS = {"submit", "send_back", "approve", "publish", "check"}


@login_required
@require_POST
def plan_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    plan = _plan(request, pk)
    form = CommentForm(request.POST)
    form.is_valid()
    comments = form.cleaned_data.get("comments", "")
    lock = form.cleaned_data.get("lock_version")
    try:
        if step == "submit":
            services.submit(request.user, plan, lock=lock)
            messages.success(request, _("Plan submitted for approval."))
        elif step == "send_back":
            services.send_back(request.user, plan, comments)
            messages.success(request, _("Plan sent back to the drafter."))
        elif step == "approve":
            services.approve(request.user, plan, comments)
            messages.success(request, _("Plan approved."))
        elif step == "publish":
            services.publish(request.user, plan)
            messages.success(request, _("Plan published. Results can now be recorded."))
        elif step == "check":
            if not services.can_edit(request.user, plan) and not services.can_approve(request.user, plan):
                raise Http404
            services.run_check(plan)
            messages.success(request, _("Plan checked against Art. 7."))
    except APIException as error:
        _fail(request, error)
    return redirect("assessment:plan", pk=plan.pk)


@login_required
@require_POST
def finding_dismiss(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    finding = PlanFinding.objects.filter(pk=finding_pk, plan=plan).first()
    if finding is None:
        raise Http404
    form = DismissForm(request.POST)
    try:
        services.dismiss_finding(request.user, finding, form.data.get("reason", ""))
        messages.success(request, _("Finding dismissed; the reason is kept in the history."))
    except APIException as error:
        _fail(request, error)
    return redirect("assessment:plan", pk=plan.pk)


# --- results --------------------------------------------------------------------------------------------------------

@login_required
def plan_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Every committee of the plan's area by code, with its band: a list to fill in, never a ranking."""
    plan = _plan(request, pk)
    if request.method == "POST":
        form = ResultForm(request.POST)
        if form.is_valid():
            committee = services.committees_of(plan).filter(code=form.cleaned_data["committee"]).first()
            if committee is None:
                messages.error(request, _("This committee is not in the area of the plan."))
            else:
                try:
                    services.record_result(request.user, plan, committee, form.cleaned_data["band"],
                                           form.cleaned_data["reasons"], lock=form.cleaned_data["lock_version"])
                    messages.success(request, _("Result recorded for %(name)s.") % {"name": committee.name})
                except APIException as error:
                    _fail(request, error)
        else:
            for errors in form.errors.values():
                for e in errors:
                    messages.error(request, e)
        return redirect(request.path + (f"?page={request.GET['page']}" if request.GET.get("page") else ""))
    committees = services.committees_of(plan)
    visible = restrict(AssessmentResult.objects.filter(plan=plan), request.user)
    results = {r.committee_id: r for r in visible}
    page = Paginator(committees, 50).get_page(request.GET.get("page"))
    rows = [(c, results.get(c.pk)) for c in page]
    return render(request, "assessment/plan_results.html", {
        "plan": plan, "page": page, "rows": rows, "can_record": services.can_record_results(request.user, plan),
        "bands": registry().bands, "band_choices": ResultForm.base_fields["band"].choices,
    })


@login_required
def result_list(request: HttpRequest) -> HttpResponse:
    """Results the user may see (a committee: its own), by committee code."""
    results = restrict(AssessmentResult.objects.select_related("plan__owner", "committee"), request.user)
    filterset = ResultFilterSet(request.GET, queryset=results)
    qs = filterset.qs.order_by("committee__code", "-plan__year", "plan_id")
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export_results(request, qs, fmt)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "assessment/result_list.html", {"page": page, "filterset": filterset, "bands": registry().bands})


def _export_results(request: HttpRequest, results: Any, fmt: str) -> HttpResponse:
    header = [_("Year"), _("Plan"), _("Drawn up by"), _("Committee code"), _("Committee"), _("Evaluation"), _("Reasons"),
              _("Recorded")]
    rows = [
        [r.plan.year, r.plan.title, r.plan.owner.name, r.committee.code, r.committee.name, r.get_band_display(), r.reasons,
         timezone.localtime(r.updated_at).strftime("%Y-%m-%d %H:%M")]
        for r in results[:20000]
    ]
    record(AuditAction.EXPORT, user=request.user, request=request, what="assessment results", rows=len(rows), format=fmt)
    return _export("assessment-results", header, rows, fmt)


def _export(name: str, header: list[str], rows: list[list[Any]], fmt: str) -> HttpResponse:
    return table_response(name, header, rows, fmt)


# --- inspection registry --------------------------------------------------------------------------------------------

def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    visits = restrict(InspectionVisit.objects.select_related("agency", "committee", "plan"), request.user)
    filterset = VisitFilterSet(request.GET, queryset=visits)
    qs = filterset.qs.order_by("-visited_on", "-id")
    year = _year(request)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export_visits(request, qs, fmt)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for visit in page:
        visit.flag_list = services.visit_flags(visit)
    totals = services.visit_totals(VisitFilterSet({"within": request.GET.get("within", "")}, queryset=visits).qs, year)
    return render(request, "assessment/visit_list.html", {
        "page": page, "filterset": filterset, "year": year, "totals": totals,
        "can_record": bool(services.visiting_agencies(request.user)),
        "window": services.repeat_window_days(),
    })


def _export_visits(request: HttpRequest, visits: Any, fmt: str) -> HttpResponse:
    header = [_("Date of visit"), _("Agency"), _("Committee code"), _("Committee"), _("Kind"), pgettext("inspection visit", "Purpose"), _("Who visited"),
              _("Under plan"), _("Flags")]
    rows = []
    for v in visits[:20000]:
        flags = "；".join(f"{f['title']}（{f['citation']}）" for f in services.visit_flags(v))
        rows.append([v.visited_on.isoformat(), v.agency.name, v.committee.code, v.committee.name, v.get_kind_display(),
                     v.purpose, v.visitors, v.plan.title if v.plan_id else "", flags])
    record(AuditAction.EXPORT, user=request.user, request=request, what="inspection visits", rows=len(rows), format=fmt)
    return _export("inspection-visits", header, rows, fmt)


@login_required
def visit_totals_export(request: HttpRequest) -> HttpResponse:
    visits = restrict(InspectionVisit.objects.all(), request.user)
    visits = VisitFilterSet({"within": request.GET.get("within", "")}, queryset=visits).qs
    year = _year(request)
    totals = services.visit_totals(visits, year)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    by = request.GET.get("by", "committee")
    if by == "agency":
        header = [_("Year"), _("Agency"), _("Visits"), _("Repeat visits"), _("Outside any approved plan")]
        rows = [[year, r["name"], r["total"], r["repeat"], r["unplanned"]] for r in totals["agencies"]]
    else:
        header = [_("Year"), _("Committee code"), _("Committee"), _("Visits"), _("Repeat visits"), _("Outside any approved plan")]
        rows = [[year, r["code"], r["name"], r["total"], r["repeat"], r["unplanned"]] for r in totals["committees"]]
    record(AuditAction.EXPORT, user=request.user, request=request, what=f"inspection totals by {by}", rows=len(rows), format=fmt)
    return _export(f"inspection-totals-{by}-{year}", header, rows, fmt)


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    agencies = services.visiting_agencies(request.user)
    if not agencies:
        messages.error(request, _("Only government bodies record inspection visits."))
        return redirect("assessment:visits")
    code = (request.POST.get("committee") or request.GET.get("committee") or "").strip()
    committee = Region.objects.filter(code=code, level=5).first() if code else None
    day = timezone.localdate()
    if request.method == "POST" and request.POST.get("visited_on"):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(request.POST["visited_on"])
    plans = list(services.eligible_plans(committee, day)) if committee else list(
        restrict(AssessmentPlan.objects.filter(status__in=("approved", "published"), year=day.year).select_related("owner"),
                 request.user).order_by("region__code", "title")[:100])
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, plans=plans, agencies=agencies)
        if form.is_valid():
            if committee is None:
                messages.error(request, _("No committee has this code."))
                status = 400
            else:
                plan = next((p for p in plans if p.pk == form.cleaned_data["plan"]), None) if form.cleaned_data["plan"] else None
                try:
                    visit = services.record_visit(
                        request.user, committee=committee, visited_on=form.cleaned_data["visited_on"],
                        kind=form.cleaned_data["kind"], purpose=form.cleaned_data["purpose"], plan=plan,
                        visitors=form.cleaned_data["visitors"], agency_id=form.cleaned_data["agency"],
                    )
                except APIException as error:
                    _fail(request, error)
                    status = _status(error)
                else:
                    if visit.is_flagged:
                        for flag in services.visit_flags(visit):
                            messages.warning(request, f"{flag['title']}（{flag['citation']}）：{flag['explanation']}")
                    messages.success(request, _("Visit recorded."))
                    return redirect("assessment:visits")
        else:
            status = 400
    else:
        form = VisitForm(initial={"committee": code, "agency": agencies[0].pk}, plans=plans, agencies=agencies)
    return render(request, "assessment/visit_form.html", {"form": form, "committee": committee, "plans": plans,
                                                           "window": services.repeat_window_days()}, status=status)


# --- the public checker ---------------------------------------------------------------------------------------------

def check_page(request: HttpRequest) -> HttpResponse:
    """Anyone may check a plan's wording against Art. 7, indicator by indicator (same checker as the API)."""
    raw_rows = request.GET.get("rows") or request.POST.get("rows") or "5"
    rows = min(max(int(raw_rows) if raw_rows.isdigit() else 5, 1), 30)
    result = None
    checked: list[dict[str, Any]] = []
    if request.method == "POST":
        form = CheckForm(request.POST, rows=rows)
        if form.is_valid():
            checked = form.indicators()
            result = checker.check_plan(form.cleaned_data["title"], checked)
            shown = [{**f.as_dict(), "citation": citation(f.article, f.clause)} for f in result.findings]
            for index, indicator in enumerate(checked):
                indicator["findings"] = [f for f in shown if f["indicator"] == index]
    else:
        form = CheckForm(rows=rows)
    return render(request, "assessment/check.html", {
        "form": form, "result": result, "checked": checked, "rows": rows,
        "title_findings": [{**f.as_dict(), "citation": citation(f.article, f.clause)}
                           for f in result.findings if f.indicator is None] if result else [],
        "rules": [{**r, "citation": citation(r["article"], r["clause"])} for r in checker.rule_catalogue()],
    })
