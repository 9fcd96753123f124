"""Work pages for civil-affairs departments and governments: drafting, the lifecycle, filings, law-change flags and
notifications. Every decision is taken by worklists.services; these views only show and forward."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Action
from core.api import ApiError
from core.scoping import get_scoped_object_or_404, restrict
from regions.models import Region

from . import io as imports
from . import services
from .choices import OPEN_STATUSES, FlagStatus
from .forms import ApproveForm, CommentForm, ImportForm, ItemForm
from .models import Filing, ItemFlag, ListVersion, WorkItem, WorkList


def _fail(request: HttpRequest, error: ApiError) -> None:
    messages.error(request, str(error.detail))
    report = getattr(error, "report", None)
    if report is not None:
        for finding in report.errors[:20]:
            messages.error(request, f"{finding.item} {finding.message}" + (f"（{finding.evidence}）" if finding.evidence else ""))


def _version(request: HttpRequest, pk: int) -> ListVersion:
    return get_scoped_object_or_404(
        ListVersion.objects.select_related("worklist__region", "upper__worklist__region", "previous"),
        request.user, Action.VIEW, request=request, pk=pk,
    )


@login_required
def work(request: HttpRequest) -> HttpResponse:
    user = request.user
    # Published lists of other regions are visible (public_q); their drafts are not, so only visible versions are listed.
    visible_versions = Prefetch("versions", queryset=restrict(ListVersion.objects.all(), user))
    worklists = restrict(WorkList.objects.select_related("region"), user).prefetch_related(visible_versions).order_by("region__code")
    own = {m.organisation.region.pk: m.organisation.region for m in user.cached_memberships()}
    startable = [r for r in own.values() if services.can_edit(user, r) and r.level <= 3]
    open_versions = restrict(ListVersion.objects.filter(status__in=OPEN_STATUSES).select_related("worklist__region"), user)
    return render(request, "worklists/work.html", {
        "worklists": worklists[:200], "startable": startable, "open_versions": open_versions,
        "filings": services.filings_to_review(user).order_by("-filed_at")[:50],
        "notifications": services.notifications_for(user)[:30],
        "flags": restrict(ItemFlag.objects.filter(status=FlagStatus.OPEN), user).count(),
    })


@login_required
@require_POST
def create_draft(request: HttpRequest, code: str) -> HttpResponse:
    region = Region.objects.filter(code=code).first()
    if region is None:
        return redirect("worklists:work")
    try:
        version = services.create_draft(
            request.user, region, source=request.POST.get("source", "previous"), change_note=request.POST.get("change_note", ""),
        )
    except ApiError as error:
        _fail(request, error)
        return redirect("worklists:work")
    messages.success(request, _("Draft version %(n)d created.") % {"n": version.number})
    return redirect("worklists:version", pk=version.pk)


@login_required
def version(request: HttpRequest, pk: int) -> HttpResponse:
    v = _version(request, pk)
    items = services.items_with_citations(v)
    report = services.validate_version(v) if v.status in OPEN_STATUSES else None
    flags = {f.item_id: f for f in ItemFlag.objects.filter(item__version=v, status=FlagStatus.OPEN).select_related("change")}
    derived = {i.derived_from_id for i in items if i.derived_from_id}
    missing = [u for u in v.upper.items.all() if u.pk not in derived] if v.upper_id else []
    omissions = {o.upper_item_id: o for o in v.omissions.all()}
    other = v.previous if v.previous_id else None
    return render(request, "worklists/version.html", {
        "version": v, "items": items, "report": report, "flags": flags,
        "local_changes": services.local_changes(v, items),
        "missing": [(u, omissions.get(u.pk)) for u in missing],
        "can_edit": services.can_edit(request.user, v.worklist) and v.is_editable,
        "is_editor": services.can_edit(request.user, v.worklist),
        "can_approve": services.can_approve(request.user, v.worklist),
        "approve_form": ApproveForm(), "comment_form": CommentForm(), "import_form": ImportForm(),
        "diff": services.labelled(services.diff_versions(other, v)) if other else None, "other": other,
        "filing": Filing.objects.filter(version=v).first(),
        "versions": v.worklist.versions.order_by("-number"),
    })


@login_required
def item_form(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    v = _version(request, pk)
    item = WorkItem.objects.filter(pk=item_pk, version=v).first() if item_pk else None
    if item_pk and item is None:
        return redirect("worklists:version", pk=v.pk)
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in services.ITEM_FIELDS}
            try:
                services.save_item(request.user, v, data, form.cleaned_data["citations"], item=item, lock=form.cleaned_data["lock"])
            except ApiError as error:
                _fail(request, error)
                status = error.status_code if error.status_code in (403, 409) else 400
                return render(request, "worklists/item_form.html", {"form": form, "version": v, "item": item}, status=status)
            messages.success(request, _("Item saved."))
            return redirect("worklists:version", pk=v.pk)
    else:
        initial: dict[str, Any] = {"lock": v.lock}
        if item is not None:
            initial |= {f: getattr(item, f) for f in services.ITEM_FIELDS}
            initial["basis"] = "\n".join(str(c) for c in item.citations.select_related("source", "provision"))
        form = ItemForm(initial=initial)
    return render(request, "worklists/item_form.html", {"form": form, "version": v, "item": item})


@login_required
@require_POST
def item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    v = _version(request, pk)
    item = WorkItem.objects.filter(pk=item_pk, version=v).select_related("derived_from").first()
    if item is not None:
        try:
            services.remove_item(request.user, item, reason=request.POST.get("reason", ""), lock=request.POST.get("lock"))
            messages.success(request, _("Item removed."))
        except ApiError as error:
            _fail(request, error)
    return redirect("worklists:version", pk=v.pk)


@login_required
@require_POST
def omission(request: HttpRequest, pk: int, upper_pk: int) -> HttpResponse:
    v = _version(request, pk)
    upper = WorkItem.objects.filter(pk=upper_pk, version_id=v.upper_id).first()
    if upper is not None:
        try:
            if request.POST.get("restore"):
                services.restore_upper_item(request.user, v, upper, lock=request.POST.get("lock"))
            else:
                services.set_omission_reason(request.user, v, upper, request.POST.get("reason", ""), lock=request.POST.get("lock"))
        except ApiError as error:
            _fail(request, error)
    return redirect("worklists:version", pk=v.pk)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    v = _version(request, pk)
    user = request.user
    try:
        if step == "submit":
            services.submit(user, v)
            messages.success(request, _("Submitted to the people's government for approval."))
        elif step == "send_back":
            services.send_back(user, v, request.POST.get("comments", ""))
            messages.success(request, _("Sent back to the civil-affairs department."))
        elif step == "approve":
            form = ApproveForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the approval document number and date."))
                return redirect("worklists:version", pk=v.pk)
            services.approve(user, v, document=form.cleaned_data["document"], approved_on=form.cleaned_data["approved_on"])
            messages.success(request, _("Approved."))
        elif step == "publish":
            services.publish(user, v)
            messages.success(request, _("Published. It is now public."))
        elif step == "file":
            services.file_version(user, v)
            messages.success(request, _("Filed with the civil-affairs department above."))
        elif step == "import":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                count = imports.import_items(user, v, form.cleaned_data["file"], lock=request.POST.get("lock"))
                messages.success(request, _("%(n)d items imported.") % {"n": count})
            else:
                messages.error(request, _("Choose an .xlsx file."))
        else:
            return redirect("worklists:version", pk=v.pk)
    except imports.ImportFailed as failed:
        messages.error(request, _("Nothing was imported: %(n)d errors.") % {"n": len(failed.errors)})
        for line in failed.errors[:50]:
            messages.error(request, line)
    except ApiError as error:
        _fail(request, error)
    return redirect("worklists:version", pk=v.pk)


@login_required
def filing(request: HttpRequest, pk: int) -> HttpResponse:
    f = get_scoped_object_or_404(
        Filing.objects.select_related("version__worklist__region", "filed_with"), request.user, Action.VIEW, request=request, pk=pk,
    )
    if request.method == "POST":
        try:
            services.review_filing(request.user, f, request.POST.get("decision", ""), request.POST.get("comments", ""))
            messages.success(request, _("Filing updated."))
        except ApiError as error:
            _fail(request, error)
        return redirect("worklists:filing", pk=f.pk)
    return render(request, "worklists/filing.html", {
        "filing": f, "can_review": services.can_review_filing(request.user, f), "comment_form": CommentForm(),
    })


@login_required
def flags(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        flag_pk = request.POST.get("flag", "")
        if not flag_pk.isdigit():
            return redirect("worklists:flags")
        flag = get_scoped_object_or_404(ItemFlag.objects.all(), request.user, Action.VIEW, request=request, pk=int(flag_pk))
        try:
            services.confirm_flag(request.user, flag, request.POST.get("note", ""))
            messages.success(request, _("Confirmed."))
        except ApiError as error:
            _fail(request, error)
        return redirect("worklists:flags")
    rows = restrict(ItemFlag.objects.select_related("item__version__worklist__region", "change__source", "change__provision"), request.user)
    return render(request, "worklists/flags.html", {
        "open": rows.filter(status=FlagStatus.OPEN)[:300], "closed": rows.exclude(status=FlagStatus.OPEN)[:100],
    })


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    mine = services.notifications_for(request.user)
    if request.method == "POST":
        mine.filter(read=False).update(read=True)
        return redirect("worklists:notifications")
    # Each row names its recipient: fetched with the rows.
    return render(request, "worklists/notifications.html", {"notifications": mine.select_related("recipient")[:200]})


