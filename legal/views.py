"""The legal registry, public: sources, their provisions, recorded changes and the items citing them.
The provincial civil-affairs department records law changes here (Art. 4(3))."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import httpcache

from .choices import Jurisdiction, SourceLevel, Status
from .models import LawChange, LegalSource, Provision
from .services import LegalError, add_provision, add_source, may_edit_registry, record_change


def registry_validators(request: HttpRequest, pk: int | None = None) -> httpcache.Validators:
    """The registry (one writer: the provincial department) by history stamps, and the citations counted beside it:
    the newest citation id (items' citations are replaced, never edited, so any change makes a new id). One query."""
    from worklists.models import Citation, ListVersion, WorkItem

    # Items and versions too: removing them (a draft discarded) takes citations away without a new citation id.
    return httpcache.validators_from(httpcache.compiled_scalars("legal:registry", lambda: {
        **httpcache.history_stamp(LegalSource, Provision, LawChange, WorkItem, ListVersion),
        "citation": httpcache.first(Citation.objects.order_by("-pk"), "pk"),
    }))


@httpcache.conditional(registry_validators, page="shared")
def index(request: HttpRequest) -> HttpResponse:
    sources = LegalSource.objects.annotate(cited=Count("citations")).order_by("level", "name", "-effective")
    return render(request, "legal/index.html", {
        "sources": sources, "changes": LawChange.objects.select_related("source", "provision")[:20],
        "may_edit": may_edit_registry(request.user), "levels": SourceLevel.choices, "jurisdictions": Jurisdiction.choices,
    })


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


@login_required
@require_POST
def new_source(request: HttpRequest) -> HttpResponse:
    if not may_edit_registry(request.user):
        raise PermissionDenied
    post = request.POST
    try:
        created = add_source(
            request.user, name=post.get("name", ""), level=post.get("level", ""), version_label=post.get("version_label", ""),
            jurisdiction=post.get("jurisdiction", ""), issued_by=post.get("issued_by", ""),
            document_number=post.get("document_number", ""), promulgated=_date(post.get("promulgated", "")),
            effective=_date(post.get("effective", "")), note=post.get("note", ""),
        )
    except ValueError:
        messages.error(request, _("Dates are written YYYY-MM-DD."))
    except LegalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Added to the registry."))
        return redirect("legal:source", pk=created.pk)
    return redirect("legal:index")


@login_required
@require_POST
def new_provision(request: HttpRequest, pk: int) -> HttpResponse:
    src = get_object_or_404(LegalSource, pk=pk)
    if not may_edit_registry(request.user):
        raise PermissionDenied
    try:
        add_provision(request.user, src, request.POST.get("label", ""), request.POST.get("text", ""))
        messages.success(request, _("Provision saved."))
    except LegalError as error:
        messages.error(request, str(error))
    return redirect("legal:source", pk=src.pk)


@httpcache.conditional(registry_validators, page="shared")
def source(request: HttpRequest, pk: int) -> HttpResponse:
    src = get_object_or_404(LegalSource, pk=pk)
    provisions = src.provisions.annotate(cited=Count("citations"))
    return render(request, "legal/source.html", {
        "source": src, "provisions": provisions, "changes": src.changes.select_related("provision"),
        "may_edit": may_edit_registry(request.user), "others": LegalSource.objects.filter(name=src.name).exclude(pk=src.pk),
        "statuses": [(Status.AMENDED, Status.AMENDED.label), (Status.REPEALED, Status.REPEALED.label)],
    })


@login_required
@require_POST
def change(request: HttpRequest, pk: int) -> HttpResponse:
    src = get_object_or_404(LegalSource, pk=pk)
    if not may_edit_registry(request.user):
        raise PermissionDenied
    provision = Provision.objects.filter(pk=request.POST.get("provision") or 0, source=src).first()
    replacement = LegalSource.objects.filter(pk=request.POST.get("replacement") or 0).first()
    try:
        effective = date.fromisoformat(request.POST["effective"]) if request.POST.get("effective") else None
        result = record_change(
            request.user, source=src, provision=provision, new_status=request.POST.get("new_status", ""),
            replacement=replacement, effective=effective, note=request.POST.get("note", "")[:2000],
        )
    except (LegalError, ValueError) as error:
        messages.error(request, str(error) if isinstance(error, LegalError) else _("Dates are written YYYY-MM-DD."))
    else:
        messages.success(request, _("Change recorded; %(n)d items flagged.") % {"n": result.flagged_items})
    return redirect("legal:source", pk=src.pk)
