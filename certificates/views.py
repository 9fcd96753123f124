"""Pages of the certificates app: public check, committee guide and verification; issuance, register, revocation.
Every decision is taken by certificates.services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.api import _flatten
from core.audit import record
from core.exports import table_response
from core.models import AuditAction
from core.scoping import get_scoped_object_or_404
from regions.models import Region

from . import services
from .filtersets import CertificateFilter
from .forms import CheckForm, IssueForm, RefusedDemandForm, RevokeForm
from .models import Certificate, CertificateStatus
from .rendering import mask_id_number, mask_phone


def _fail(request: HttpRequest, error: services.CertificateError) -> None:
    messages.error(request, str(error.detail))
    for name, errors in getattr(error, "fields", {}).items():
        for message in _flatten(errors):
            messages.error(request, f"{name}: {message}")


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _pdf_response(pdf: bytes, cert: Certificate) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{cert.serial}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- Public -------------------------------------------------------------------------------------------------------


def check_page(request: HttpRequest) -> HttpResponse:
    """Anyone: may a committee issue this certificate? (Art. 9). Nothing entered is stored."""
    form = CheckForm(request.POST or None, initial={"region": request.GET.get("region", "")})
    result = committee = None
    if request.method == "POST" and form.is_valid():
        try:
            committee = services.committee_by_code(form.cleaned_data["region"])
            result = services.check(committee, form.cleaned_data["text"])
        except services.CertificateError as error:
            form.add_error("region", str(error.detail))
    can_record = bool(committee and result and result.decision == "must_not_issue" and services.can_issue(request.user, committee))
    return render(request, "certificates/check.html", {
        "form": form, "result": result, "committee": committee, "can_record": can_record,
        "refuse_form": RefusedDemandForm(initial={"text": form.data.get("text", "")}) if can_record else None,
    })


def guide(request: HttpRequest, code: str) -> HttpResponse:
    """A committee's public guide: what it may certify and how, what it may not and where to go instead (printable)."""
    committee = Region.objects.filter(code=code, level=5).first()
    if committee is None:
        raise Http404
    eff = services.effective_catalog(committee)
    return render(request, "certificates/guide.html", {
        "committee": committee, "catalog": eff, "negative": services.negative_items(),
        "negative_version": services.negative_version(),
    })


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The page the QR code opens: valid / revoked / not found, personal data masked."""
    result = services.verify(token)
    response = render(request, "certificates/verify.html", {"result": result, "essentials": result.essentials()},
                      status=404 if result.status == services.NOT_FOUND else 200)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Committee officers -------------------------------------------------------------------------------------------


def _committee_for_issue(request: HttpRequest) -> Region:
    committees = services.issuing_committees(request.user)
    code = request.GET.get("committee") or request.POST.get("committee")
    for region in committees:
        if not code or region.code == code:
            return region
    raise Http404


@login_required
def issue(request: HttpRequest) -> HttpResponse:
    """Pick a type of the committee's effective catalog, fill the template's fields, get the PDF."""
    committee = _committee_for_issue(request)
    eff = services.effective_catalog(committee)
    types = eff.types if eff else []
    code = request.GET.get("type") or request.POST.get("type")
    ctype = next((t for t in types if t.code == code), None)
    form = IssueForm(request.POST or None, ctype=ctype) if ctype else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            issued = services.issue(
                request.user, committee, ctype.code, subject_name=form.cleaned_data["subject_name"],
                subject_id_number=form.cleaned_data["subject_id_number"], subject_phone=form.cleaned_data["subject_phone"],
                values=form.template_values(), base_url=base_url(request), request=request,
            )
        except services.CertificateError as error:
            _fail(request, error)
        else:
            messages.success(request, _("Certificate %(serial)s issued.") % {"serial": issued.certificate.serial})
            return redirect("certificates:detail", pk=issued.certificate.pk)
    return render(request, "certificates/issue.html", {
        "committee": committee, "catalog": eff, "types": types, "ctype": ctype, "form": form,
    })


EXPORT_COLUMNS = ["serial", "type_code", "title", "committee_code", "committee", "issued_on", "subject_name",
                  "subject_id_number", "status", "revoked_at", "revocation_reason", "prints"]


def _export(request: HttpRequest, qs: Any, fmt: str) -> HttpResponse:
    # Exports carry masked ID numbers: a register sheet is easily forwarded.
    rows = [[
        c.serial, c.type_code, c.title, c.committee.code, c.committee.name, c.issued_on.isoformat(), c.subject_name,
        mask_id_number(services.crypto.decrypt(c.subject_id_encrypted)), c.get_status_display(),
        c.revoked_at.isoformat() if c.revoked_at else "", c.revocation_reason, c.print_count,
    ] for c in qs[:10000]]
    record(AuditAction.EXPORT, user=request.user, request=request, what="certificates", rows=len(rows), format=fmt)
    return table_response("certificates", EXPORT_COLUMNS, rows, fmt)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Issued certificates within the user's scope (the committee itself, its street, county, city, province)."""
    filterset = CertificateFilter(request.GET, queryset=services.register_queryset(request.user))
    qs = filterset.qs
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(request, qs, fmt)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "certificates/register.html", {
        "page": page, "filterset": filterset, "query": query.urlencode(),
        "can_issue": bool(services.issuing_committees(request.user)),
    })


def _certificate(request: HttpRequest, pk: int) -> Certificate:
    return get_scoped_object_or_404(
        Certificate.objects.select_related("committee", "certificate_type", "issued_by", "revoked_by"),
        request.user, request=request, pk=pk,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    cert = _certificate(request, pk)
    own = services.can_issue(request.user, cert.committee)
    details = services.subject_details(cert)
    if own:
        id_number, phone = details["id_number"], details["phone"]
    else:  # supervisors see the register, not the person's full data
        id_number, phone = mask_id_number(details["id_number"]), mask_phone(details["phone"])
    return render(request, "certificates/detail.html", {
        "c": cert, "own": own, "id_number": id_number, "phone": phone,
        "rows": services.field_rows(cert, details["values"]),
        "verify_path": reverse("certificates:verify", args=[cert.token]),
        "revoke_form": RevokeForm(initial={"lock_version": cert.lock_version}),
        "revoked": cert.status == CertificateStatus.REVOKED,
    })


@login_required
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Print (or reprint) the certificate: same serial and token."""
    cert = _certificate(request, pk)
    try:
        content = services.reprint(request.user, cert, base_url=base_url(request), request=request)
    except services.CertificateError as error:
        _fail(request, error)
        return redirect("certificates:detail", pk=cert.pk)
    return _pdf_response(content, cert)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    cert = _certificate(request, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the revocation."))
        return redirect("certificates:detail", pk=cert.pk)
    try:
        services.revoke(request.user, cert, form.cleaned_data["reason"], lock_version=form.cleaned_data["lock_version"],
                        request=request)
    except services.CertificateError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Certificate %(serial)s revoked.") % {"serial": cert.serial})
    return redirect("certificates:detail", pk=cert.pk)


@login_required
@require_POST
def refuse(request: HttpRequest, code: str) -> HttpResponse:
    """A committee records a refused demand for a negative-list certificate (feeds supervision, Art. 10)."""
    committee = Region.objects.filter(code=code, level=5).first()
    if committee is None or not services.can_issue(request.user, committee):
        raise Http404
    form = RefusedDemandForm(request.POST)
    if form.is_valid():
        try:
            services.record_refused_demand(request.user, committee, text=form.cleaned_data["text"],
                                           agency_name=form.cleaned_data["agency_name"], request=request)
        except services.CertificateError as error:
            _fail(request, error)
        else:
            messages.success(request, _("The refused demand was recorded; the supervising civil-affairs bureau sees it."))
    return redirect(reverse("certificates:check") + f"?region={committee.code}")


def catalogs(request: HttpRequest) -> HttpResponse:
    """Published certificate catalogs (province, cities, counties) and the negative list: public."""
    from core.scoping import restrict

    from .models import CatalogVersion

    versions = restrict(CatalogVersion.objects.select_related("catalog__region", "based_on__catalog"), request.user)
    return render(request, "certificates/catalogs.html", {
        "versions": versions.order_by("catalog__region__code", "-number"), "negative_version": services.negative_version(),
    })


def catalog_version(request: HttpRequest, pk: int) -> HttpResponse:
    """One catalog version with its types, procedures, templates and local changes against the catalog above."""
    from .models import CatalogVersion

    version = get_scoped_object_or_404(CatalogVersion.objects.select_related("catalog__region", "based_on__catalog"),
                                       request.user, request=request, pk=pk)
    return render(request, "certificates/catalog_version.html", {"version": version, "types": version.types.all()})
