"""The only code that changes admission workflows: requests, review, the committees' inbox actions, purchases of
services and secondments. Views and the API call these functions; each checks who may act and raises
``core.api.ApiError`` (shown as the DESIGN.md §8 error format, or as a message on pages).

The check itself is ``admission.engine``: one Engine per published list version, cached in this process.
"""

import threading
import tomllib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from accounts.choices import ROLE_ACTIONS, Action
from core.api import ApiError
from core.audit import record
from core.models import AuditAction
from regions.choices import Level, OrganisationKind
from regions.codes import subtree_bounds
from regions.models import Organisation, Region

from . import conf
from .choices import (
    CLOSED,
    NEEDS_LEGAL_BASIS,
    REFUSABLE,
    Decision,
    PaymentStatus,
    PurchaseStatus,
    RequestKind,
    RequestStatus,
    TargetStatus,
)
from .engine import (
    ADMIT,
    PURCHASE_SERVICE,
    REJECT,
    Approval,
    CheckResult,
    Engine,
    Finding,
    ListItem,
    approval_problem,
    citation,
    load_rules,
)
from .models import RequestTarget, ServicePurchase, WorkRequest

SENDER_KINDS = (
    OrganisationKind.DEPARTMENT, OrganisationKind.TOWNSHIP_GOVERNMENT, OrganisationKind.STREET_OFFICE,
    OrganisationKind.GOVERNMENT, OrganisationKind.CIVIL_AFFAIRS,
)
SEVERITY = {REJECT: 2, PURCHASE_SERVICE: 1, ADMIT: 0}
MAX_TARGETS = 5000


# --- errors ------------------------------------------------------------------------------------------------------

def _denied(message: str | None = None) -> ApiError:
    return ApiError("permission_denied", message or _("You do not have permission to do this."), status.HTTP_403_FORBIDDEN)


def _conflict(message: str) -> ApiError:
    return ApiError("conflict", message, status.HTTP_409_CONFLICT)


def _invalid(message: str, field: str | None = None) -> ApiError:
    error = ApiError("invalid", message)
    if field:
        error.fields = {field: [message]}  # type: ignore[attr-defined]
    return error


def _check_lock(obj: Any, lock: int | None) -> None:
    if lock is not None and int(lock) != obj.lock_version:
        raise _conflict(_("Someone else changed this record in the meantime. Reload the page and try again."))


def _save(obj: Model, reason: str, *, bump: bool = True) -> None:
    if bump and hasattr(obj, "lock_version"):
        obj.lock_version += 1  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save()


def _locked(model: type[Model], pk: int) -> Any:
    return model._default_manager.select_for_update().get(pk=pk)


# --- the engine, one per published list version ------------------------------------------------------------------

class _EngineCache:
    """Process-local LRU of engines keyed by (version id, cache token): published items never change in place."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._engines: OrderedDict[tuple[int, int], Engine] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: Any) -> Engine:
        key = (version.pk, getattr(version, "cache_token", 0))
        with self._lock:
            engine = self._engines.get(key)
            if engine is not None:
                self._engines.move_to_end(key)
                return engine
        items = [
            ListItem(i.code, i.name, i.content, i.category, i.applies_to)
            for i in version.items.order_by("position", "code")
        ]
        engine = Engine(items)
        with self._lock:
            self._engines[key] = engine
            self._engines.move_to_end(key)
            while len(self._engines) > self.size:
                self._engines.popitem(last=False)
        return engine

    def clear(self) -> None:
        with self._lock:
            self._engines.clear()


ENGINES = _EngineCache()
_NO_LIST_ENGINE: Engine | None = None


def _empty_engine() -> Engine:
    global _NO_LIST_ENGINE
    if _NO_LIST_ENGINE is None:
        _NO_LIST_ENGINE = Engine([])
    return _NO_LIST_ENGINE


def engine_for(version: Any | None) -> Engine:
    return _empty_engine() if version is None else ENGINES.get(version)


def resolve_version(committee: Region, on: date | None = None) -> Any | None:
    from worklists.services import resolve_version as resolve

    return resolve(committee, on)


def check(
    committee: Region, title: str, content: str, approval: Approval | None = None, on: date | None = None,
    version: Any | None = None, resolved: bool = False,
) -> CheckResult:
    """The admission check of a request for one committee, against the list in force for it on ``on``."""
    if not resolved:
        version = resolve_version(committee, on)
    result = engine_for(version).check(committee.committee_kind, title, content, approval, on)
    if version is None:
        result.explanation += _(
            " No published work list is in force for this committee, so no request can be admitted: it is either "
            "rejected or can only be bought as a service."
        )
    return result


@dataclass(frozen=True)
class CheckInput:
    title: str
    content: str
    approval: Approval | None
    on: date | None


def public_check(committee: Region, data: CheckInput) -> dict[str, Any]:
    """The body of POST /api/v1/admission/check: exactly the engine's as_dict()."""
    return check(committee, data.title, data.content, data.approval, data.on).as_dict()


def committee_by_code(code: str) -> Region:
    """A committee (village-level region) by its 12-digit code; errors in the API format."""
    code = (code or "").strip()
    if not (len(code) == 12 and code.isascii() and code.isdigit()):
        raise _invalid(_("The region must be a 12-digit division code of a committee."), "region")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ApiError("not_found", _("No region has the code %(code)s.") % {"code": code}, status.HTTP_404_NOT_FOUND)
    if region.level != Level.VILLAGE:
        raise _invalid(
            _("%(name)s (%(code)s) is not a village or residents' committee; give the code of a committee.")
            % {"name": region.name, "code": code},
            "region",
        )
    return region


# --- who may act -------------------------------------------------------------------------------------------------

def _orgs(user: Any, action: str, kinds: Iterable[str]) -> list[Organisation]:
    if not getattr(user, "is_authenticated", False):
        return []
    kinds = tuple(kinds)
    return [
        m.organisation for m in user.cached_memberships()
        if m.organisation.kind in kinds and action in ROLE_ACTIONS[m.role]
    ]


def sender_organisations(user: Any) -> list[Organisation]:
    """Organisations for which the user may send work requests (editors of agencies, not committees)."""
    seen: dict[int, Organisation] = {}
    for org in _orgs(user, Action.CHANGE, SENDER_KINDS):
        seen.setdefault(org.pk, org)
    return list(seen.values())


def county_of(region: Region) -> Region:
    """The county containing a region (the region itself above county level)."""
    if region.level <= Level.COUNTY:
        return region
    return Region.objects.get(code=region.code[:6].ljust(12, "0"))


def can_review(user: Any, req: WorkRequest) -> bool:
    """The civil-affairs department of the reviewing region, with the approve role."""
    return any(o.region_id == req.review_region_id for o in _orgs(user, Action.APPROVE, (OrganisationKind.CIVIL_AFFAIRS,)))


def arranging_government(user: Any, req: WorkRequest) -> Organisation | None:
    """Art. 5(2): the county people's government (of the reviewing region) arranges purchases of services."""
    for org in _orgs(user, Action.APPROVE, (OrganisationKind.GOVERNMENT,)):
        if org.region_id == req.review_region_id:
            return org
    return None


def approving_government(user: Any, req: WorkRequest) -> Organisation | None:
    """Art. 8(4): a city or county people's government whose area contains the sender approves a secondment."""
    sender_region = req.sender.region
    for org in _orgs(user, Action.APPROVE, (OrganisationKind.GOVERNMENT,)):
        if org.region.level in (Level.CITY, Level.COUNTY) and sender_region.is_within(org.region):
            return org
    return None


def can_send(user: Any, req: WorkRequest) -> bool:
    return any(o.pk == req.sender_id for o in sender_organisations(user))


def committee_organisation(committee: Region) -> Organisation | None:
    return Organisation.objects.filter(region=committee, kind=OrganisationKind.COMMITTEE, is_active=True).first()


def acts_for_committee(user: Any, target: RequestTarget) -> bool:
    return any(o.region_id == target.committee_id for o in _orgs(user, Action.CHANGE, (OrganisationKind.COMMITTEE,)))


def committees_of(user: Any) -> list[Region]:
    return [o.region for o in _orgs(user, Action.VIEW, (OrganisationKind.COMMITTEE,))]


def _notify(org: Organisation | None, text: str, link: str = "") -> None:
    from worklists.services import notify

    notify(org, text, link)


def _notify_many(orgs: Iterable[Organisation], text: str, link: str) -> None:
    from worklists.models import Notification

    Notification.objects.bulk_create([Notification(recipient=o, text=text[:300], link=link[:300]) for o in orgs])


def request_url(req: WorkRequest) -> str:
    return reverse("admission:request", args=[req.pk])


def target_url(target: RequestTarget) -> str:
    return reverse("admission:target", args=[target.pk])


# --- drafting ----------------------------------------------------------------------------------------------------

def resolve_targets(sender: Organisation, *, subtree: Region | None = None, codes: Iterable[str] = ()) -> list[Region]:
    """The committees a request goes to: every committee of a subtree, or chosen ones, all inside the sender's area."""
    low, high = subtree_bounds(sender.region.code, sender.region.level)
    inside = Region.objects.filter(code__gte=low, code__lte=high, level=Level.VILLAGE, is_active=True)
    chosen: dict[str, Region] = {}
    if subtree is not None:
        if not subtree.is_within(sender.region):
            raise _invalid(_("%(name)s is outside the area of %(sender)s.") % {"name": subtree.name, "sender": sender.name}, "subtree")
        s_low, s_high = subtree_bounds(subtree.code, subtree.level)
        chosen.update({r.code: r for r in inside.filter(code__gte=s_low, code__lte=s_high)})
    codes = [c.strip() for c in codes if c and c.strip()]
    if codes:
        found = {r.code: r for r in inside.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise _invalid(
                _("These codes are not committees in the area of %(sender)s: %(codes)s")
                % {"sender": sender.name, "codes": "、".join(missing[:10])},
                "committees",
            )
        chosen.update(found)
    if not chosen:
        raise _invalid(_("Choose at least one committee (a whole area or single committees)."), "committees")
    if len(chosen) > MAX_TARGETS:
        raise _invalid(_("At most %(n)d committees per request.") % {"n": MAX_TARGETS}, "committees")
    return [chosen[c] for c in sorted(chosen)]


def create_request(
    user: Any, sender: Organisation, *, kind: str, title: str, content: str, deadline: date,
    targets: list[Region], approval_body: str = "", approval_document: str = "", legal_basis: str = "",
    request: Any = None,
) -> WorkRequest:
    if sender.pk not in {o.pk for o in sender_organisations(user)}:
        raise _denied(_("You may send requests only for your own organisation."))
    if kind not in RequestKind.values:
        raise _invalid(_("Unknown request type."), "kind")
    if not title.strip() or not content.strip():
        raise _invalid(_("A title and a content are required."), "title" if not title.strip() else "content")
    if len(title) + len(content) > conf.max_text():
        raise _invalid(_("Title and content together may have at most %(n)d characters.") % {"n": conf.max_text()}, "content")
    if deadline < timezone.localdate():
        raise _invalid(_("The deadline cannot be in the past."), "deadline")
    with transaction.atomic():
        req = WorkRequest(
            kind=kind, title=title.strip(), content=content.strip(), sender=sender, created_by=user,
            review_region=county_of(sender.region), deadline=deadline, approval_body=approval_body.strip(),
            approval_document=approval_document.strip(), legal_basis=legal_basis.strip(),
        )
        _save(req, "created", bump=False)
        for committee in targets:
            target = RequestTarget(request=req, committee=committee)
            _save(target, "created", bump=False)
        record(AuditAction.CREATE, user=user, obj=req, request=request, targets=len(targets), kind=kind)
    return req


def update_request(user: Any, req: WorkRequest, lock: int | None, request: Any = None, **fields: Any) -> WorkRequest:
    """Edit a draft (title, content, deadline, approval, legal basis); 409 when someone saved in between."""
    if not can_send(user, req):
        raise _denied()
    allowed = {"title", "content", "deadline", "approval_body", "approval_document", "legal_basis"}
    with transaction.atomic():
        req = _locked(WorkRequest, req.pk)
        _check_lock(req, lock)
        if req.status != RequestStatus.DRAFT:
            raise _conflict(_("Only a draft can be edited."))
        for name, value in fields.items():
            if name in allowed and value is not None:
                setattr(req, name, value.strip() if isinstance(value, str) else value)
        if not req.title or not req.content:
            raise _invalid(_("A title and a content are required."), "title")
        _save(req, "edited")
        record(AuditAction.UPDATE, user=user, obj=req, request=request)
    return req


# --- checking and submitting -------------------------------------------------------------------------------------

def approval_of(req: WorkRequest) -> Approval | None:
    if not req.approval_body:
        return None
    return Approval(req.approval_body, req.approval_document)


def _extra_findings(req: WorkRequest) -> list[Finding]:
    """Rules of the request type the text alone cannot show (Art. 8(2) legal basis, Art. 8(4) approval)."""
    out = []
    if req.kind in NEEDS_LEGAL_BASIS and not req.legal_basis.strip():
        out.append(Finding(
            8, 2, "A8-2-no-legal-basis",
            _("Under Article 8(2), new plaques, working mechanisms and dedicated posts may be required of a committee only "
              "on the basis of a law, a regulation or a national or provincial rule; this request names none."),
            req.get_kind_display(),
        ))
    if req.kind == RequestKind.SECONDMENT:
        problem = approval_problem(approval_of(req))
        if problem is not None:
            out.append(Finding(
                8, 4, "A8-4-secondment-approval",
                _("Under Article 8(4), staff may be seconded from a committee only with the approval of the city or county "
                  "people's government.") + " " + problem,
                req.get_kind_display(),
            ))
    return out


# Severity of the type rules, as in the rule files (Art. 8(4) 95, Art. 8(2) 85).
EXTRA_SEVERITY = {"A8-4-secondment-approval": 95, "A8-2-no-legal-basis": 85}


def _merge(result: CheckResult, extra: list[Finding]) -> dict[str, Any]:
    data = result.as_dict()
    known = {(f["article"], f["clause"]) for f in data["findings"]}
    added = [f for f in extra if (f.article, f.clause) not in known]
    if added:
        severity = {r.id: r.severity for r in load_rules()} | EXTRA_SEVERITY
        data["findings"] = sorted(
            [asdict(f) for f in added] + data["findings"], key=lambda f: -severity.get(f["rule"], 50)
        )
        data["decision"] = REJECT
        data["explanation"] = (
            _("Rejected: %(citation)s.") % {"citation": citation(added[0].article, added[0].clause)}
            + " " + added[0].message + " " + _("The committee may refuse this task.")
        )
    return data


def run_checks(req: WorkRequest, on: date | None = None) -> None:
    """Check the request for every target (its own list and kind); equal lists and kinds share one check."""
    extra = _extra_findings(req)
    approval = approval_of(req)
    cache: dict[tuple[int | None, str], tuple[dict[str, Any], Any]] = {}
    worst = ADMIT
    targets = list(req.targets.select_related("committee"))
    for target in targets:
        version = resolve_version(target.committee, on)
        key = (version.pk if version else None, target.committee.committee_kind)
        if key not in cache:
            result = check(target.committee, req.title, req.content, approval, on, version=version, resolved=True)
            cache[key] = (_merge(result, extra), version)
        data, version = cache[key]
        target.check_result = data
        target.check_decision = data["decision"]
        target.list_version = version
        if SEVERITY[data["decision"]] > SEVERITY[worst]:
            worst = data["decision"]
        _save(target, "checked", bump=False)
    req.check_decision = worst


def submit(user: Any, req: WorkRequest, lock: int | None = None, request: Any = None) -> WorkRequest:
    """Send the request: the check runs for each committee, short notice is flagged, the reviewer is told."""
    if not can_send(user, req):
        raise _denied()
    with transaction.atomic():
        req = _locked(WorkRequest, req.pk)
        _check_lock(req, lock)
        if req.status != RequestStatus.DRAFT:
            raise _conflict(_("This request has already been submitted."))
        today = timezone.localdate()
        run_checks(req, today)
        req.status = RequestStatus.SUBMITTED
        req.submitted_at = timezone.now()
        req.notice_days = (req.deadline - today).days
        req.short_notice = req.notice_days < conf.min_notice_days()
        _save(req, "submitted")
        record(AuditAction.WORKFLOW, user=user, obj=req, request=request, step="submit", check=req.check_decision,
               short_notice=req.short_notice)
        reviewer = Organisation.objects.filter(
            region=req.review_region, kind=OrganisationKind.CIVIL_AFFAIRS, is_active=True).first()
        _notify(reviewer, _("Work request awaiting admission review: %(title)s") % {"title": req.title}, request_url(req))
    return req


# --- review ------------------------------------------------------------------------------------------------------

def _support(item_code: str, version: Any) -> dict[str, Any]:
    """The matched list item and its Art. 5 support (funding, conditions, information, guidance, who provides it)."""
    if not item_code or version is None:
        return {}
    from worklists.services import item_legal_basis

    item = version.items.filter(code=item_code).prefetch_related("citations__source", "citations__provision").first()
    if item is None:
        return {}
    return {
        "code": item.code, "name": item.name, "content": item.content, "category": item.category,
        "agency": item.agency, "funding": item.support_funding, "conditions": item.support_conditions,
        "information": item.support_information, "guidance": item.support_guidance,
        "legal_basis": item_legal_basis(item),
    }


def _deliver(target: RequestTarget, now: Any) -> None:
    target.status = TargetStatus.DELIVERED
    target.delivered_at = now
    if not target.item:
        matched = (target.check_result.get("matched_items") or [{}])[0].get("code", "")
        target.item = _support(matched, target.list_version)


def review(
    user: Any, req: WorkRequest, *, decision: str | None = None, reason: str = "", lock: int | None = None,
    request: Any = None,
) -> WorkRequest:
    """The county civil-affairs reviewer confirms the check (decision None) or overrides it with a recorded reason."""
    if not can_review(user, req):
        raise _denied(_("Only the civil-affairs department reviewing this request may decide on it."))
    if decision is not None and decision not in Decision.values:
        raise _invalid(_("Unknown decision."), "decision")
    with transaction.atomic():
        req = _locked(WorkRequest, req.pk)
        _check_lock(req, lock)
        if req.status != RequestStatus.SUBMITTED:
            raise _conflict(_("This request is not awaiting review."))
        override = decision is not None and (
            decision != req.check_decision or req.targets.exclude(check_decision=decision).exists()
        )
        if override and not reason.strip():
            raise _invalid(_("Give the reason for overriding the result of the check."), "reason")
        if decision == ADMIT:
            blocking = _extra_findings(req)
            if blocking:
                raise _conflict(_("This request cannot be admitted: %(message)s") % {"message": blocking[0].message})
        now = timezone.now()
        targets = list(req.targets.select_related("committee", "list_version"))
        consent_needed = []
        for target in targets:
            target.decision = decision or target.check_decision
            if target.decision == ADMIT:
                _deliver(target, now)
            elif target.decision == PURCHASE_SERVICE:
                target.status = TargetStatus.AWAITING_CONSENT
                consent_needed.append(target)
            else:
                target.status = TargetStatus.NOT_ADMITTED
            _save(target, "reviewed")
        req.decision = decision or req.check_decision
        req.overridden = bool(override)
        req.review_reason = reason.strip()
        req.reviewed_by = user
        req.reviewed_at = now
        req.status = RequestStatus.DECIDED
        _save(req, "reviewed: " + (reason.strip() or "confirmed"))
        if consent_needed:
            purchase, _created = ServicePurchase.objects.get_or_create(request=req)
        record(AuditAction.WORKFLOW, user=user, obj=req, request=request, step="review", check=req.check_decision,
               decision=req.decision, overridden=req.overridden, reason=req.review_reason)
        _notify(req.sender, _("Admission decided (%(decision)s): %(title)s")
                % {"decision": req.get_decision_display(), "title": req.title}, request_url(req))
        by_committee = {t.committee_id: t for t in targets}
        orgs = Organisation.objects.filter(region_id__in=by_committee, kind=OrganisationKind.COMMITTEE, is_active=True)
        _notify_many(orgs, _("New work request: %(title)s") % {"title": req.title}, reverse("admission:inbox"))
        if consent_needed:
            government = Organisation.objects.filter(
                region=req.review_region, kind=OrganisationKind.GOVERNMENT, is_active=True).first()
            _notify(government, _("Purchase of service to arrange: %(title)s") % {"title": req.title}, request_url(req))
    return req


def withdraw(user: Any, req: WorkRequest, lock: int | None = None, request: Any = None) -> WorkRequest:
    if not can_send(user, req):
        raise _denied()
    with transaction.atomic():
        req = _locked(WorkRequest, req.pk)
        _check_lock(req, lock)
        if req.status == RequestStatus.WITHDRAWN:
            raise _conflict(_("This request has already been withdrawn."))
        for target in req.targets.exclude(status__in=CLOSED):
            target.status = TargetStatus.WITHDRAWN
            _save(target, "withdrawn")
        req.status = RequestStatus.WITHDRAWN
        _save(req, "withdrawn")
        record(AuditAction.WORKFLOW, user=user, obj=req, request=request, step="withdraw")
    return req


# --- secondments (Art. 8(4)) -------------------------------------------------------------------------------------

def approve_secondment(user: Any, req: WorkRequest, *, document: str, lock: int | None = None, request: Any = None) -> WorkRequest:
    """A city or county people's government records its approval (with the document number) of a secondment."""
    government = approving_government(user, req)
    if government is None:
        raise _denied(_("Only the people's government of the city or county may approve a secondment (Art. 8(4))."))
    if req.kind != RequestKind.SECONDMENT:
        raise _conflict(_("Only secondments need the approval of the government."))
    if not document.strip():
        raise _invalid(_("Give the number of the approval document."), "document")
    with transaction.atomic():
        req = _locked(WorkRequest, req.pk)
        _check_lock(req, lock)
        if req.status not in (RequestStatus.DRAFT, RequestStatus.SUBMITTED):
            raise _conflict(_("The admission of this request has already been decided."))
        req.approval_body = government.name
        req.approval_document = document.strip()
        if req.status == RequestStatus.SUBMITTED:
            run_checks(req, timezone.localdate())
        _save(req, "secondment approved")
        record(AuditAction.WORKFLOW, user=user, obj=req, request=request, step="approve_secondment", document=document.strip())
        _notify(req.sender, _("Secondment approved by %(body)s: %(title)s") % {"body": government.name, "title": req.title},
                request_url(req))
    return req


# --- the committee's inbox ---------------------------------------------------------------------------------------

def can_refuse(target: RequestTarget) -> bool:
    """Work that did not pass admission: rejected, bought without consent, or (before review) not matching the list."""
    if target.status not in REFUSABLE:
        return False
    return (target.decision or target.check_decision) != ADMIT


def refusal_text(target: RequestTarget) -> str:
    """The refusal, citing the regulation: the most serious finding, or Art. 5(2) for unlisted work."""
    findings = target.findings
    regulation = _("the Regulation of Liaoning Province on the Work Lists of Grassroots Mass Self-Governing Organisations")
    if findings:
        first = findings[0]
        return _(
            "Under %(regulation)s, %(citation)s, this task may not be given to the committee. %(message)s "
            "The committee therefore does not take it on."
        ) % {"regulation": regulation, "citation": citation(first["article"], first["clause"]), "message": first["message"]}
    return _(
        "This task is not on the committee's work list. Under %(regulation)s, Article 5, paragraph 2, such work may be "
        "given to the committee only as a purchased service with its consent, arranged by the county people's "
        "government. The committee does not consent and therefore does not take it on."
    ) % {"regulation": regulation}


def _target_step(user: Any, target: RequestTarget, lock: int | None) -> RequestTarget:
    if not acts_for_committee(user, target):
        raise _denied(_("Only the committee itself may do this."))
    target = _locked(RequestTarget, target.pk)
    _check_lock(target, lock)
    return target


def acknowledge(user: Any, target: RequestTarget, lock: int | None = None, request: Any = None) -> RequestTarget:
    with transaction.atomic():
        target = _target_step(user, target, lock)
        if target.status != TargetStatus.DELIVERED:
            raise _conflict(_("Only admitted work in your inbox can be acknowledged."))
        target.status, target.acknowledged_at, target.acted_by = TargetStatus.ACKNOWLEDGED, timezone.now(), user
        _save(target, "acknowledged")
        record(AuditAction.WORKFLOW, user=user, obj=target, request=request, step="acknowledge")
    return target


def complete(user: Any, target: RequestTarget, note: str = "", lock: int | None = None, request: Any = None) -> RequestTarget:
    with transaction.atomic():
        target = _target_step(user, target, lock)
        if target.status not in (TargetStatus.DELIVERED, TargetStatus.ACKNOWLEDGED):
            raise _conflict(_("Only admitted work in your inbox can be reported as completed."))
        target.status, target.completed_at, target.acted_by = TargetStatus.COMPLETED, timezone.now(), user
        target.note = note.strip()
        _save(target, "completed")
        record(AuditAction.WORKFLOW, user=user, obj=target, request=request, step="complete")
        req = target.request
        _notify(req.sender, _("%(committee)s completed: %(title)s") % {"committee": target.committee.name, "title": req.title},
                request_url(req))
    return target


def refuse(user: Any, target: RequestTarget, note: str = "", lock: int | None = None, request: Any = None) -> RequestTarget:
    """One action: the committee refuses work that did not pass admission, citing the regulation."""
    with transaction.atomic():
        target = _target_step(user, target, lock)
        if not can_refuse(target):
            raise _conflict(_("This work passed admission (or is closed) and cannot be refused here."))
        target.status, target.refused_at, target.acted_by = TargetStatus.REFUSED, timezone.now(), user
        target.refusal_reason = refusal_text(target)
        target.note = note.strip()
        _save(target, "refused")
        record(AuditAction.WORKFLOW, user=user, obj=target, request=request, step="refuse")
        req = target.request
        text = _("%(committee)s refused: %(title)s") % {"committee": target.committee.name, "title": req.title}
        _notify(req.sender, text, request_url(req))
        reviewer = Organisation.objects.filter(
            region=req.review_region, kind=OrganisationKind.CIVIL_AFFAIRS, is_active=True).first()
        _notify(reviewer, text, request_url(req))
    return target


def consent(user: Any, target: RequestTarget, agree: bool, note: str = "", lock: int | None = None,
            request: Any = None) -> RequestTarget:
    """Art. 5(2): the committee consents to (or declines) a purchase of service."""
    with transaction.atomic():
        target = _target_step(user, target, lock)
        if target.status != TargetStatus.AWAITING_CONSENT:
            raise _conflict(_("This request is not awaiting your consent."))
        now = timezone.now()
        target.consent_at, target.acted_by, target.note = now, user, note.strip()
        if not agree:
            target.status = TargetStatus.DECLINED
        else:
            purchase = ServicePurchase.objects.filter(request_id=target.request_id).first()
            if purchase is not None and purchase.status == PurchaseStatus.ARRANGED:
                _deliver(target, now)
            else:
                target.status = TargetStatus.CONSENTED
        _save(target, "consented" if agree else "declined")
        record(AuditAction.WORKFLOW, user=user, obj=target, request=request, step="consent" if agree else "decline")
        req = target.request
        _notify(req.sender, (_("%(committee)s consented: %(title)s") if agree else _("%(committee)s declined: %(title)s"))
                % {"committee": target.committee.name, "title": req.title}, request_url(req))
    return target


# --- purchases of services (Art. 5(2)) ---------------------------------------------------------------------------

def arrange(user: Any, purchase: ServicePurchase, *, document: str, lock: int | None = None,
            request: Any = None) -> ServicePurchase:
    """The county government arranges the purchase; work starts for the committees that consented."""
    government = arranging_government(user, purchase.request)
    if government is None:
        raise _denied(_("Only the county people's government arranges a purchase of service (Art. 5(2))."))
    if not document.strip():
        raise _invalid(_("Give the number of the arrangement document."), "document")
    with transaction.atomic():
        purchase = _locked(ServicePurchase, purchase.pk)
        _check_lock(purchase, lock)
        if purchase.status != PurchaseStatus.AWAITING_ARRANGEMENT:
            raise _conflict(_("This purchase is not awaiting arrangement."))
        now = timezone.now()
        purchase.status, purchase.arranged_by, purchase.arranged_at = PurchaseStatus.ARRANGED, government, now
        purchase.arrangement_document = document.strip()
        _save(purchase, "arranged")
        started = 0
        for target in purchase.request.targets.filter(status=TargetStatus.CONSENTED).select_related("list_version"):
            _deliver(target, now)
            _save(target, "purchase arranged")
            started += 1
        record(AuditAction.WORKFLOW, user=user, obj=purchase, request=request, step="arrange", document=document.strip(),
               started=started)
        _notify(purchase.request.sender, _("Purchase of service arranged: %(title)s") % {"title": purchase.request.title},
                request_url(purchase.request))
    return purchase


def can_edit_contract(user: Any, purchase: ServicePurchase) -> bool:
    return arranging_government(user, purchase.request) is not None or can_send(user, purchase.request)


def save_contract(
    user: Any, purchase: ServicePurchase, *, price: Decimal | None, period_start: date | None, period_end: date | None,
    deliverables: str, payment_status: str, lock: int | None = None, request: Any = None,
) -> ServicePurchase:
    if not can_edit_contract(user, purchase):
        raise _denied()
    if payment_status not in PaymentStatus.values:
        raise _invalid(_("Unknown payment status."), "payment_status")
    if price is not None and price < 0:
        raise _invalid(_("The price cannot be negative."), "price")
    if period_start and period_end and period_end < period_start:
        raise _invalid(_("The contract period ends before it starts."), "period_end")
    with transaction.atomic():
        purchase = _locked(ServicePurchase, purchase.pk)
        _check_lock(purchase, lock)
        if purchase.status != PurchaseStatus.ARRANGED:
            raise _conflict(_("The contract can be recorded once the county government has arranged the purchase."))
        purchase.price, purchase.period_start, purchase.period_end = price, period_start, period_end
        purchase.deliverables, purchase.payment_status = deliverables.strip(), payment_status
        _save(purchase, "contract")
        record(AuditAction.UPDATE, user=user, obj=purchase, request=request, step="contract", payment_status=payment_status)
    return purchase


# --- queries -----------------------------------------------------------------------------------------------------

def inbox(user: Any) -> QuerySet:
    """What reached the user's committees (submitted requests; drafts never show)."""
    from core.scoping import restrict

    codes = [c.code for c in committees_of(user)]
    return (
        restrict(RequestTarget.objects.filter(committee__code__in=codes), user)
        .exclude(request__status=RequestStatus.DRAFT)
        .select_related("request__sender", "committee")
        .order_by("-request__submitted_at", "-id")
    )


def awaiting_review(user: Any) -> QuerySet:
    from core.scoping import restrict

    regions = [o.region_id for o in _orgs(user, Action.APPROVE, (OrganisationKind.CIVIL_AFFAIRS,))]
    return restrict(WorkRequest.objects.filter(status=RequestStatus.SUBMITTED, review_region_id__in=regions), user)


def awaiting_arrangement(user: Any) -> QuerySet:
    from core.scoping import restrict

    regions = [o.region_id for o in _orgs(user, Action.APPROVE, (OrganisationKind.GOVERNMENT,))]
    return restrict(ServicePurchase.objects.filter(
        status=PurchaseStatus.AWAITING_ARRANGEMENT, request__review_region_id__in=regions), user)


def subtree_q(region: Region, field: str) -> Q:
    low, high = subtree_bounds(region.code, region.level)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def target_counts(req: WorkRequest) -> dict[str, int]:
    from django.db.models import Count

    return {row["status"]: row["n"] for row in req.targets.values("status").annotate(n=Count("id"))}


# --- the standard plaque set (Art. 8(2)) -------------------------------------------------------------------------

def standard_plaques(committee_kind: str | None = None) -> list[dict[str, str]]:
    """The configured plaque set (admission/data/plaques.toml), for one committee kind or all."""
    data = tomllib.loads(conf.plaques_file().read_text(encoding="utf-8"))
    plaques = [
        {"name": str(p["name"]), "committee": str(p.get("committee", "both")), "basis": str(p.get("basis", ""))}
        for p in data.get("plaque", [])
    ]
    if committee_kind:
        plaques = [p for p in plaques if p["committee"] in ("both", committee_kind)]
    return plaques
