"""The only code that changes complaints and cases (Art. 10: 责令改正 → 通报批评 → 处分). Views, API and jobs call it.

Who may do what:
- the handling bureau (members of the county-level civil-affairs organisation named on the case) assigns, verifies,
  decides, orders correction, verifies the correction, issues notices and refers for discipline; only it sees the
  reporter's identity;
- the agency complained of sees the case facts, the order and its own response, and responds;
- civil-affairs departments and governments above (or at) the region supervise: they read cases without identities;
- a committee that filed under its own name follows its complaint; anyone follows one with its tracking code.
Every query starts from core.scoping.restrict.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.choices import ROLE_ACTIONS, Action
from core.audit import record
from core.models import AuditAction
from core.scoping import restrict
from regions.choices import Level, OrganisationKind
from regions.codes import InvalidCode, normalise, subtree_bounds
from regions.models import Organisation, Region
from regions.services import resolve_code

from . import attachments as attachment_rules
from . import identity, rules, tracking
from .choices import CaseSource, CaseStatus, ComplaintStatus, Decision, EventKind
from .models import Attachment, Case, CaseEvent, Complaint, CorrectionOrder, DisciplineReferral, Notice
from .sources import Violation, violation_sources

SUPERVISING_KINDS = (OrganisationKind.CIVIL_AFFAIRS, OrganisationKind.GOVERNMENT)
AGENCY_KINDS = (
    OrganisationKind.GOVERNMENT, OrganisationKind.CIVIL_AFFAIRS, OrganisationKind.DEPARTMENT,
    OrganisationKind.TOWNSHIP_GOVERNMENT, OrganisationKind.STREET_OFFICE,
)
MAX_TEXT = 5000
ATTACHMENT_DIR = "supervision"


def _official(message: str, params: dict[str, Any] | None = None) -> str:
    """Text of the case record, written in the official language (zh-hans) whoever takes the step.

    Errors shown to the user stay in the user's language; the record is a document of the administration.
    """
    with translation.override(settings.LANGUAGE_CODE):
        text = translation.gettext(message)
    return text % params if params else text


class InvalidInput(Exception):
    """Business validation failed; ``fields`` maps input names to messages in Chinese."""

    def __init__(self, fields: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__(message or _("The request has errors."))
        self.fields = fields
        self.message = message or _("The request has errors.")


class StepNotAllowed(Exception):
    """The case is not in a state where this step can be taken."""


# --- Who is who ------------------------------------------------------------------------------------------------

def _memberships(user: Any) -> list[Any]:
    return user.cached_memberships() if getattr(user, "is_authenticated", False) else []


def _member_of(user: Any, organisation_id: int | None, action: str) -> bool:
    return organisation_id is not None and any(
        m.organisation_id == organisation_id and action in ROLE_ACTIONS[m.role] for m in _memberships(user)
    )


def _subtree_q(field: str, region: Region) -> Q:
    low, high = subtree_bounds(region.code, region.level)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def visible_cases(user: Any) -> QuerySet[Case]:
    """Cases the user may read: restrict() narrowed to the user's part in each case."""
    base = restrict(Case.objects.all(), user, Action.VIEW)
    if getattr(user, "is_superuser", False):
        return base
    q = Q(pk__in=[])
    for m in _memberships(user):
        if Action.VIEW not in ROLE_ACTIONS[m.role]:
            continue
        org = m.organisation
        if org.kind in SUPERVISING_KINDS:
            q |= _subtree_q("region__code", org.region) | Q(bureau=org)
        elif org.kind == OrganisationKind.COMMITTEE:
            q |= Q(complaint__reporter_org=org, complaint__anonymous=False)
        else:
            q |= Q(agency=org)
    return base.filter(q)


def role_for(user: Any, case: Case) -> str | None:
    """'handler' (the bureau), 'agency', 'supervisor', 'reporter' or None."""
    if _member_of(user, case.bureau_id, Action.VIEW):
        return "handler"
    if _member_of(user, case.agency_id, Action.VIEW):
        return "agency"
    if visible_cases(user).filter(pk=case.pk).exists():
        if case.complaint_id and case.complaint.reporter_org_id and any(
            m.organisation_id == case.complaint.reporter_org_id for m in _memberships(user)
        ):
            return "reporter"
        return "supervisor" if getattr(user, "is_superuser", False) or any(
            m.organisation.kind in SUPERVISING_KINDS for m in _memberships(user)
        ) else None
    return None


def get_case(user: Any, number: str, request: Any = None) -> Case:
    """A case by number through the scope; outside it the case does not exist (404, and the denial is audited)."""
    qs = Case.objects.select_related("bureau__region", "agency__region", "region", "complaint", "handler")
    case = visible_cases(user).filter(number=number).first()
    if case is None:
        existing = qs.filter(number=number).first()
        if existing is not None and getattr(user, "is_authenticated", False):
            from core.audit import record_denial

            record_denial(user, existing, Action.VIEW, request=request)
        raise Http404
    return qs.get(pk=case.pk)


def _require_bureau(user: Any, case: Case, action: str = Action.CHANGE) -> None:
    if not restrict(Case.objects.filter(pk=case.pk), user, action).exists() or not _member_of(user, case.bureau_id, action):
        raise PermissionDenied


def _require_agency(user: Any, case: Case) -> None:
    if not restrict(Case.objects.filter(pk=case.pk), user, Action.CHANGE).exists() or not _member_of(user, case.agency_id, Action.CHANGE):
        raise PermissionDenied


def reporter_identity(user: Any, case: Case) -> dict[str, str] | None:
    """The reporter's identity, for the handling bureau only; None for everyone else and for anonymous reports."""
    complaint = case.complaint
    if complaint is None or role_for(user, case) != "handler":
        return None
    if complaint.anonymous:
        return {"anonymous": "1"}
    return {
        "name": identity.unseal(complaint.reporter_name_sealed),
        "contact": identity.unseal(complaint.reporter_contact_sealed),
        "organisation": complaint.reporter_org.name if complaint.reporter_org_id else "",
        "user": complaint.reporter_user.username if complaint.reporter_user_id else "",
    }


# --- Bureau and agencies ---------------------------------------------------------------------------------------

def responsible_bureau(region: Region, agency: Organisation | None = None) -> Organisation | None:
    """The county-level civil-affairs organisation over the agency's region (or the complaint's), else the nearest above."""
    base = agency.region if agency is not None else region
    chain = [r for r in [*base.ancestors(), base] if r.level <= Level.COUNTY]
    for candidate in reversed(chain):
        bureau = Organisation.objects.filter(region=candidate, kind=OrganisationKind.CIVIL_AFFAIRS, is_active=True).first()
        if bureau is not None:
            return bureau
    return None


def agencies_over(region: Region) -> QuerySet[Organisation]:
    """Agencies that act on a region: organisations (not committees) on its path from the province down."""
    codes = [r.code for r in region.ancestors()] + [region.code]
    return Organisation.objects.filter(region__code__in=codes, kind__in=AGENCY_KINDS, is_active=True).select_related("region")


# --- Filing ----------------------------------------------------------------------------------------------------

@dataclass
class Filed:
    complaint: Complaint
    tracking_code: str
    case: Case | None
    guidance: str


def _region_or_error(code: str, errors: dict[str, list[str]]) -> Region | None:
    try:
        region = resolve_code(normalise(code))
    except (InvalidCode, TypeError):
        region = None
    if region is None:
        errors.setdefault("region", []).append(_("Give the 12-digit division code of the committee or region concerned."))
    return region


def _check_files(files: list[UploadedFile], errors: dict[str, list[str]]) -> list[tuple[attachment_rules.CheckedFile, bytes]]:
    checked = []
    if len(files) > attachment_rules.MAX_FILES:
        errors.setdefault("attachments", []).append(_("At most %(n)d attachments.") % {"n": attachment_rules.MAX_FILES})
        return []
    for upload in files:
        size = upload.size or 0
        try:
            if size > attachment_rules.MAX_BYTES:
                attachment_rules.check(upload.name or "", b"", size)
            data = upload.read(attachment_rules.MAX_BYTES + 1)
            checked.append((attachment_rules.check(upload.name or "", data[:16], len(data), data), data))
        except attachment_rules.AttachmentError as refused:
            errors.setdefault("attachments", []).append(f"{upload.name}: {refused}"[:300])
    return checked


def file_complaint(
    *, category: str, region: str, text: str, agency: int | None = None, agency_name: str = "", anonymous: bool = True,
    reporter_name: str = "", reporter_contact: str = "", files: list[UploadedFile] | None = None, user: Any = None,
    request: Any = None,
) -> Filed:
    """Record a complaint; in-scope matters open a case at the responsible bureau, others get guidance."""
    errors: dict[str, list[str]] = {}
    cat = rules.category(category or "")
    if cat is None:
        errors["category"] = [_("Choose one of the complaint categories.")]
    region_obj = _region_or_error(region, errors)
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Describe what happened.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    agency_obj = None
    if agency not in (None, ""):
        try:
            agency_obj = Organisation.objects.select_related("region").get(pk=int(agency), kind__in=AGENCY_KINDS, is_active=True)
        except (Organisation.DoesNotExist, TypeError, ValueError):
            errors["agency"] = [_("Unknown agency.")]
        else:
            if region_obj is not None and not region_obj.is_within(agency_obj.region):
                errors["agency"] = [_("This agency does not act in the region given.")]
    agency_name = (agency_name or "").strip()[:150]
    user_org = None
    if getattr(user, "is_authenticated", False):
        user_org = next((m.organisation for m in _memberships(user) if m.organisation.is_committee), None)
    if not anonymous and user_org is None and not (reporter_name or "").strip():
        errors["reporter_name"] = [_("Give your name, or report anonymously.")]
    if cat is not None and cat.in_scope and agency_obj is None and not agency_name:
        errors["agency"] = [_("Name the agency that placed the burden.")]
    checked = _check_files(list(files or []), errors)
    if errors:
        raise InvalidInput(errors)
    assert cat is not None and region_obj is not None

    code = tracking.new_code()
    stored: list[str] = []
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                tracking_hash=tracking.digest(code, identity.tracking_key()),
                category=cat.code, article=cat.article, clause=cat.clause, region=region_obj, agency=agency_obj,
                agency_name=agency_name or (agency_obj.name if agency_obj else ""), text=text, anonymous=anonymous,
                reporter_user=None if anonymous or not getattr(user, "is_authenticated", False) else user,
                reporter_org=None if anonymous else user_org,
                reporter_name_sealed="" if anonymous else identity.seal((reporter_name or "").strip()[:100]),
                reporter_contact_sealed="" if anonymous else identity.seal((reporter_contact or "").strip()[:100]),
            )
            for info, data in checked:
                name = f"{ATTACHMENT_DIR}/{secrets.token_hex(16)}.{info.extension}"
                saved = default_storage.save(name, ContentFile(data))
                stored.append(saved)
                Attachment.objects.create(
                    complaint=complaint, original_name=info.name, stored_name=saved, content_type=info.content_type,
                    size=info.size, sha256=hashlib.sha256(data).hexdigest(),
                )
            _event(complaint=complaint, kind=EventKind.FILED, public_note=_official(gettext_noop("Your complaint was received.")))
            case = None
            if not cat.in_scope:
                complaint.status = ComplaintStatus.REDIRECTED
                complaint.guidance = cat.guidance
                complaint.save(update_fields=["status", "guidance", "updated_at"])
                _event(complaint=complaint, kind=EventKind.REDIRECTED, public_note=cat.guidance)
            else:
                bureau = responsible_bureau(region_obj, agency_obj)
                if bureau is None:
                    raise InvalidInput({"region": [_("No civil-affairs department is responsible for this region.")]})
                complaint.bureau = bureau
                complaint.status = ComplaintStatus.IN_CASE
                complaint.save(update_fields=["bureau", "status", "updated_at"])
                case = _open_case(
                    region=region_obj, bureau=bureau, agency=agency_obj, category=cat.code, article=cat.article,
                    clause=cat.clause, complaint=complaint,
                )
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    # The audit log holds no identity: only the complaint number and the category.
    record(AuditAction.CREATE, obj=complaint, request=None, region_code=region_obj.code, category=cat.code,
           case=case.number if case else "")
    return Filed(complaint=complaint, tracking_code=code, case=case, guidance=complaint.guidance)


def find_complaint(code: str) -> Complaint | None:
    canonical = tracking.normalise(code)
    if canonical is None:
        return None
    return Complaint.objects.filter(tracking_hash=tracking.digest(canonical, identity.tracking_key())).first()


def _next_number(bureau: Organisation) -> str:
    year = timezone.localdate().year
    head = f"{bureau.region.code[:6]}-{year}-"
    last = Case.objects.filter(number__startswith=head).order_by("-number").values_list("number", flat=True).first()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{head}{seq:04d}"


def _open_case(**fields: Any) -> Case:
    bureau = fields["bureau"]
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(number=_next_number(bureau), **fields)
                break
        except IntegrityError:
            if fields.get("source_ref") and Case.objects.filter(source_name=fields.get("source_name"), source_ref=fields["source_ref"]).exists():
                raise
            continue
    else:  # pragma: no cover — five collisions in a row
        raise IntegrityError("could not number the case")
    _event(case=case, kind=EventKind.OPENED, public_note=_official(gettext_noop("A case was opened at %(bureau)s."), {"bureau": bureau.name}))
    return case


def _event(
    *, kind: str, case: Case | None = None, complaint: Complaint | None = None, actor: Any = None, note: str = "",
    public_note: str = "", public: bool = True,
) -> CaseEvent:
    org = None
    if actor is not None and getattr(actor, "is_authenticated", False):
        org = actor.organisation
    if case is not None and complaint is None:
        complaint = case.complaint
    return CaseEvent.objects.create(
        case=case, complaint=complaint, kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_org=org, note=note, public_note=public_note, public=public,
    )


def _audit(user: Any, case: Case, step: str, request: Any = None, **detail: Any) -> None:
    record(AuditAction.WORKFLOW, user=user, obj=case, request=request, step=step, **detail)


# --- Case steps ------------------------------------------------------------------------------------------------

def _expect(case: Case, *statuses: str) -> None:
    """Lock the case and re-read it, so two people taking a step at once cannot both succeed."""
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
    case.refresh_from_db()
    if case.status not in statuses:
        raise StepNotAllowed(_("This step is not possible while the case is “%(status)s”.") % {"status": case.get_status_display()})


def _save(case: Case, reason: str, *fields: str) -> None:
    case._change_reason = reason
    case.save()


@transaction.atomic
def assign(case: Case, user: Any, handler: Any = None, request: Any = None) -> Case:
    _require_bureau(user, case)
    _expect(case, CaseStatus.RECEIVED)
    handler = handler or user
    if not _member_of(handler, case.bureau_id, Action.CHANGE):
        raise InvalidInput({"handler": [_("The handler must work at the handling bureau.")]})
    case.handler = handler
    case.status = CaseStatus.VERIFYING
    _save(case, "assign")
    _event(case=case, kind=EventKind.ASSIGNED, actor=user, public_note=_official(gettext_noop("The bureau accepted the case and is verifying the facts.")))
    _audit(user, case, "assign", request, handler=handler.username)
    return case


@transaction.atomic
def decide(
    case: Case, user: Any, *, founded: bool, facts: str, reason: str = "", agency: Organisation | None = None,
    request: Any = None,
) -> Case:
    """核实 concluded: the burden is founded (facts recorded for the agency) or not (reasons told to the complainant)."""
    _require_bureau(user, case, Action.CHANGE)
    _expect(case, CaseStatus.VERIFYING)
    facts, reason = (facts or "").strip(), (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if agency is not None:
        if agency.kind not in AGENCY_KINDS or not case.region.is_within(agency.region):
            errors["agency"] = [_("This agency does not act in the case's region.")]
        else:
            case.agency = agency
    if founded and not facts:
        errors["facts"] = [_("Record the facts found: they are what the agency will read.")]
    if founded and case.agency_id is None:
        errors["agency"] = [_("Name the agency that must correct.")]
    if not founded and not reason:
        errors["reason"] = [_("Give the reasons; the complainant will read them.")]
    if errors:
        raise InvalidInput(errors)
    case.facts = facts[:MAX_TEXT]
    case.decision = Decision.FOUNDED if founded else Decision.UNFOUNDED
    case.decision_reason = reason[:MAX_TEXT]
    if founded:
        case.status = CaseStatus.FOUNDED
        public = _official(gettext_noop("Verified: the burden is founded. The agency will be ordered to correct it."))
    else:
        case.status = CaseStatus.DISMISSED
        case.closed_at = timezone.now()
        case.outcome = reason
        public = _official(gettext_noop("Verified: not founded. Reasons: %(reason)s"), {"reason": reason})
    _save(case, "decide")
    _event(case=case, kind=EventKind.DECIDED, actor=user, public_note=public)
    _audit(user, case, "decide", request, founded=founded)
    return case


def deadline_bounds(today: date | None = None) -> tuple[date, date, date]:
    """(earliest, default, latest) deadline a bureau may set today."""
    today = today or timezone.localdate()
    d = rules.deadlines()
    return today + timedelta(days=d.min_days), today + timedelta(days=d.default_days), today + timedelta(days=d.max_days)


@transaction.atomic
def order_correction(case: Case, user: Any, *, requirement: str, deadline: date | None = None, request: Any = None) -> CorrectionOrder:
    """责令改正 (Art. 10) with a deadline inside the bounds of rules/deadlines.toml."""
    _require_bureau(user, case)
    _expect(case, CaseStatus.FOUNDED)
    earliest, default, latest = deadline_bounds()
    deadline = deadline or default
    requirement = (requirement or "").strip()
    errors: dict[str, list[str]] = {}
    if not requirement:
        errors["requirement"] = [_("Say what must be corrected.")]
    if not earliest <= deadline <= latest:
        errors["deadline"] = [_("The deadline must fall between %(a)s and %(b)s.") % {"a": earliest, "b": latest}]
    if errors:
        raise InvalidInput(errors)
    order = CorrectionOrder.objects.create(case=case, requirement=requirement[:MAX_TEXT], deadline=deadline, issued_by=user)
    case.status = CaseStatus.CORRECTION_ORDERED
    _save(case, "order correction")
    _event(case=case, kind=EventKind.ORDERED, actor=user,
           public_note=_official(gettext_noop("%(agency)s was ordered to correct by %(deadline)s."), {"agency": case.agency.name, "deadline": deadline}))
    _audit(user, case, "order_correction", request, deadline=str(deadline))
    return order


def current_order(case: Case) -> CorrectionOrder | None:
    return case.orders.order_by("-created_at", "-id").first()


@transaction.atomic
def respond(case: Case, user: Any, *, text: str, request: Any = None) -> CorrectionOrder:
    """The agency reports its correction; a response after the deadline is marked late."""
    _require_agency(user, case)
    _expect(case, CaseStatus.CORRECTION_ORDERED, CaseStatus.ESCALATED)
    order = current_order(case)
    if order is None or order.responded_at is not None:
        raise StepNotAllowed(_("There is no open correction order to respond to."))
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"response": [_("Describe what was corrected.")]})
    now = timezone.now()
    order.response = text[:MAX_TEXT]
    order.responded_at = now
    order.responded_by = user
    order.response_late = timezone.localdate(now) > order.deadline
    order._change_reason = "response"
    order.save()
    if case.status == CaseStatus.CORRECTION_ORDERED:
        case.status = CaseStatus.RESPONDED
        _save(case, "response")
    public = _official(gettext_noop("The agency reported its correction after the deadline.")) if order.response_late else _official(gettext_noop("The agency reported its correction."))
    _event(case=case, kind=EventKind.RESPONDED, actor=user, public_note=public)
    _audit(user, case, "respond", request, late=order.response_late)
    return order


@transaction.atomic
def verify_correction(case: Case, user: Any, *, ok: bool, note: str = "", request: Any = None) -> Case:
    """The bureau checks the correction: done (case closed) or not (escalated)."""
    _require_bureau(user, case)
    _expect(case, CaseStatus.RESPONDED)
    order = current_order(case)
    note = (note or "").strip()
    if not ok and not note:
        raise InvalidInput({"note": [_("Say what was not corrected.")]})
    order.verified_at = timezone.now()
    order.verified_ok = ok
    order.verification_note = note[:MAX_TEXT]
    order._change_reason = "verification"
    order.save()
    if ok:
        case.status = CaseStatus.CORRECTED
        case.closed_at = timezone.now()
        case.outcome = _official(gettext_noop("The agency corrected the burden; the bureau verified the correction."))
        _save(case, "corrected")
        _event(case=case, kind=EventKind.VERIFIED, actor=user, public_note=case.outcome)
    else:
        _event(case=case, kind=EventKind.VERIFIED, actor=user, public_note=_official(gettext_noop("The bureau found the correction insufficient.")), note=note)
        _escalate(case, _official(gettext_noop("Correction not verified: %(note)s"), {"note": note}), actor=user)
    _audit(user, case, "verify_correction", request, ok=ok)
    return case


def _escalate(case: Case, reason: str, actor: Any = None) -> None:
    case.status = CaseStatus.ESCALATED
    case.escalated_at = timezone.now()
    _save(case, "escalate")
    _event(case=case, kind=EventKind.ESCALATED, actor=actor, note=reason,
           public_note=_official(gettext_noop("The case was escalated: %(reason)s"), {"reason": reason}))


def _notice_number(case: Case) -> str:
    year = timezone.localdate().year
    head = f"{case.bureau.name}通报〔{year}〕"
    n = Notice.objects.filter(number__startswith=head).count() + 1
    while Notice.objects.filter(number=f"{head}{n}号").exists():
        n += 1
    return f"{head}{n}号"


@transaction.atomic
def issue_notice(case: Case, user: Any, *, body: str, title: str = "", request: Any = None) -> Notice:
    """给予通报批评 of the agency (Art. 10) once a case is escalated."""
    _require_bureau(user, case, Action.APPROVE)
    _expect(case, CaseStatus.ESCALATED)
    body = (body or "").strip()
    if not body:
        raise InvalidInput({"body": [_("Write the text of the notice.")]})
    title = (title or "").strip() or _official(gettext_noop("Notice of public criticism of %(agency)s"), {"agency": case.agency.name})
    notice = Notice.objects.create(case=case, number=_notice_number(case), title=title[:200], body=body[:MAX_TEXT], issued_by=user)
    case.status = CaseStatus.SANCTIONED
    case.closed_at = timezone.now()
    case.outcome = _official(gettext_noop("%(agency)s was publicly criticised (%(number)s)."), {"agency": case.agency.name, "number": notice.number})
    _save(case, "notice")
    _event(case=case, kind=EventKind.NOTICE, actor=user, public_note=case.outcome)
    _audit(user, case, "issue_notice", request, notice=notice.number)
    return notice


@transaction.atomic
def refer_for_discipline(case: Case, user: Any, *, referred_to: str, persons: str, reason: str, request: Any = None) -> DisciplineReferral:
    """拒不改正或者造成严重影响的: refer the responsible persons for discipline (处分)."""
    _require_bureau(user, case, Action.APPROVE)
    _expect(case, CaseStatus.ESCALATED, CaseStatus.SANCTIONED)
    errors = {k: [_("This field is required.")] for k, v in (("referred_to", referred_to), ("persons", persons), ("reason", reason)) if not (v or "").strip()}
    if errors:
        raise InvalidInput(errors)
    referral = DisciplineReferral.objects.create(
        case=case, referred_to=referred_to.strip()[:150], persons=persons.strip()[:300], reason=reason.strip()[:MAX_TEXT], referred_by=user,
    )
    _event(case=case, kind=EventKind.REFERRED, actor=user,
           public_note=_official(gettext_noop("The responsible persons were referred to %(body)s for discipline."), {"body": referral.referred_to}))
    _audit(user, case, "refer_for_discipline", request)
    return referral


# --- Violations found by the system -----------------------------------------------------------------------------

def violations_for(user: Any) -> list[tuple[Violation, Case | None]]:
    """Violations reported by the registered sources inside the user's bureau regions, with any case already opened."""
    found: list[tuple[Violation, Case | None]] = []
    regions = [m.organisation.region for m in _memberships(user)
               if m.organisation.kind == OrganisationKind.CIVIL_AFFAIRS and Action.CHANGE in ROLE_ACTIONS[m.role]]
    for name, lister in violation_sources().items():
        for region in regions:
            for violation in lister(region):
                if violation.source != name:
                    violation = Violation(**{**violation.__dict__, "source": name})
                case = Case.objects.filter(source_name=name, source_ref=violation.ref).first()
                found.append((violation, case))
    return found


@transaction.atomic
def open_case_from_violation(user: Any, source: str, ref: str, request: Any = None) -> Case:
    for violation, existing in violations_for(user):
        if violation.source == source and violation.ref == ref:
            if existing is not None:
                return existing
            region = resolve_code(violation.region_code)
            agency = Organisation.objects.filter(pk=violation.agency_id).first() if violation.agency_id else None
            if region is None:
                raise InvalidInput({"ref": [_("The region of this record is unknown.")]})
            bureau = responsible_bureau(region, agency)
            if bureau is None or not _member_of(user, bureau.pk, Action.CHANGE):
                raise PermissionDenied
            cat = next((c for c in rules.categories().values() if c.article == violation.article and c.clause == violation.clause), None)
            case = _open_case(
                region=region, bureau=bureau, agency=agency, category=cat.code if cat else "other_burden",
                article=violation.article, clause=violation.clause, source=CaseSource.SYSTEM, source_name=source,
                source_ref=ref, facts=violation.summary[:MAX_TEXT],
            )
            _audit(user, case, "open_from_violation", request, source=source, ref=ref)
            return case
    raise Http404


# --- What the complainant sees ----------------------------------------------------------------------------------

def public_status(complaint: Complaint) -> dict[str, Any]:
    """Status and history at the complainant's level of detail: no internal notes, no names of officials."""
    cat = rules.category(complaint.category)
    case: Case | None = getattr(complaint, "case", None) if complaint.status == ComplaintStatus.IN_CASE else None
    events = complaint.events.filter(public=True).order_by("at", "id")
    if case is not None:
        events = CaseEvent.objects.filter(Q(complaint=complaint) | Q(case=case), public=True).order_by("at", "id")
    status, label = (case.status, case.get_status_display()) if case else (complaint.status, complaint.get_status_display())
    order = current_order(case) if case else None
    return {
        "status": status,
        "status_label": str(label),
        "category": {"code": complaint.category, "name": cat.name if cat else complaint.category,
                     "article": complaint.article, "clause": complaint.clause},
        "filed_at": complaint.created_at.isoformat(),
        "agency": complaint.agency_name,
        "handled_by": complaint.bureau.name if complaint.bureau_id else "",
        "case_number": case.number if case else "",
        "deadline": str(order.deadline) if order else None,
        "outcome": case.outcome if case else "",
        "guidance": complaint.guidance,
        "closed": bool(case and case.closed_at) or complaint.status == ComplaintStatus.REDIRECTED,
        "history": [
            {"at": e.at.isoformat(), "at_local": timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), "step": e.kind, "label": str(e.get_kind_display()), "note": e.public_note}
            for e in events
        ],
    }


def complaints_of(user: Any) -> QuerySet[Complaint]:
    """Complaints a committee filed under its own name (restrict() and the reporter organisation)."""
    orgs = [m.organisation_id for m in _memberships(user) if m.organisation.is_committee]
    return restrict(Complaint.objects.all(), user, Action.VIEW).filter(reporter_org_id__in=orgs, anonymous=False)


# --- Scheduled job ----------------------------------------------------------------------------------------------

def run_jobs(today: date | None = None) -> dict[str, int]:
    """Remind agencies before deadlines, escalate overdue and late corrections, flag unassigned cases. Idempotent."""
    today = today or timezone.localdate()
    limits = rules.deadlines()
    now = timezone.now()
    report = {"reminded": 0, "escalated_overdue": 0, "escalated_late": 0, "flagged": 0}
    open_orders = CorrectionOrder.objects.filter(
        responded_at__isnull=True, case__status=CaseStatus.CORRECTION_ORDERED,
    ).select_related("case__agency", "case__complaint")
    for order in open_orders:
        with transaction.atomic():
            if order.deadline < today and order.overdue_at is None:
                order.overdue_at = now
                order._change_reason = "overdue"
                order.save()
                _escalate(order.case, _official(gettext_noop("no correction reported by the deadline %(d)s"), {"d": order.deadline}))
                report["escalated_overdue"] += 1
            elif order.reminded_at is None and today <= order.deadline <= today + timedelta(days=limits.remind_days_before):
                order.reminded_at = now
                order._change_reason = "reminder"
                order.save()
                _event(case=order.case, kind=EventKind.REMINDED, public=False,
                       note=_official(gettext_noop("Reminder to %(agency)s: the correction is due by %(d)s."), {"agency": order.case.agency.name, "d": order.deadline}))
                report["reminded"] += 1
    if limits.escalate_late_response:
        late = CorrectionOrder.objects.filter(response_late=True, case__status=CaseStatus.RESPONDED).select_related("case__complaint")
        for order in late:
            with transaction.atomic():
                _escalate(order.case, _official(gettext_noop("the correction was reported after the deadline %(d)s"), {"d": order.deadline}))
                report["escalated_late"] += 1
    stale = Case.objects.filter(
        status=CaseStatus.RECEIVED, flagged_at__isnull=True,
        created_at__lt=now - timedelta(days=limits.assign_within_days),
    )
    for case in stale:
        case.flagged_at = now
        _save(case, "flag")
        _event(case=case, kind=EventKind.FLAGGED, public=False,
               note=_official(gettext_noop("Not assigned for verification within %(n)d days."), {"n": limits.assign_within_days}))
        report["flagged"] += 1
    return report


def overdue_orders(today: date | None = None) -> QuerySet[CorrectionOrder]:
    today = today or timezone.localdate()
    return CorrectionOrder.objects.filter(responded_at__isnull=True, deadline__lt=today)


def as_datetime(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, datetime.min.time()))
