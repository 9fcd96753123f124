"""Pages of the admission app: the public check, work requests and their review, the committees' inbox, purchases of
services and secondments, the standard plaque set. Every decision is taken by admission.services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from core.api import show_errors
from core.audit import record
from core.exports import table_response
from core.models import AuditAction
from core.scoping import get_scoped_object_or_404, restrict
from portal.regulation import regulation

from . import services
from .choices import RequestStatus, TargetStatus
from .engine import Approval, citation
from .filtersets import RequestFilterSet
from .forms import CheckForm, ContractForm, DocumentForm, NoteForm, RequestForm, ReviewForm
from .models import Attachment, RequestTarget, ServicePurchase, WorkRequest


def _lock(form: Any) -> int | None:
    return form.cleaned_data.get("lock_version") if form.is_valid() else None


def with_citations(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of a check result whose findings carry their citation as the regulation writes it (第八条第（一）项)."""
    if not result:
        return result
    findings = [{**f, "cite": citation(int(f["article"]), int(f["clause"]))} for f in result.get("findings") or []]
    return {**result, "findings": findings}


def article_texts(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The text of the regulation each part of a decision rests on, to show (and print) beside it."""
    reg = regulation()
    cited: list[tuple[int, int | None]] = []
    for f in result.get("findings") or []:
        key = (int(f["article"]), int(f["clause"]))
        if key not in cited:
            cited.append(key)
    if result.get("decision") == "admit":
        cited.append((5, 1))
    elif result.get("decision") == "purchase_service":
        cited.append((5, 2))
    out = []
    for article, part in cited:
        a = reg.article(article)
        if article == 5:  # two paragraphs, no clauses
            text = a.paragraphs[part - 1] if part and part <= len(a.paragraphs) else " ".join(a.paragraphs)
            label = f"{a.label}第{'一二'[part - 1]}款" if part else a.label
        else:
            text = a.paragraphs[0] + (a.clauses.get(part, "") if part else "")
            label = f"{a.label}第（{'一二三四五六七八九'[part - 1]}）项" if part else a.label
        out.append({"label": label, "text": text})
    return out


# --- the public check ---------------------------------------------------------------------------------------------

def check_page(request: HttpRequest) -> HttpResponse:
    """Anyone can paste a notice and see the decision with the article text; a committee can print it."""
    result = committee = None
    form = CheckForm(request.POST or None, initial={"region": request.GET.get("region", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        limit = services.conf.max_text()
        if len(data["title"]) + len(data["content"]) > limit:
            form.add_error("content", _("Title and content together may have at most %(n)d characters.") % {"n": limit})
        elif not (data["title"].strip() or data["content"].strip()):
            form.add_error("content", _("Give the title or the content of the request."))
        else:
            try:
                committee = services.committee_by_code(data["region"])
            except APIException as error:
                form.add_error("region", str(error.detail))
            else:
                approval = Approval(data["approved_by"], data["document"]) if data["approved_by"] else None
                result = services.public_check(
                    committee, services.CheckInput(data["title"], data["content"], approval, data["date"]))
    return render(request, "admission/check.html", {
        "form": form, "result": with_citations(result), "committee": committee,
        "articles": article_texts(result) if result else [],
    })


def plaques(request: HttpRequest) -> HttpResponse:
    return render(request, "admission/plaques.html", {"plaques": services.standard_plaques()})


# --- requests -----------------------------------------------------------------------------------------------------

def _requests(request: HttpRequest) -> Any:
    return restrict(WorkRequest.objects.select_related("sender", "review_region"), request.user)


EXPORT_COLUMNS = ["id", "title", "kind", "sender", "deadline", "status", "submitted_at", "notice_days", "short_notice",
                  "check_decision", "decision", "overridden", "review_reason"]


def _export(request: HttpRequest, qs: Any, fmt: str) -> HttpResponse:
    rows = [[
        r.pk, r.title, r.get_kind_display(), r.sender.name, r.deadline.isoformat(), r.get_status_display(),
        r.submitted_at.isoformat() if r.submitted_at else "", r.notice_days if r.notice_days is not None else "",
        _("yes") if r.short_notice else _("no"), r.get_check_decision_display(), r.get_decision_display(),
        _("yes") if r.overridden else _("no"), r.review_reason,
    ] for r in qs[:10000]]
    record(AuditAction.EXPORT, user=request.user, request=request, what="admission requests", rows=len(rows), format=fmt)
    return table_response("work-requests", EXPORT_COLUMNS, rows, fmt)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    filterset = RequestFilterSet(request.GET, queryset=_requests(request))
    qs = filterset.qs.order_by("-created_at", "-id")
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(request, qs, fmt)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "admission/request_list.html", {
        "page": page, "filterset": filterset, "can_send": bool(services.sender_organisations(request.user)),
        "query": request.GET.urlencode(),
    })


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    senders = services.sender_organisations(request.user)
    if not senders:
        raise Http404
    form = RequestForm(request.POST or None, request.FILES or None, senders=senders,
                       initial={"sender": senders[0].pk, "kind": request.GET.get("kind", "task")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sender = next(o for o in senders if o.pk == data["sender"])
        try:
            subtree = None
            if data["subtree"].strip():
                subtree = services.Region.objects.filter(code=data["subtree"].strip()).first()
                if subtree is None:
                    raise services._invalid(_("No region has this code."), "subtree")
            targets = services.resolve_targets(sender, subtree=subtree, codes=data["committees"])
            req = services.create_request(
                request.user, sender, kind=data["kind"], title=data["title"], content=data["content"],
                deadline=data["deadline"], targets=targets, approval_body=data["approval_body"],
                approval_document=data["approval_document"], legal_basis=data["legal_basis"], request=request,
            )
        except APIException as error:
            field = next(iter(getattr(error, "fields", {}) or {}), None)
            form.add_error(field if field in form.fields else None, str(error.detail))
        else:
            upload = data.get("attachment")
            if upload is not None:
                Attachment.objects.create(request=req, file=upload, name=upload.name[:200], size=upload.size)
            messages.success(request, _("Draft saved. Check it and submit it for admission review."))
            return redirect("admission:request", pk=req.pk)
    return render(request, "admission/request_form.html", {"form": form})


def _target_summary(req: WorkRequest) -> list[dict[str, Any]]:
    """One check result per distinct outcome (targets with the same list and kind share it)."""
    seen: dict[str, dict[str, Any]] = {}
    for target in req.targets.select_related("committee").order_by("committee__code")[:2000]:
        key = repr(sorted((target.check_result or {}).items()))
        if key not in seen:
            seen[key] = {"result": with_citations(target.check_result), "committees": [], "count": 0,
                         "articles": article_texts(target.check_result) if target.check_result else []}
        seen[key]["count"] += 1
        if len(seen[key]["committees"]) < 5:
            seen[key]["committees"].append(target.committee)
    return list(seen.values())


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_object_or_404(WorkRequest.objects.select_related("sender__region", "review_region", "reviewed_by"),
                                   request.user, request=request, pk=pk)
    user = request.user
    purchase = ServicePurchase.objects.filter(request=req).select_related("arranged_by").first()
    targets = Paginator(req.targets.select_related("committee").order_by("committee__code"), 100).get_page(
        request.GET.get("page"))
    is_sender = services.can_send(user, req)
    return render(request, "admission/request_detail.html", {
        "req": req, "targets": targets,
        "counts": {TargetStatus(k).label: v for k, v in services.target_counts(req).items()}, "purchase": purchase,
        "summaries": _target_summary(req) if req.status != RequestStatus.DRAFT else [],
        "is_sender": is_sender,
        "can_review": req.status == RequestStatus.SUBMITTED and services.can_review(user, req),
        "can_approve_secondment": req.is_secondment and req.status in (RequestStatus.DRAFT, RequestStatus.SUBMITTED)
        and services.approving_government(user, req) is not None,
        "can_arrange": purchase is not None and purchase.status == "awaiting"
        and services.arranging_government(user, req) is not None,
        "can_contract": purchase is not None and purchase.status == "arranged" and services.can_edit_contract(user, purchase),
        "review_form": ReviewForm(initial={"lock_version": req.lock_version}),
        "document_form": DocumentForm(initial={"lock_version": req.lock_version}),
        "arrange_form": DocumentForm(initial={"lock_version": purchase.lock_version}) if purchase else None,
        "contract_form": ContractForm(initial={
            "price": purchase.price, "period_start": purchase.period_start, "period_end": purchase.period_end,
            "deliverables": purchase.deliverables, "payment_status": purchase.payment_status,
            "lock_version": purchase.lock_version,
        }) if purchase else None,
        "attachments": req.attachments.all(),
    })


@login_required
@require_POST
def request_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    req = get_scoped_object_or_404(WorkRequest.objects.all(), request.user, request=request, pk=pk)
    user = request.user
    try:
        if step == "submit":
            req = services.submit(user, req, _lock(NoteForm(request.POST)), request=request)
            messages.success(request, _("Submitted. The check has run; the civil-affairs bureau reviews the result."))
        elif step == "withdraw":
            services.withdraw(user, req, _lock(NoteForm(request.POST)), request=request)
            messages.success(request, _("The request has been withdrawn."))
        elif step == "review":
            form = ReviewForm(request.POST)
            form.is_valid()
            services.review(user, req, decision=form.cleaned_data.get("decision") or None,
                            reason=form.cleaned_data.get("reason", ""), lock=_lock(form), request=request)
            messages.success(request, _("The admission decision is recorded."))
        elif step == "approve_secondment":
            form = DocumentForm(request.POST)
            if not form.is_valid():
                raise services._invalid(_("Give the number of the approval document."), "document")
            services.approve_secondment(user, req, document=form.cleaned_data["document"], lock=_lock(form), request=request)
            messages.success(request, _("The approval of the secondment is recorded."))
        elif step in ("arrange", "contract"):
            purchase = ServicePurchase.objects.filter(request=req).first()
            if purchase is None:
                raise Http404
            if step == "arrange":
                form = DocumentForm(request.POST)
                if not form.is_valid():
                    raise services._invalid(_("Give the number of the arrangement document."), "document")
                services.arrange(user, purchase, document=form.cleaned_data["document"], lock=_lock(form), request=request)
                messages.success(request, _("The purchase is arranged; work starts for the committees that consented."))
            else:
                form = ContractForm(request.POST)
                if not form.is_valid():
                    for errors in form.errors.values():
                        for e in errors:
                            messages.error(request, e)
                    return redirect("admission:request", pk=req.pk)
                d = form.cleaned_data
                services.save_contract(user, purchase, price=d["price"], period_start=d["period_start"],
                                       period_end=d["period_end"], deliverables=d["deliverables"],
                                       payment_status=d["payment_status"], lock=d.get("lock_version"), request=request)
                messages.success(request, _("The contract is saved."))
        else:
            raise Http404
    except APIException as error:
        show_errors(request, error)
    return redirect("admission:request", pk=req.pk)


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, for whoever may see the request or one of its targets."""
    item = Attachment.objects.select_related("request").filter(pk=pk).first()
    if item is None:
        raise Http404
    visible = restrict(WorkRequest.objects.filter(pk=item.request_id), request.user).exists() or restrict(
        RequestTarget.objects.filter(request_id=item.request_id).exclude(request__status=RequestStatus.DRAFT),
        request.user).exists()
    if not visible:
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


# --- the committees' inbox ----------------------------------------------------------------------------------------

@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    targets = services.inbox(request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        targets = targets.exclude(status__in=services.CLOSED)
    page = Paginator(targets, 50).get_page(request.GET.get("page"))
    return render(request, "admission/inbox.html", {"page": page, "state": state})


@login_required
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_scoped_object_or_404(
        RequestTarget.objects.exclude(request__status=RequestStatus.DRAFT).select_related(
            "request__sender", "committee", "list_version"),
        request.user, request=request, pk=pk,
    )
    acts = services.acts_for_committee(request.user, target)
    result = target.check_result or {}
    return render(request, "admission/target_detail.html", {
        "target": target, "req": target.request, "result": with_citations(result),
        "articles": article_texts(result) if result else [],
        "acts": acts, "can_refuse": acts and services.can_refuse(target),
        "has_actions": acts and (services.can_refuse(target) or target.status in (
            TargetStatus.DELIVERED, TargetStatus.ACKNOWLEDGED, TargetStatus.AWAITING_CONSENT)),
        "refusal_preview": services.refusal_text(target) if acts and services.can_refuse(target) else "",
        "form": NoteForm(initial={"lock_version": target.lock_version}),
        "attachments": target.request.attachments.all(),
        "purchase": ServicePurchase.objects.filter(request_id=target.request_id).first(),
    })


@login_required
@require_POST
def target_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    target = get_scoped_object_or_404(RequestTarget.objects.exclude(request__status=RequestStatus.DRAFT), request.user,
                                      request=request, pk=pk)
    form = NoteForm(request.POST)
    form.is_valid()
    note, lock = form.cleaned_data.get("note", ""), form.cleaned_data.get("lock_version")
    user = request.user
    try:
        if step == "acknowledge":
            services.acknowledge(user, target, lock, request=request)
            messages.success(request, _("Acknowledged."))
        elif step == "complete":
            services.complete(user, target, note, lock, request=request)
            messages.success(request, _("Reported as completed."))
        elif step == "refuse":
            services.refuse(user, target, note, lock, request=request)
            messages.success(request, _("Refused, citing the regulation. The sender and the civil-affairs bureau see it."))
        elif step in ("consent", "decline"):
            services.consent(user, target, step == "consent", note, lock, request=request)
            messages.success(request, _("Your consent is recorded.") if step == "consent" else _("You declined; it is recorded."))
        else:
            raise Http404
    except APIException as error:
        show_errors(request, error)
    return redirect("admission:target", pk=target.pk)
