"""Pages of supervision. Thin: every change goes through services, every query through the scope."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Action
from core.audit import record
from core.models import AuditAction
from core.scoping import get_scoped_object_or_404, restrict
from regions.choices import OrganisationKind
from regions.codes import InvalidCode, normalise, subtree_bounds
from regions.models import Organisation, Region
from regions.services import resolve_code

from . import forms, insights, rules, scorecards, services
from .choices import CaseStatus, EventKind
from .models import Attachment, Case, Notice


def _user_region(user: Any) -> Region | None:
    org = user.organisation if user.is_authenticated else None
    return org.region if org else None


def _form_errors(form: Any, invalid: services.InvalidInput) -> None:
    for name, msgs in invalid.fields.items():
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


# --- Complaint channel (public) -----------------------------------------------------------------------------------

class _PublicForm:
    """The public forms share the API's per-client rate (throttle scope "public_check")."""

    throttle_scope = "public_check"


def _throttled(request: HttpRequest) -> HttpResponse | None:
    from rest_framework.throttling import ScopedRateThrottle

    if request.method != "POST" or ScopedRateThrottle().allow_request(request, _PublicForm()):
        return None
    response = render(request, "supervision/throttled.html", status=429)
    return response


def complaint_new(request: HttpRequest) -> HttpResponse:
    if (refused := _throttled(request)) is not None:
        return refused
    user = request.user
    committee = user.organisation if user.is_authenticated and user.organisation and user.organisation.is_committee else None
    region_code = request.POST.get("region") or request.GET.get("region") or (committee.region.code if committee else "")
    region = None
    try:
        region = resolve_code(normalise(region_code)) if region_code else None
    except InvalidCode:
        region = None
    agencies = services.agencies_over(region).order_by("region__level", "kind", "name") if region else Organisation.objects.none()
    if request.method == "POST":
        form = forms.ComplaintForm(request.POST, request.FILES, agencies=agencies)
        if form.is_valid():
            data = form.cleaned_data
            try:
                filed = services.file_complaint(
                    category=data["category"], region=data["region"], text=data["text"],
                    agency=data["agency"].pk if data["agency"] else None, agency_name=data["agency_name"],
                    anonymous=data["anonymous"], reporter_name=data["reporter_name"],
                    reporter_contact=data["reporter_contact"], files=data["attachments"], user=user, request=request,
                )
            except services.InvalidInput as invalid:
                _form_errors(form, invalid)
            else:
                # The code is shown once, on this page, and never put in a URL.
                return render(request, "supervision/complaint_filed.html", {"filed": filed, "status": services.public_status(filed.complaint)})
    else:
        form = forms.ComplaintForm(initial={"region": region_code, "anonymous": committee is None}, agencies=agencies)
    return render(request, "supervision/complaint_new.html", {
        "form": form, "region": region, "committee": committee, "categories": rules.categories().values(),
    })


def track(request: HttpRequest) -> HttpResponse:
    if (refused := _throttled(request)) is not None:
        return refused
    form = forms.TrackForm(request.POST or None)
    status = None
    if request.method == "POST" and form.is_valid():
        complaint = services.find_complaint(form.cleaned_data["code"])
        if complaint is None:
            form.add_error("code", _("No complaint has this tracking code."))
            return render(request, "supervision/track.html", {"form": form}, status=404)
        status = services.public_status(complaint)
    return render(request, "supervision/track.html", {"form": form, "status": status})


@login_required
def my_complaints(request: HttpRequest) -> HttpResponse:
    rows = [(c, services.public_status(c)) for c in services.complaints_of(request.user).select_related("bureau")[:200]]
    return render(request, "supervision/my_complaints.html", {"rows": rows})


# --- Cases --------------------------------------------------------------------------------------------------------

@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    qs = services.visible_cases(request.user).select_related("agency", "bureau", "region")
    params = request.GET
    region = None
    if code := params.get("region"):
        try:
            region = resolve_code(normalise(code))
        except InvalidCode:
            region = None
        if region is not None:
            low, high = subtree_bounds(region.code, region.level)
            qs = qs.filter(region__code__gte=low, region__code__lte=high)
    if (status := params.get("status")) in CaseStatus.values:
        qs = qs.filter(status=status)
    if (category := params.get("category")) in rules.categories():
        qs = qs.filter(category=category)
    if params.get("source") in ("system", "complaint"):
        qs = qs.filter(source=params["source"])
    if params.get("agency", "").isdigit():
        qs = qs.filter(agency_id=int(params["agency"]))
    if params.get("overdue") == "1":
        qs = qs.filter(orders__responded_at__isnull=True, orders__deadline__lt=timezone.localdate()).distinct()
    if period_text := params.get("period"):
        try:
            period = scorecards.parse_period(period_text)
            qs = qs.filter(created_at__gte=period.start, created_at__lt=period.end)
        except scorecards.BadPeriod:
            pass
    if month := params.get("month"):
        try:
            period = scorecards.parse_period(month)
            qs = qs.filter(created_at__gte=period.start, created_at__lt=period.end)
        except scorecards.BadPeriod:
            pass
    page = Paginator(qs.order_by("-created_at", "-id"), 50).get_page(params.get("page"))
    names = {c.code: c.name for c in rules.categories().values()}
    for case in page.object_list:
        case.category_name = names.get(case.category, case.category)
    return render(request, "supervision/case_list.html", {
        "page": page, "statuses": CaseStatus.choices, "categories": rules.categories().values(), "region": region,
        "filters": {k: v for k, v in params.items() if k != "page"},
    })


def _case_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    role = services.role_for(user, case)
    order = services.current_order(case)
    earliest, default, latest = services.deadline_bounds()
    ctx: dict[str, Any] = {
        "case": case, "role": role, "order": order, "orders": case.orders.all(), "notices": case.notices.all(),
        "referrals": case.referrals.all(), "category": rules.category(case.category),
    }
    if role == "handler":
        ctx["identity"] = services.reporter_identity(user, case)
        ctx["complaint"] = case.complaint
        ctx["attachments"] = case.complaint.attachments.all() if case.complaint_id else []
        ctx["events"] = case.events.all()
        agencies = services.agencies_over(case.region).order_by("region__level", "kind", "name")
        ctx["decide_form"] = forms.DecideForm(agencies=agencies, initial={"agency": case.agency_id})
        ctx["order_form"] = forms.OrderForm(initial={"deadline": default})
        ctx["deadline_min"], ctx["deadline_max"] = earliest, latest
        ctx["verify_form"] = forms.VerifyForm()
        ctx["notice_form"] = forms.NoticeForm()
        ctx["referral_form"] = forms.ReferralForm()
        ctx["can_approve"] = services._member_of(user, case.bureau_id, Action.APPROVE)
    elif role == "agency":
        # The agency also reads the deadline reminders addressed to it; never the internal notes.
        ctx["events"] = case.events.filter(Q(public=True) | Q(kind=EventKind.REMINDED))
    else:
        ctx["events"] = case.events.filter(public=True)
    if role == "agency":
        ctx["respond_form"] = forms.RespondForm()
    return ctx


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = services.get_case(request.user, number, request)
    return render(request, "supervision/case_detail.html", _case_context(request, case))


STEPS = {
    "assign": None,
    "decide": forms.DecideForm,
    "order": forms.OrderForm,
    "respond": forms.RespondForm,
    "verify": forms.VerifyForm,
    "notice": forms.NoticeForm,
    "refer": forms.ReferralForm,
}


@login_required
@require_POST
def case_step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    case = services.get_case(request.user, number, request)
    form_class = STEPS[step]
    kwargs: dict[str, Any] = {}
    if form_class is forms.DecideForm:
        kwargs["agencies"] = services.agencies_over(case.region)
    form = form_class(request.POST, **kwargs) if form_class else None
    if form is not None and not form.is_valid():
        ctx = _case_context(request, case)
        ctx[f"{step}_form" if step not in ("order", "verify") else f"{step}_form"] = form
        messages.error(request, _("Please correct the errors below."))
        return render(request, "supervision/case_detail.html", ctx, status=400)
    data = form.cleaned_data if form else {}
    user = request.user
    try:
        if step == "assign":
            services.assign(case, user, request=request)
        elif step == "decide":
            services.decide(case, user, founded=data["founded"], facts=data["facts"], reason=data["reason"],
                            agency=data["agency"], request=request)
        elif step == "order":
            services.order_correction(case, user, requirement=data["requirement"], deadline=data["deadline"], request=request)
        elif step == "respond":
            services.respond(case, user, text=data["response"], request=request)
        elif step == "verify":
            services.verify_correction(case, user, ok=data["ok"], note=data["note"], request=request)
        elif step == "notice":
            services.issue_notice(case, user, title=data["title"], body=data["body"], request=request)
        elif step == "refer":
            services.refer_for_discipline(case, user, referred_to=data["referred_to"], persons=data["persons"],
                                          reason=data["reason"], request=request)
    except services.InvalidInput as invalid:
        ctx = _case_context(request, case)
        if form is not None:
            _form_errors(form, invalid)
            ctx[f"{step}_form"] = form
        else:
            messages.error(request, " ".join(m for msgs in invalid.fields.values() for m in msgs))
        return render(request, "supervision/case_detail.html", ctx, status=400)
    except services.StepNotAllowed as refused:
        messages.error(request, str(refused))
        return redirect("supervision:case", number=case.number)
    except PermissionDenied:
        raise
    messages.success(request, _("Saved."))
    return redirect("supervision:case", number=case.number)


@login_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """Attachments go to the handling bureau only (they may reveal the reporter)."""
    item = get_scoped_object_or_404(Attachment.objects.select_related("complaint__case"), request.user, Action.VIEW, request, pk=pk)
    case = getattr(item.complaint, "case", None)
    if case is None or services.role_for(request.user, case) != "handler":
        raise Http404
    record(AuditAction.EXPORT, user=request.user, obj=case, request=request, attachment=item.pk)
    response = FileResponse(default_storage.open(item.stored_name, "rb"), as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    qs = Notice.objects.filter(case__in=services.visible_cases(request.user)).select_related("case__agency")
    qs = restrict(qs, request.user, Action.VIEW)
    return render(request, "supervision/notices.html", {"page": Paginator(qs, 50).get_page(request.GET.get("page"))})


# --- Violations found by the system ------------------------------------------------------------------------------

@login_required
def violations(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        case = services.open_case_from_violation(request.user, request.POST.get("source", ""), request.POST.get("ref", ""), request=request)
        messages.success(request, _("Case %(n)s opened.") % {"n": case.number})
        return redirect("supervision:case", number=case.number)
    return render(request, "supervision/violations.html", {"rows": services.violations_for(request.user)})


# --- Dashboard and scorecards ------------------------------------------------------------------------------------

def _region_param(request: HttpRequest) -> Region:
    code = request.GET.get("region", "")
    region = None
    if code:
        try:
            region = resolve_code(normalise(code))
        except InvalidCode:
            region = None
        if region is None:
            raise Http404
    region = region or _user_region(request.user)
    if region is None or not restrict(Region.objects.filter(pk=region.pk), request.user, Action.VIEW).exists():
        raise Http404
    return region


def _period_param(request: HttpRequest) -> scorecards.Period:
    try:
        return scorecards.parse_period(request.GET.get("period", "")) if request.GET.get("period") else scorecards.current_period()
    except scorecards.BadPeriod:
        raise Http404 from None


def _supervisor_or_403(user: Any) -> None:
    if not (user.is_superuser or any(m.organisation.kind in services.SUPERVISING_KINDS for m in user.cached_memberships())):
        raise PermissionDenied


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _supervisor_or_403(request.user)
    region, period = _region_param(request), _period_param(request)
    ctx = insights.dashboard(request.user, region, period)
    ctx.update({"region": region, "period": period, "ancestors": region.ancestors()})
    return render(request, "supervision/dashboard.html", ctx)


@login_required
def scorecard_list(request: HttpRequest) -> HttpResponse:
    _supervisor_or_403(request.user)
    region, period = _region_param(request), _period_param(request)
    agencies = scorecards.agencies_in_scope(request.user, region)
    show_all = request.GET.get("all") == "1"
    chosen = agencies if show_all else scorecards.active_agencies(period, agencies)
    chosen = list(chosen[:200])
    sort = request.GET.get("sort", "")
    cards = scorecards.compare(chosen, period, sort)
    title = _("Burden scorecards of agencies — %(region)s, %(period)s") % {"region": region.full_name(), "period": period.label}
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        record(AuditAction.EXPORT, user=request.user, request=request, region_code=region.code, what="scorecards", format=fmt)
        if fmt == "xlsx":
            body = scorecards.to_xlsx(cards, title)
            ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body = scorecards.to_pdf(cards, title)
            ctype = "application/pdf"
        response = HttpResponse(body, content_type=ctype)
        response["Content-Disposition"] = f'attachment; filename="scorecards-{region.code}-{period.label}.{fmt}"'
        return response
    query = {k: v for k, v in request.GET.items() if k not in ("format", "sort")}
    return render(request, "supervision/scorecards.html", {
        "cards": cards, "metrics": scorecards.scorecard_metrics(), "region": region, "period": period, "title": title,
        "show_all": show_all, "query": urlencode(query), "sort": sort,
    })


@login_required
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_scoped_object_or_404(Organisation.objects.select_related("region"), request.user, Action.VIEW, request, pk=pk)
    if agency.kind == OrganisationKind.COMMITTEE:
        raise Http404  # committees are never scored (Art. 7)
    is_self = any(m.organisation_id == agency.pk for m in request.user.cached_memberships())
    if not is_self:
        _supervisor_or_403(request.user)
    period = _period_param(request)
    card = scorecards.scorecard(agency, period)
    fmt = request.GET.get("format")
    title = _("Burden scorecard — %(agency)s, %(period)s") % {"agency": agency.name, "period": period.label}
    if fmt in ("xlsx", "pdf"):
        record(AuditAction.EXPORT, user=request.user, obj=agency, request=request, what="scorecard", format=fmt)
        body = scorecards.to_xlsx([card], title) if fmt == "xlsx" else scorecards.to_pdf([card], title)
        ctype = "application/pdf" if fmt == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(body, content_type=ctype)
        response["Content-Disposition"] = f'attachment; filename="scorecard-{agency.pk}-{period.label}.{fmt}"'
        return response
    cases = services.visible_cases(request.user).filter(Q(agency=agency), created_at__gte=period.start, created_at__lt=period.end)
    return render(request, "supervision/scorecard_detail.html", {
        "card": card, "agency": agency, "period": period, "title": title, "cases": cases.order_by("-id")[:100],
    })
