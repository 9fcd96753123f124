"""Business rules of certificates (Art. 9): negative list and catalog versions, issuance, verification, request checks.

Views and API are thin: every workflow change (publish, derive, issue, reprint, revoke, record a refused demand) goes
through this module, which checks the actor's scope and writes the audit trail.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from accounts.choices import ROLE_ACTIONS, Action
from core.api import ApiError
from core.audit import record
from core.models import AuditAction
from regions.choices import Level, OrganisationKind
from regions.models import Organisation, Region

from . import crypto, matcher, signing
from .models import (
    PUBLIC_STATUSES,
    Catalog,
    CatalogVersion,
    Certificate,
    CertificateStatus,
    CertificateType,
    LocalChange,
    NegativeItem,
    NegativeListVersion,
    RefusedDemand,
    Status,
)
from .rendering import CertificateContext, mask_id_number, mask_phone, render_certificate, render_pdf

DATA_DIR = Path(__file__).resolve().parent / "data"
TEMPLATES_TOML = DATA_DIR / "templates.toml"
PROVINCE_CODE = "210000000000"
PROVINCE_CATALOG_TITLE = "辽宁省基层群众性自治组织出具证明事项指导目录（示例数据）"
NEGATIVE_TITLE = "辽宁省不应由基层群众性自治组织出具证明事项清单（第一批）"
NEGATIVE_SOURCE = "民发〔2020〕20号 国家第一批清单"
ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")
PHONE = re.compile(r"^[\d\-+ ]{5,20}$")


class CertificateError(ApiError):
    """A business-rule error with optional per-field messages (DESIGN §8 error format)."""

    def __init__(self, code: str, message: str, status_code: int = status.HTTP_400_BAD_REQUEST,
                 fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(code, message, status_code)
        self.fields = fields or {}


def _denied() -> CertificateError:
    return CertificateError("permission_denied", _("You may not do this for this committee."), status.HTTP_403_FORBIDDEN)


# --- Templates (式样) data ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def template_data() -> dict[str, dict[str, Any]]:
    """code → template and procedure (data/templates.toml)."""
    with open(TEMPLATES_TOML, "rb") as fh:
        return {t["code"]: t for t in tomllib.load(fh).get("type", [])}


# --- Negative list ------------------------------------------------------------------------------------------------


def import_negative_list(*, publish: bool = True) -> NegativeListVersion:
    """A new version of the provincial negative list from the national CSV and the alias data."""
    province = Region.objects.get(code=PROVINCE_CODE)
    entries = matcher.load_negative_list()
    with transaction.atomic():
        number = (NegativeListVersion.objects.filter(region=province).aggregate(m=Max("number"))["m"] or 0) + 1
        version = NegativeListVersion.objects.create(
            region=province, number=number, title=NEGATIVE_TITLE, source_document=NEGATIVE_SOURCE,
        )
        NegativeItem.objects.bulk_create(
            NegativeItem(
                version=version, code=e.code, seq=e.seq, name=e.name, handled_by=e.handled_by,
                handled_by_verified=e.handled_by_verified, guidance=e.guidance, aliases=list(e.aliases),
                weak_aliases=list(e.weak_aliases), combinations=[list(c) for c in e.combinations], priority=e.priority,
            )
            for e in entries
        )
        if publish:
            NegativeListVersion.objects.filter(region=province, status=Status.PUBLISHED).update(status=Status.SUPERSEDED)
            version.status, version.published_at = Status.PUBLISHED, timezone.now()
            version.save(update_fields=["status", "published_at", "updated_at"])
        record(AuditAction.IMPORT, obj=version, items=len(entries))
    return version


def negative_version() -> NegativeListVersion | None:
    return NegativeListVersion.objects.filter(status=Status.PUBLISHED).order_by("-number").first()


def negative_items(version: NegativeListVersion | None = None) -> list[NegativeItem]:
    version = version or negative_version()
    return list(version.items.all()) if version else []


def negative_for_matcher(items: list[NegativeItem]) -> matcher.NegativeList:
    """The database list as the matcher's NegativeList (aliases were normalised on import); unlisted hints from data."""
    entries = tuple(
        matcher.NegativeEntry(
            code=i.code, name=i.name, handled_by=i.handled_by, handled_by_verified=i.handled_by_verified,
            aliases=matcher._phrases([*matcher._name_aliases(i.name), *i.aliases]), guidance=i.guidance,
            combinations=matcher._combinations(i.combinations), priority=i.priority, seq=i.seq,
            weak_aliases=matcher._phrases(i.weak_aliases),
        )
        for i in items
    )
    return matcher.NegativeList(entries=entries, unlisted=matcher.default_negative_list().unlisted)


# --- Catalog ------------------------------------------------------------------------------------------------------


def _template_fields(code: str) -> dict[str, Any]:
    t = template_data().get(code, {})
    return {
        "requesting_authority": t.get("requesting_authority", ""),
        "materials": list(t.get("materials", [])),
        "steps": list(t.get("steps", [])),
        "time_limit_days": int(t.get("time_limit_days", 0)),
        "statement": t.get("statement", ""),
        "fields": [dict(f) for f in t.get("fields", [])],
    }


def publish_province_catalog(csv_path: Path | None = None, *, effective_from: date | None = None) -> CatalogVersion:
    """Publish the province catalog from the sample CSV (labelled 示例数据) with the templates data."""
    province = Region.objects.get(code=PROVINCE_CODE)
    with transaction.atomic():
        catalog, _created = Catalog.objects.get_or_create(
            region=province, defaults={"title": PROVINCE_CATALOG_TITLE, "is_sample": True}
        )
        version = _new_version(catalog, None)
        with open(csv_path or matcher.CATALOG_CSV, encoding="utf-8-sig", newline="") as fh:
            for position, row in enumerate(csv.DictReader(fh)):
                code = row["code"].strip()
                CertificateType.objects.create(
                    version=version, code=code, name=row["name"].strip(), purpose=row.get("purpose", "").strip(),
                    procedure=row.get("procedure", "").strip(), basis=row.get("basis", "").strip(),
                    applies_to=row.get("applies_to", "both").strip() or "both", position=position,
                    **_template_fields(code),
                )
        publish_catalog(version, effective_from=effective_from)
    return version


def _new_version(catalog: Catalog, based_on: CatalogVersion | None) -> CatalogVersion:
    number = (catalog.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    return CatalogVersion.objects.create(catalog=catalog, number=number, based_on=based_on)


def upper_catalog_version(region: Region, on: date | None = None) -> CatalogVersion | None:
    """The published catalog above a region (the one a city or county derives from)."""
    codes = [c for c in chain_codes(region) if c != region.code]
    return _resolve(codes, on)


def derive_catalog(
    user: Any, region: Region, *, title: str, changes: dict[str, dict[str, Any]] | None = None,
    additions: list[dict[str, Any]] | None = None, omit: dict[str, str] | None = None,
) -> CatalogVersion:
    """A city or county catalog version derived from the catalog above it, with local changes (Art. 9(2)).

    `changes` code → {field: value, "local_note": why}; `additions` new types (code, name, …, local_note);
    `omit` code → reason (a type not applicable locally). The new version is a draft until published."""
    if region.level not in (Level.CITY, Level.COUNTY):
        raise CertificateError("invalid", _("Only a city or a county derives a certificate catalog."))
    if user is not None and not _can_manage_catalog(user, region):
        raise _denied()
    upper = upper_catalog_version(region)
    if upper is None:
        raise CertificateError("no_upper_catalog", _("There is no published catalog above this region to derive from."),
                               status.HTTP_409_CONFLICT)
    changes, additions, omit = changes or {}, additions or [], omit or {}
    with transaction.atomic():
        catalog, _created = Catalog.objects.get_or_create(
            region=region, defaults={"title": title, "is_sample": upper.catalog.is_sample}
        )
        version = _new_version(catalog, upper)
        position = 0
        for t in upper.types.all():
            if t.code in omit:
                continue
            values = {f.name: getattr(t, f.name) for f in CertificateType._meta.concrete_fields
                      if f.name not in ("id", "version", "local_change", "local_note", "position")}
            change = dict(changes.get(t.code, {}))
            note = change.pop("local_note", "")
            values.update(change)
            CertificateType.objects.create(
                version=version, position=position, local_change=LocalChange.MODIFIED if change else LocalChange.NONE,
                local_note=note, **values,
            )
            position += 1
        for extra in additions:
            extra = dict(extra)
            extra.setdefault("local_note", "")
            CertificateType.objects.create(version=version, position=position, local_change=LocalChange.ADDED, **extra)
            position += 1
        record(AuditAction.CREATE, user=user, obj=version, based_on=upper.pk, omitted=omit)
    return version


def publish_catalog(version: CatalogVersion, *, user: Any = None, effective_from: date | None = None,
                    approval_document: str = "") -> CatalogVersion:
    if user is not None and not _can_manage_catalog(user, version.catalog.region):
        raise _denied()
    with transaction.atomic():
        version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != Status.DRAFT:
            raise CertificateError("wrong_state", _("Only a draft can be published."), status.HTTP_409_CONFLICT)
        CatalogVersion.objects.filter(catalog=version.catalog, status=Status.PUBLISHED).update(status=Status.SUPERSEDED)
        version.status, version.published_at = Status.PUBLISHED, timezone.now()
        version.effective_from = effective_from or timezone.localdate()
        version.approval_document = approval_document or version.approval_document
        version.lock_version += 1
        version.save()
        record(AuditAction.WORKFLOW, user=user, obj=version, step="publish")
    return version


def _can_manage_catalog(user: Any, region: Region) -> bool:
    return any(
        m.organisation.region_id == region.pk and m.organisation.kind == OrganisationKind.CIVIL_AFFAIRS
        and Action.CHANGE in ROLE_ACTIONS[m.role]
        for m in user.cached_memberships()
    ) or getattr(user, "is_superuser", False)


def chain_codes(region: Region) -> list[str]:
    """Codes of the province, city and county containing a region (most specific last)."""
    code = region.code
    return [code[:n].ljust(12, "0") for n, level in ((2, 1), (4, 2), (6, 3)) if level <= region.level]


def _resolve(codes: list[str], on: date | None) -> CatalogVersion | None:
    on = on or timezone.localdate()
    return (
        CatalogVersion.objects.filter(catalog__region__code__in=codes, status__in=PUBLIC_STATUSES, effective_from__lte=on)
        .select_related("catalog__region")
        .order_by("-catalog__region__level", "-number")
        .first()
    )


@dataclass
class EffectiveCatalog:
    version: CatalogVersion
    types: list[CertificateType]


def effective_catalog(region: Region, on: date | None = None) -> EffectiveCatalog | None:
    """The most specific published catalog in force for a region: county over city over province; by committee kind."""
    version = _resolve(chain_codes(region), on)
    if version is None:
        return None
    kind = region.committee_kind if region.level == Level.VILLAGE else ""
    return EffectiveCatalog(version=version, types=[t for t in version.types.all() if t.applies_to_kind(kind)])


def catalog_for_matcher(types: list[CertificateType], is_sample: bool) -> list[matcher.CatalogType]:
    aliases = matcher.load_catalog_aliases()
    return [
        matcher.catalog_type(
            code=t.code, name=t.name, purpose=t.purpose, procedure=t.procedure, basis=t.basis, applies_to=t.applies_to,
            aliases=aliases.get(t.code, {}).get("aliases", []), combinations=aliases.get(t.code, {}).get("combinations", []),
            is_sample=is_sample,
        )
        for t in types
    ]


def type_payload(t: CertificateType) -> dict[str, Any]:
    return {
        "code": t.code, "name": t.name, "purpose": t.purpose, "applies_to": t.applies_to,
        "requesting_authority": t.requesting_authority,
        "procedure": {"description": t.procedure, "materials": t.materials, "steps": t.steps,
                      "time_limit_days": t.time_limit_days},
        "legal_basis": matcher.parse_basis(t.basis), "template_fields": t.fields, "local_change": t.local_change,
    }


def negative_payload(i: NegativeItem) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "handled_by": i.handled_by, "handled_by_verified": i.handled_by_verified,
            "guidance": i.guidance}


def committee_payload(region: Region, on: date | None = None) -> dict[str, Any]:
    """GET /api/v1/committees/{code}/certificates: the may-issue catalog and the negative list (DESIGN §8)."""
    eff = effective_catalog(region, on)
    neg = negative_version()
    catalog = None
    if eff is not None:
        v = eff.version
        catalog = {
            "title": v.catalog.title, "level": v.catalog.region.level, "region": v.catalog.region.code,
            "version": v.number, "published_at": v.published_at.isoformat() if v.published_at else None,
            "effective_from": v.effective_from.isoformat() if v.effective_from else None,
            "is_sample": v.catalog.is_sample, "types": [type_payload(t) for t in eff.types],
        }
    return {
        "committee": {"code": region.code, "name": region.name, "kind": region.committee_kind},
        "catalog": catalog,
        "negative_list": {
            "title": neg.title if neg else "", "version": neg.number if neg else None,
            "source_document": neg.source_document if neg else "",
            "items": [negative_payload(i) for i in negative_items(neg)],
        },
    }


# --- Request check (Art. 9; DESIGN §8) ----------------------------------------------------------------------------


def committee_by_code(code: str) -> Region:
    """The committee with this code: 400 when the code is not a committee code, 404 when unknown."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{12}", code) or code.endswith("000"):
        raise CertificateError("invalid", _("The region must be the 12-digit code of a village or residents' committee."),
                               fields={"region": [_("Not a committee code.")]})
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise CertificateError("not_found", _("No committee has this code."), status.HTTP_404_NOT_FOUND)
    if region.level != Level.VILLAGE:
        raise CertificateError("invalid", _("The region must be the 12-digit code of a village or residents' committee."),
                               fields={"region": [_("Not a committee code.")]})
    return region


def check(region: Region, text: str, on: date | None = None) -> matcher.CertificateCheck:
    """Match free text against the negative list and the committee's effective catalog."""
    eff = effective_catalog(region, on)
    catalog = catalog_for_matcher(eff.types if eff else [], eff.version.catalog.is_sample if eff else False)
    negative = negative_for_matcher(negative_items())
    return matcher.check_request(text, negative, catalog, committee_kind=region.committee_kind or None)


# --- Who may issue ------------------------------------------------------------------------------------------------


def issuing_committees(user: Any) -> list[Region]:
    """Committees whose own organisation the user may act for (editor role in the committee itself)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        m.organisation.region for m in user.cached_memberships()
        if m.organisation.kind == OrganisationKind.COMMITTEE and Action.CHANGE in ROLE_ACTIONS[m.role]
    ]


def can_issue(user: Any, committee: Region) -> bool:
    return any(r.pk == committee.pk for r in issuing_committees(user))


def committee_organisation(region: Region) -> Organisation | None:
    return Organisation.objects.filter(region=region, kind=OrganisationKind.COMMITTEE).first()


# --- Issuance -----------------------------------------------------------------------------------------------------


def validate_values(ctype: CertificateType, values: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Clean the template's typed fields; (clean values, errors by field name)."""
    clean: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for spec in ctype.fields:
        name = spec["name"]
        raw = str(values.get(name, "") or "").strip()
        if not raw:
            if spec.get("required"):
                errors[name] = [_("This field is required.")]
            continue
        kind = spec.get("type", "text")
        if kind == "number":
            try:
                number = Decimal(raw)
                if not number.is_finite() or number < 0:
                    raise InvalidOperation
            except InvalidOperation:
                errors[name] = [_("Enter a number.")]
                continue
        elif kind == "date":
            try:
                raw = date.fromisoformat(raw).isoformat()
            except ValueError:
                errors[name] = [_("Enter a date as YYYY-MM-DD.")]
                continue
        elif kind == "choice" and raw not in spec.get("choices", []):
            errors[name] = [_("Choose one of the listed values.")]
            continue
        if len(raw) > 500:
            errors[name] = [_("At most 500 characters.")]
            continue
        clean[name] = raw
    return clean, errors


def fill_statement(template: str, name: str, values: dict[str, str]) -> str:
    data = {"name": name, **values}
    return re.sub(r"\{(\w+)\}", lambda m: data.get(m[1], "____"), template or "")


def _next_serial(committee: Region, on: date) -> str:
    prefix = f"{committee.code}-{on.year}-"
    last = (Certificate.objects.filter(serial__startswith=prefix).order_by("-serial").values_list("serial", flat=True).first())
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:05d}"


@dataclass
class Issued:
    certificate: Certificate
    pdf: bytes


def issue(
    user: Any, committee: Region, type_code: str, *, subject_name: str, subject_id_number: str, subject_phone: str = "",
    values: dict[str, Any] | None = None, base_url: str, request: Any = None, on: date | None = None,
) -> Issued:
    """Issue a certificate of a type in the committee's effective catalog, on the standard template."""
    if not can_issue(user, committee):
        raise _denied()
    eff = effective_catalog(committee, on)
    ctype = next((t for t in (eff.types if eff else []) if t.code == type_code), None)
    if ctype is None:
        raise CertificateError("not_in_catalog", _("This certificate type is not in the committee's catalog (Art. 9)."),
                               fields={"type": [_("Choose a type from the catalog.")]})
    clean, errors = validate_values(ctype, values or {})
    subject_name = (subject_name or "").strip()
    id_number = "".join((subject_id_number or "").split()).upper()
    phone = (subject_phone or "").strip()
    if not subject_name or len(subject_name) > 100:
        errors["subject_name"] = [_("Enter the person's name.")]
    if not ID_NUMBER.fullmatch(id_number):
        errors["subject_id_number"] = [_("Enter an 18-digit resident ID number.")]
    if phone and not PHONE.fullmatch(phone):
        errors["subject_phone"] = [_("Enter a phone number.")]
    if errors:
        raise CertificateError("invalid", _("The certificate has errors."), fields=errors)
    issued_on = on or timezone.localdate()
    statement = fill_statement(ctype.statement, subject_name, clean)
    labels = [(spec.get("label", spec["name"]), clean[spec["name"]]) for spec in ctype.fields if spec["name"] in clean]
    is_sample = eff.version.catalog.is_sample
    for _attempt in range(5):  # two officers of one committee issuing at once: the later one takes the next number
        serial = _next_serial(committee, issued_on)
        token, pdf = render_certificate(
            title=ctype.name, serial=serial, committee_code=committee.code, committee_name=committee_display_name(committee),
            type_code=ctype.code, subject_name=subject_name, subject_id_number=id_number, issued_on=issued_on,
            base_url=base_url, fields=labels, statement=statement, is_sample=is_sample,
        )
        try:
            with transaction.atomic():
                cert = Certificate.objects.create(
                    committee=committee, certificate_type=ctype, type_code=ctype.code, title=ctype.name, serial=serial,
                    issued_on=issued_on, subject_name=subject_name, subject_id_encrypted=crypto.encrypt(id_number),
                    subject_id_hash=crypto.lookup_hash(id_number), subject_phone_encrypted=crypto.encrypt(phone),
                    values_encrypted=crypto.encrypt_json(clean), statement=statement, is_sample=is_sample, token=token,
                    issued_by=user,
                )
                record(AuditAction.WORKFLOW, user=user, obj=cert, request=request, step="issue", type=ctype.code)
            return Issued(cert, pdf)
        except IntegrityError:
            continue
    raise CertificateError("conflict", _("Could not assign a serial number; please try again."), status.HTTP_409_CONFLICT)


def committee_display_name(region: Region) -> str:
    """Full name on paper: 沈阳市皇姑区……文官村民委员会 (ancestors below the province, then the committee)."""
    names = []
    node: Region | None = region
    while node is not None and node.level > Level.PROVINCE:
        names.append(node.name)
        node = node.parent
    return "".join(reversed(names))


def subject_details(cert: Certificate) -> dict[str, Any]:
    """Decrypted personal data, for the issuing committee and the paper certificate only."""
    return {"id_number": crypto.decrypt(cert.subject_id_encrypted), "phone": crypto.decrypt(cert.subject_phone_encrypted),
            "values": crypto.decrypt_json(cert.values_encrypted)}


def field_rows(cert: Certificate, values: dict[str, str]) -> list[tuple[str, str]]:
    return [(spec.get("label", spec["name"]), values[spec["name"]]) for spec in cert.certificate_type.fields
            if spec["name"] in values]


def reprint(user: Any, cert: Certificate, *, base_url: str, request: Any = None) -> bytes:
    """The same certificate again (same serial and token, so the printed QR stays valid); counted and audited."""
    if not can_issue(user, cert.committee):
        raise _denied()
    if cert.status == CertificateStatus.REVOKED:
        raise CertificateError("revoked", _("A revoked certificate cannot be reprinted."), status.HTTP_409_CONFLICT)
    details = subject_details(cert)
    pdf = render_pdf(CertificateContext(
        title=cert.title, serial=cert.serial, subject_name=cert.subject_name, subject_id_number=details["id_number"],
        committee_name=committee_display_name(cert.committee), issued_on=cert.issued_on, token=cert.token,
        base_url=base_url, fields=tuple(field_rows(cert, details["values"])), statement=cert.statement,
        committee_code=cert.committee.code, type_code=cert.type_code, is_sample=cert.is_sample,
    ))
    Certificate.objects.filter(pk=cert.pk).update(print_count=F("print_count") + 1)
    record(AuditAction.WORKFLOW, user=user, obj=cert, request=request, step="reprint")
    return pdf


def revoke(user: Any, cert: Certificate, reason: str, *, lock_version: int | None = None, request: Any = None) -> Certificate:
    """Revoke with a reason; the verification page says so from then on. 409 when someone changed it meanwhile."""
    if not can_issue(user, cert.committee):
        raise _denied()
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("invalid", _("Give the reason for the revocation."), fields={"reason": [_("This field is required.")]})
    with transaction.atomic():
        current = Certificate.objects.select_for_update().get(pk=cert.pk)
        if lock_version is not None and current.lock_version != lock_version:
            raise CertificateError("conflict", _("Someone else changed this certificate meanwhile; reload and try again."),
                                   status.HTTP_409_CONFLICT)
        if current.status == CertificateStatus.REVOKED:
            raise CertificateError("wrong_state", _("This certificate is already revoked."), status.HTTP_409_CONFLICT)
        current.status, current.revoked_at, current.revoked_by = CertificateStatus.REVOKED, timezone.now(), user
        current.revocation_reason = reason[:300]
        current.lock_version += 1
        current._change_reason = reason[:100]
        current.save()
        record(AuditAction.WORKFLOW, user=user, obj=current, request=request, step="revoke", reason=reason[:300])
    return current


def register_queryset(user: Any) -> QuerySet:
    from core.scoping import restrict

    return restrict(Certificate.objects.select_related("committee", "certificate_type"), user)


# --- Verification (public) ----------------------------------------------------------------------------------------

VALID, REVOKED, NOT_FOUND = "valid", "revoked", "not_found"


@dataclass
class Verification:
    status: str  # valid | revoked | not_found
    certificate: Certificate | None = None

    def essentials(self) -> dict[str, Any] | None:
        """What the public page shows: personal data masked."""
        c = self.certificate
        if c is None:
            return None
        return {
            "serial": c.serial, "title": c.title, "type_code": c.type_code, "committee": committee_display_name(c.committee),
            "committee_code": c.committee.code, "issued_on": c.issued_on.isoformat(), "subject_name": mask_name(c.subject_name),
            "subject_id_number": mask_id_number(crypto.decrypt(c.subject_id_encrypted)),
            "subject_phone": mask_phone(crypto.decrypt(c.subject_phone_encrypted)), "is_sample": c.is_sample,
            "revoked_on": c.revoked_at.date().isoformat() if c.revoked_at else None,
            "revocation_reason": c.revocation_reason if c.status == CertificateStatus.REVOKED else "",
        }


def mask_name(name: str) -> str:
    """张三丰 → 张**: the surname tells the certificate apart from the paper in hand; the rest is not needed."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def verify(token: str) -> Verification:
    """valid / revoked / not_found. A forged or altered token, or a genuine one not on record, is not found."""
    try:
        payload = signing.describe_payload(signing.read_token(token))
    except signing.InvalidToken:
        return Verification(NOT_FOUND)
    cert = Certificate.objects.select_related("committee", "certificate_type").filter(serial=payload["serial"]).first()
    if cert is None or cert.token != token or cert.committee.code != payload["committee_code"]:
        return Verification(NOT_FOUND)
    return Verification(REVOKED if cert.status == CertificateStatus.REVOKED else VALID, cert)


# --- Refused demands (supervision) --------------------------------------------------------------------------------


def record_refused_demand(user: Any, committee: Region, *, text: str, agency_name: str, agency: Organisation | None = None,
                          request: Any = None) -> RefusedDemand:
    """A committee records that an agency demanded a certificate on the negative list, and that it refused."""
    if not can_issue(user, committee):
        raise _denied()
    result = check(committee, text)
    if result.decision != matcher.MUST_NOT_ISSUE or result.prohibited is None:
        raise CertificateError("invalid", _("Only a demand for a certificate on the negative list is recorded as refused."),
                               fields={"text": [_("Not on the negative list.")]})
    agency_name = (agency_name or (agency.name if agency else "")).strip()
    if agency is None and agency_name:  # an agency above the committee named exactly: counted on its scorecard
        agency = Organisation.objects.filter(
            name=agency_name, region__code__in=[*chain_codes(committee), committee.code[:9] + "000"]
        ).exclude(kind=OrganisationKind.COMMITTEE).first()
    if not agency_name:
        raise CertificateError("invalid", _("Name the agency that asked."), fields={"agency_name": [_("This field is required.")]})
    with transaction.atomic():
        demand = RefusedDemand.objects.create(
            committee=committee, agency=agency, agency_name=agency_name[:200], text=text[:2000],
            negative_code=result.prohibited.code, negative_name=result.prohibited.name, recorded_by=user,
        )
        record(AuditAction.CREATE, user=user, obj=demand, request=request, negative=result.prohibited.code)
    return demand
