"""Pages of the certificates app: public check, committee guide and verification; issuance, register, revocation.
Every decision is taken by certificates.services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.api import _flatten
from core.audit import record
from core.exports import table_response
from core.models import AuditAction
from core.scoping import get_scoped_object_or_404, restrict
from regions.models import Region

from . import services
from .filtersets import CertificateFilter
from .forms import (
    CatalogTypeForm,
    CheckForm,
    DeriveCatalogForm,
    IssueForm,
    PublishCatalogForm,
    RefusedDemandForm,
    RemoveTypeForm,
    RevokeForm,
)
from .models import Catalog, CatalogVersion, Certificate, CertificateStatus
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
    versions = restrict(CatalogVersion.objects.select_related("catalog__region", "based_on__catalog"), request.user)
    return render(request, "certificates/catalogs.html", {
        "versions": versions.order_by("catalog__region__code", "-number"), "negative_version": services.negative_version(),
    })


def catalog_version(request: HttpRequest, pk: int) -> HttpResponse:
    """One catalog version with its types, procedures, templates and local changes against the catalog above."""
    version = get_scoped_object_or_404(CatalogVersion.objects.select_related("catalog__region", "based_on__catalog"),
                                       request.user, request=request, pk=pk)
    return render(request, "certificates/catalog_version.html", {
        "version": version, "types": version.types.all(),
        "diff": services.diff_with_upper(version) if version.based_on_id else None,
        "can_manage": services.can_manage_catalog(request.user, version.catalog.region),
    })


# --- Catalog editing: a city or county civil-affairs department derives, edits and publishes (Art. 9(2)) -----------


def _catalog_for_edit(request: HttpRequest, pk: int) -> CatalogVersion:
    """A version in the user's scope (else 404) that the user's department may edit (else 403)."""
    version = get_scoped_object_or_404(
        CatalogVersion.objects.select_related("catalog__region", "based_on__catalog__region"),
        request.user, request=request, pk=pk,
    )
    if not services.can_manage_catalog(request.user, version.catalog.region):
        raise PermissionDenied
    return version


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """Catalogs in the user's scope, and for each city or county the user's department runs: derive or continue."""
    regions = services.manageable_regions(request.user)
    if not regions:
        raise PermissionDenied
    own = []
    for region in regions:
        catalog = Catalog.objects.filter(region=region).first()
        own.append({
            "region": region, "catalog": catalog, "draft": services.open_draft(region),
            "published": catalog.versions.filter(status="published").first() if catalog else None,
            "upper": services.upper_catalog_version(region),
            "form": DeriveCatalogForm(initial={"title": catalog.title if catalog else _default_title(region)}),
        })
    versions = restrict(CatalogVersion.objects.select_related("catalog__region", "based_on__catalog"), request.user)
    return render(request, "certificates/manage.html", {
        "own": own, "versions": versions.order_by("catalog__region__code", "-number")[:300],
        "own_regions": {r.pk for r in regions},
    })


def _default_title(region: Region) -> str:
    return f"{services.committee_display_name(region)}基层群众性自治组织出具证明事项指导目录"


@login_required
@require_POST
def derive(request: HttpRequest, code: str) -> HttpResponse:
    region = Region.objects.filter(code=code).first()
    if region is None or not restrict(Region.objects.filter(pk=region.pk), request.user).exists():
        raise Http404
    form = DeriveCatalogForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the title of the catalog."))
        return redirect("certificates:manage")
    try:
        version = services.derive_catalog(request.user, region, title=form.cleaned_data["title"])
    except services.CertificateError as error:
        if error.status_code == 403:
            raise PermissionDenied from None
        _fail(request, error)
        return redirect("certificates:manage")
    messages.success(request, _("Draft version %(n)d derived from the catalog above.") % {"n": version.number})
    return redirect("certificates:catalog_edit", pk=version.pk)


def _edit_page(request: HttpRequest, version: CatalogVersion, *, publish_form: PublishCatalogForm | None = None,
               status: int = 200) -> HttpResponse:
    lock = version.lock_version
    return render(request, "certificates/catalog_edit.html", {
        "version": version, "types": version.types.all(), "diff": services.diff_with_upper(version),
        "history": services.catalog_history(version), "lock": lock,
        "is_draft": version.status == "draft",
        "publish_form": publish_form or PublishCatalogForm(initial={"lock": lock, "effective_from": timezone.localdate(),
                                                                    "approval_document": version.approval_document}),
        "versions": version.catalog.versions.select_related("based_on__catalog").order_by("-number"),
    }, status=status)


@login_required
def catalog_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft: its types with edit and remove, the types left out, the diff against the catalog above, history."""
    return _edit_page(request, _catalog_for_edit(request, pk))


@login_required
def catalog_type(request: HttpRequest, pk: int, code: str | None = None) -> HttpResponse:
    """Add a local type (code None) or change a type of the draft. A stale page gets 409 with the input kept."""
    version = _catalog_for_edit(request, pk)
    if version.status != "draft":
        messages.error(request, _("Only a draft can be changed; derive a new version to change a published catalog."))
        return redirect("certificates:catalog_edit", pk=version.pk)
    ctype = version.types.filter(code=code).first() if code else None
    if code and ctype is None:
        raise Http404
    adding = ctype is None
    if request.method == "POST":
        form = CatalogTypeForm(request.POST, adding=adding,
                               initial=CatalogTypeForm.initial_for(ctype, version.lock_version) if ctype else None)
        if form.is_valid():
            try:
                if adding:
                    saved = services.add_type(request.user, version, form.type_data(), lock=form.cleaned_data["lock"],
                                              request=request)
                else:
                    saved = services.change_type(request.user, version, ctype.code, form.type_data(),
                                                 lock=form.cleaned_data["lock"], request=request)
            except services.CertificateError as error:
                if error.status_code == 403:
                    raise PermissionDenied from None
                messages.error(request, str(error.detail))
                current = CatalogVersion.objects.get(pk=version.pk)
                stale = error.status_code == 409 and current.status == "draft"
                if stale:  # keep everything typed; the next save applies it over the other change, knowingly
                    data = request.POST.copy()
                    data["lock"] = str(current.lock_version)
                    form = CatalogTypeForm(data, adding=adding, initial=form.initial)
                    form.is_valid()
                for name, problems in error.fields.items():
                    target = "template_fields" if name == "fields" else name
                    form.add_error(target if target in form.fields else None, [str(p) for p in _flatten(problems)])
                status = error.status_code if error.status_code in (404, 409) else 400
                return render(request, "certificates/catalog_type.html", {
                    "form": form, "version": version, "ctype": ctype, "upper": _upper(version, code), "stale": stale,
                    "now": current.types.filter(code=code).first() if stale and code else None,
                }, status=status)
            messages.success(request, _("Certificate type %(code)s saved.") % {"code": saved.code})
            return redirect(reverse("certificates:catalog_edit", args=[version.pk]) + f"#type-{saved.code}")
        return render(request, "certificates/catalog_type.html", {
            "form": form, "version": version, "ctype": ctype, "upper": _upper(version, code),
        }, status=400)
    else:
        initial = CatalogTypeForm.initial_for(ctype, version.lock_version) if ctype else {
            "lock": version.lock_version, "time_limit_days": 0, "applies_to": "both",
        }
        form = CatalogTypeForm(initial=initial, adding=adding)
    return render(request, "certificates/catalog_type.html", {
        "form": form, "version": version, "ctype": ctype, "upper": _upper(version, code),
    })


def _upper(version: CatalogVersion, code: str | None) -> Any:
    return version.based_on.types.filter(code=code).first() if code and version.based_on_id else None


def _edit_action(request: HttpRequest, version: CatalogVersion, action: Any, success: str) -> HttpResponse:
    try:
        action()
    except services.CertificateError as error:
        if error.status_code == 403:
            raise PermissionDenied from None
        _fail(request, error)
        return _edit_page(request, CatalogVersion.objects.select_related("catalog__region", "based_on__catalog__region")
                          .get(pk=version.pk), status=error.status_code)
    messages.success(request, success)
    return redirect("certificates:catalog_edit", pk=version.pk)


@login_required
@require_POST
def catalog_type_remove(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    version = _catalog_for_edit(request, pk)
    form = RemoveTypeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page is out of date; reload it."))
        return redirect("certificates:catalog_edit", pk=version.pk)
    return _edit_action(request, version, lambda: services.remove_type(
        request.user, version, code, form.cleaned_data["reason"], lock=form.cleaned_data["lock"], request=request,
    ), _("Certificate type %(code)s left out.") % {"code": code})


@login_required
@require_POST
def catalog_type_restore(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    version = _catalog_for_edit(request, pk)
    lock = request.POST.get("lock", "")
    return _edit_action(request, version, lambda: services.restore_type(
        request.user, version, code, lock=int(lock) if lock.isdigit() else None, request=request,
    ), _("Certificate type %(code)s taken back from the catalog above.") % {"code": code})


@login_required
@require_POST
def catalog_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the draft with the same-level government's approval document; it is in force from the date given."""
    version = _catalog_for_edit(request, pk)
    form = PublishCatalogForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the approval document and the date the catalog comes into force."))
        return _edit_page(request, version, publish_form=form, status=400)
    try:
        services.publish_catalog(version, user=request.user, effective_from=form.cleaned_data["effective_from"],
                                 approval_document=form.cleaned_data["approval_document"],
                                 lock_version=form.cleaned_data["lock"])
    except services.CertificateError as error:
        if error.status_code == 403:
            raise PermissionDenied from None
        _fail(request, error)
        return _edit_page(request, CatalogVersion.objects.select_related("catalog__region", "based_on__catalog__region")
                          .get(pk=version.pk), publish_form=form, status=error.status_code)
    messages.success(request, _("The catalog is published; committees issue from it from %(date)s.")
                     % {"date": form.cleaned_data["effective_from"].isoformat()})
    return redirect("certificates:catalog_version", pk=version.pk)
