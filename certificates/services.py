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
    changes, additions, omit = dict(changes or {}), list(additions or []), dict(omit or {})
    with transaction.atomic():
        catalog, _created = Catalog.objects.get_or_create(
            region=region, defaults={"title": title, "is_sample": upper.catalog.is_sample}
        )
        # One draft at a time: a second one would silently fork the local changes.
        if catalog.versions.filter(status=Status.DRAFT).exists():
            raise CertificateError("draft_exists", _("A draft of this catalog already exists: continue editing it."),
                                   status.HTTP_409_CONFLICT)
        if title and title != catalog.title:
            catalog.title = title
            catalog.save(update_fields=["title", "updated_at"])
        _carry_over_local_changes(catalog, upper, changes, additions, omit)
        version = _new_version(catalog, upper)
        position = 0
        for t in upper.types.all():
            if t.code in omit:
                version.omissions[t.code] = {"name": t.name, "reason": omit[t.code]}
                continue
            values = {f.name: getattr(t, f.name) for f in CertificateType._meta.concrete_fields
                      if f.name not in ("id", "version", "local_change", "local_note", "position")}
            change = dict(changes.get(t.code, {}))
            note = change.pop("local_note", "")
            values.update(change)
            changed = any(values[k] != getattr(t, k) for k in change)
            CertificateType.objects.create(
                version=version, position=position, local_change=LocalChange.MODIFIED if changed else LocalChange.NONE,
                local_note=note if changed else "", **values,
            )
            position += 1
        for extra in additions:
            extra = dict(extra)
            extra.setdefault("local_note", "")
            CertificateType.objects.create(version=version, position=position, local_change=LocalChange.ADDED, **extra)
            position += 1
        if version.omissions:
            version.save(update_fields=["omissions", "updated_at"])
        record(AuditAction.CREATE, user=user, obj=version, based_on=upper.pk, omitted=omit)
    return version


def _carry_over_local_changes(catalog: Catalog, upper: CatalogVersion, changes: dict[str, dict[str, Any]],
                              additions: list[dict[str, Any]], omit: dict[str, str]) -> None:
    """A new version keeps the local changes of the latest published one (explicit arguments win): deriving again
    after the catalog above changed must not silently drop what the region decided."""
    previous = catalog.versions.filter(status__in=PUBLIC_STATUSES).order_by("-number").first()
    if previous is None:
        return
    upper_codes = set(upper.types.values_list("code", flat=True))
    added_codes = {a.get("code") for a in additions}
    for t in previous.types.all():
        if t.local_change == LocalChange.MODIFIED and t.code in upper_codes and t.code not in changes:
            changes[t.code] = {**_type_values(t), "local_note": t.local_note}
        elif t.local_change == LocalChange.ADDED and t.code not in upper_codes and t.code not in added_codes:
            additions.append({"code": t.code, **_type_values(t), "local_note": t.local_note})
    for code, left_out in (previous.omissions or {}).items():
        if code in upper_codes:
            omit.setdefault(code, left_out.get("reason", ""))


def publish_catalog(version: CatalogVersion, *, user: Any = None, effective_from: date | None = None,
                    approval_document: str = "", lock_version: int | None = None) -> CatalogVersion:
    """Publish a draft (the catalog in force from `effective_from`); 409 when `lock_version` is stale."""
    if user is not None and not _can_manage_catalog(user, version.catalog.region):
        raise _denied()
    with transaction.atomic():
        version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != Status.DRAFT:
            raise CertificateError("wrong_state", _("Only a draft can be published."), status.HTTP_409_CONFLICT)
        if lock_version is not None and version.lock_version != lock_version:
            raise _stale_draft()
        CatalogVersion.objects.filter(catalog=version.catalog, status=Status.PUBLISHED).update(status=Status.SUPERSEDED)
        version.status, version.published_at = Status.PUBLISHED, timezone.now()
        version.effective_from = effective_from or timezone.localdate()
        version.approval_document = approval_document or version.approval_document
        version.lock_version += 1
        version._history_user = user
        version._change_reason = (approval_document or "publish")[:100]
        version.save()
        record(AuditAction.WORKFLOW, user=user, obj=version, step="publish")
    return version


def _can_manage_catalog(user: Any, region: Region) -> bool:
    return any(
        m.organisation.region_id == region.pk and m.organisation.kind == OrganisationKind.CIVIL_AFFAIRS
        and Action.CHANGE in ROLE_ACTIONS[m.role]
        for m in user.cached_memberships()
    ) or getattr(user, "is_superuser", False)


# --- Catalog editing by a city or county civil-affairs department (Art. 9(2)) -------------------------------------

TYPE_CODE = re.compile(r"^[A-Z][A-Z0-9\-]{1,15}$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LOCAL_NOTE_MAX = 300  # CertificateType.local_note's max_length
PLACEHOLDER = re.compile(r"\{(\w+)\}")
APPLIES_TO = ("both", "village", "community")
FIELD_KINDS = ("text", "date", "number", "choice")
# What a local change may touch; the code identifies a type across catalogs and never changes.
EDITABLE_FIELDS = ("name", "applies_to", "purpose", "basis", "requesting_authority", "procedure", "materials", "steps",
                   "time_limit_days", "statement", "fields")
MAX_TIME_LIMIT_DAYS = 60


def can_manage_catalog(user: Any, region: Region) -> bool:
    """The civil-affairs department of this very city or county, with the editor role (or a superuser)."""
    return bool(getattr(user, "is_authenticated", False)) and _can_manage_catalog(user, region)


def manageable_regions(user: Any) -> list[Region]:
    """Cities and counties whose certificate catalog the user's civil-affairs department derives and publishes."""
    if not getattr(user, "is_authenticated", False):
        return []
    regions = {
        m.organisation.region.pk: m.organisation.region for m in user.cached_memberships()
        if m.organisation.kind == OrganisationKind.CIVIL_AFFAIRS and Action.CHANGE in ROLE_ACTIONS[m.role]
        and m.organisation.region.level in (Level.CITY, Level.COUNTY)
    }
    return sorted(regions.values(), key=lambda r: r.code)


def open_draft(region: Region) -> CatalogVersion | None:
    return CatalogVersion.objects.filter(catalog__region=region, status=Status.DRAFT).order_by("-number").first()


def _stale_draft() -> CertificateError:
    return CertificateError(
        "conflict", _("Someone else changed this draft meanwhile. Your input is kept below: compare with the current draft "
                      "and save again."), status.HTTP_409_CONFLICT,
    )


def _locked_draft(user: Any, version: CatalogVersion, lock: int | None) -> CatalogVersion:
    """The draft row locked for this change; 403 without the right, 409 when published or changed meanwhile."""
    if not can_manage_catalog(user, version.catalog.region):
        raise _denied()
    current = (CatalogVersion.objects.select_for_update(of=("self",)).select_related("catalog__region", "based_on")
               .get(pk=version.pk))
    if current.status != Status.DRAFT:
        raise CertificateError("wrong_state", _("Only a draft can be changed; derive a new version to change a published "
                                                "catalog."), status.HTTP_409_CONFLICT)
    if lock is None or int(lock) != current.lock_version:
        raise _stale_draft()
    return current


def _touch(user: Any, version: CatalogVersion, reason: str) -> None:
    """Every change to a draft moves its lock on, so an edit made from an older page is refused (409)."""
    version.lock_version += 1
    version._history_user = user
    version._change_reason = reason[:100]
    version.save(update_fields=["lock_version", "omissions", "updated_at"])


def validate_type_data(data: dict[str, Any], *, code: str | None = None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean the fields of a certificate type (a local addition or a changed inherited one); (clean, errors)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    def text(name: str, limit: int, *, required: bool = True) -> None:
        value = str(data.get(name) or "").strip()
        if required and not value:
            errors[name] = [_("This field is required.")]
        elif len(value) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
        clean[name] = value

    if code is not None:
        if not TYPE_CODE.fullmatch(code):
            errors["code"] = [_("Use capital letters, digits and hyphens, starting with a letter (e.g. HG01).")]
        clean["code"] = code
    text("name", 200)
    text("purpose", 300)
    text("basis", 500)  # Art. 9: a committee certifies only what a law or rule asks of it
    text("requesting_authority", 300)
    text("procedure", 2000)
    text("statement", 1000, required=False)
    applies_to = str(data.get("applies_to") or "both")
    if applies_to not in APPLIES_TO:
        errors["applies_to"] = [_("Choose one of the listed values.")]
    clean["applies_to"] = applies_to
    for name in ("materials", "steps"):
        items = [str(x).strip() for x in (data.get(name) or []) if str(x).strip()]
        if not items:
            errors[name] = [_("Give at least one line.")]
        elif any(len(x) > 200 for x in items):
            errors[name] = [_("At most %(n)d characters per line.") % {"n": 200}]
        clean[name] = items
    try:
        days = int(data.get("time_limit_days") or 0)
        if not 0 <= days <= MAX_TIME_LIMIT_DAYS:
            raise ValueError
    except (TypeError, ValueError):
        errors["time_limit_days"] = [_("Enter a whole number of working days from 0 (on the spot) to %(n)d.")
                                     % {"n": MAX_TIME_LIMIT_DAYS}]
        days = 0
    clean["time_limit_days"] = days
    fields, field_errors = _clean_template_fields(data.get("fields") or [])
    if field_errors:
        errors["fields"] = field_errors
    clean["fields"] = fields
    unknown = sorted({m for m in PLACEHOLDER.findall(clean["statement"])} - {"name"} - {f["name"] for f in fields})
    if unknown and "fields" not in errors:
        errors["statement"] = [_("The statement uses {%(names)s}, which is not a template field.") % {"names": "}, {".join(unknown)}]
    return clean, errors


def _clean_template_fields(specs: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The standard template's typed fields: [{name, label, type, required, choices?}]."""
    fields: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: set[str] = set()
    if not specs:
        errors.append(_("A standard template needs at least one field."))
    for n, spec in enumerate(specs, start=1):
        spec = spec if isinstance(spec, dict) else {}
        name, label = str(spec.get("name") or "").strip(), str(spec.get("label") or "").strip()
        kind = str(spec.get("type") or "text").strip()
        if not FIELD_NAME.fullmatch(name):
            errors.append(_("Line %(n)d: the field name must be lower-case letters, digits or _ (e.g. hours).") % {"n": n})
        elif name in seen or name == "name":
            errors.append(_("Line %(n)d: the field name “%(name)s” is used twice.") % {"n": n, "name": name})
        seen.add(name)
        if not label or len(label) > 50:
            errors.append(_("Line %(n)d: give a label of at most 50 characters.") % {"n": n})
        if kind not in FIELD_KINDS:
            errors.append(_("Line %(n)d: the type must be text, date, number or choice.") % {"n": n})
        field: dict[str, Any] = {"name": name, "label": label, "type": kind, "required": bool(spec.get("required"))}
        if kind == "choice":
            choices = [str(c).strip() for c in (spec.get("choices") or []) if str(c).strip()]
            if len(choices) < 2:
                errors.append(_("Line %(n)d: a choice field needs at least two values.") % {"n": n})
            field["choices"] = choices
        fields.append(field)
    return fields, errors


def _upper_type(version: CatalogVersion, code: str) -> CertificateType | None:
    return version.based_on.types.filter(code=code).first() if version.based_on_id else None


def _type_values(t: CertificateType) -> dict[str, Any]:
    return {name: getattr(t, name) for name in EDITABLE_FIELDS}


def add_type(user: Any, version: CatalogVersion, data: dict[str, Any], *, lock: int | None,
             request: Any = None) -> CertificateType:
    """A local certificate type (added locally, with its legal basis, procedure and template)."""
    code = str(data.get("code") or "").strip().upper()
    clean, errors = validate_type_data(data, code=code)
    note = str(data.get("local_note") or "").strip()
    with transaction.atomic():
        current = _locked_draft(user, version, lock)
        upper_codes = set(current.based_on.types.values_list("code", flat=True)) if current.based_on_id else set()
        if "code" not in errors and (current.types.filter(code=code).exists() or code in upper_codes):
            errors["code"] = [_("This code is already used in this catalog or the one above.")]
        if len(note) > LOCAL_NOTE_MAX:  # refused like change_type does, never cut silently
            errors["local_note"] = [_("At most %(n)d characters.") % {"n": LOCAL_NOTE_MAX}]
        if errors:
            raise CertificateError("invalid", _("The certificate type has errors."), fields=errors)
        position = (current.types.aggregate(m=Max("position"))["m"] or 0) + 1
        ctype = CertificateType(version=current, position=position, local_change=LocalChange.ADDED, local_note=note,
                                **clean)
        ctype._history_user = user
        ctype._change_reason = (note or _("Added locally"))[:100]
        ctype.save()
        _touch(user, current, f"+{code}")
        record(AuditAction.CREATE, user=user, obj=ctype, request=request, catalog_version=current.pk)
    return ctype


def change_type(user: Any, version: CatalogVersion, code: str, data: dict[str, Any], *, lock: int | None,
                request: Any = None) -> CertificateType:
    """Change a type of the draft: an inherited one becomes "changed locally" and needs the reason; set back to the
    upper catalog's values, it is inherited again."""
    clean, errors = validate_type_data(data)
    note = str(data.get("local_note") or "").strip()
    with transaction.atomic():
        current = _locked_draft(user, version, lock)
        ctype = current.types.filter(code=code).first()
        if ctype is None:
            raise CertificateError("not_found", _("This type is not in the draft."), status.HTTP_404_NOT_FOUND)
        if ctype.local_change == LocalChange.ADDED:
            kind = LocalChange.ADDED
        else:
            upper = _upper_type(current, code)
            kind = LocalChange.MODIFIED if upper is None or _type_values(upper) != clean else LocalChange.NONE
            if kind == LocalChange.MODIFIED and not note:
                errors["local_note"] = [_("Give the reason for changing a type of the catalog above (Art. 9).")]
            if kind == LocalChange.NONE:
                note = ""
        if len(note) > LOCAL_NOTE_MAX:
            errors["local_note"] = [_("At most %(n)d characters.") % {"n": LOCAL_NOTE_MAX}]
        if errors:
            raise CertificateError("invalid", _("The certificate type has errors."), fields=errors)
        for name, value in clean.items():
            setattr(ctype, name, value)
        ctype.local_change, ctype.local_note = kind, note
        ctype._history_user = user
        ctype._change_reason = (note or _("Changed locally"))[:100]
        ctype.save()
        _touch(user, current, f"~{code}")
        record(AuditAction.UPDATE, user=user, obj=ctype, request=request, catalog_version=current.pk)
    return ctype


def remove_type(user: Any, version: CatalogVersion, code: str, reason: str, *, lock: int | None,
                request: Any = None) -> None:
    """Leave a type out of the draft. A type of the catalog above is left out only with a reason, kept and shown."""
    reason = (reason or "").strip()
    with transaction.atomic():
        current = _locked_draft(user, version, lock)
        ctype = current.types.filter(code=code).first()
        if ctype is None:
            raise CertificateError("not_found", _("This type is not in the draft."), status.HTTP_404_NOT_FOUND)
        inherited = _upper_type(current, code) is not None
        if inherited and not reason:
            raise CertificateError("invalid", _("Give the reason for leaving out a type of the catalog above (Art. 9)."),
                                   fields={"reason": [_("This field is required.")]})
        if inherited:
            current.omissions = {**current.omissions, code: {"name": ctype.name, "reason": reason[:300]}}
        ctype._history_user = user
        ctype._change_reason = (reason or _("Left out locally"))[:100]
        ctype.delete()
        _touch(user, current, f"-{code}")
        record(AuditAction.DELETE, user=user, obj=current, request=request, type=code, reason=reason[:300])


def restore_type(user: Any, version: CatalogVersion, code: str, *, lock: int | None, request: Any = None) -> CertificateType:
    """Take a left-out type of the catalog above back, as it is there."""
    with transaction.atomic():
        current = _locked_draft(user, version, lock)
        upper = _upper_type(current, code)
        if upper is None or code not in current.omissions or current.types.filter(code=code).exists():
            raise CertificateError("not_found", _("This type is not left out of the draft."), status.HTTP_404_NOT_FOUND)
        position = (current.types.aggregate(m=Max("position"))["m"] or 0) + 1
        ctype = CertificateType(version=current, code=code, position=position, **_type_values(upper))
        ctype._history_user = user
        ctype._change_reason = _("Taken back from the catalog above")[:100]
        ctype.save()
        current.omissions = {k: v for k, v in current.omissions.items() if k != code}
        _touch(user, current, f"+{code}")
        record(AuditAction.UPDATE, user=user, obj=current, request=request, restored=code)
    return ctype


@dataclass
class TypeChange:
    code: str
    name: str
    kind: str  # added | modified | omitted
    note: str = ""
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (label, in the catalog above, here)


@dataclass
class CatalogDiff:
    upper: CatalogVersion | None
    changes: list[TypeChange]
    unchanged: int


def diff_with_upper(version: CatalogVersion) -> CatalogDiff:
    """What the version changes against the catalog it derives from: added, changed (field by field), left out."""
    upper_types = {t.code: t for t in version.based_on.types.all()} if version.based_on_id else {}
    changes: list[TypeChange] = []
    unchanged = 0
    labels = {f.name: str(f.verbose_name) for f in CertificateType._meta.concrete_fields}
    for t in version.types.all():
        upper = upper_types.get(t.code)
        if upper is None:
            changes.append(TypeChange(t.code, t.name, "added", t.local_note))
            continue
        differing = tuple((labels[n], getattr(upper, n), getattr(t, n)) for n in EDITABLE_FIELDS
                          if getattr(upper, n) != getattr(t, n))
        if differing:
            changes.append(TypeChange(t.code, t.name, "modified", t.local_note, differing))
        else:
            unchanged += 1
    present = set(version.types.values_list("code", flat=True))
    for code, upper in upper_types.items():
        if code not in present:
            reason = (version.omissions.get(code) or {}).get("reason", "")
            changes.append(TypeChange(code, upper.name, "omitted", reason))
    return CatalogDiff(version.based_on, changes, unchanged)


@dataclass
class HistoryEntry:
    when: Any
    who: str
    what: str
    reason: str


def catalog_history(version: CatalogVersion, limit: int = 100) -> list[HistoryEntry]:
    """Who changed what in this version and why, newest first (django-simple-history)."""
    marks = {"+": "+", "~": "~", "-": "−"}
    entries = [
        HistoryEntry(h.history_date, getattr(h.history_user, "username", "") or "—",
                     f"{marks[h.history_type]} {h.code} {h.name}", h.history_change_reason or "")
        for h in CertificateType.history.filter(version_id=version.pk).select_related("history_user")
        .order_by("-history_date")[:limit]
    ]
    published = False
    for h in CatalogVersion.history.filter(id=version.pk).select_related("history_user").order_by("history_date"):
        who = getattr(h.history_user, "username", "") or "—"
        if h.history_type == "+":
            entries.append(HistoryEntry(h.history_date, who, _("Draft derived"), ""))
        elif h.status == Status.PUBLISHED and not published:  # later saves of the version are lock moves, not news
            published = True
            entries.append(HistoryEntry(h.history_date, who, _("Published"), h.approval_document))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


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
