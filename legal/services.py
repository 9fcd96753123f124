"""The only code that writes the legal registry: sources, provisions, and recorded law changes."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.audit import record
from core.models import AuditAction

from .choices import Jurisdiction, SourceLevel, Status
from .citations import Citation, format_article
from .models import LawChange, LegalSource, Provision
from .signals import law_changed


class LegalError(Exception):
    pass


@dataclass
class Resolved:
    source: LegalSource
    provision: Provision | None


def in_force_source(name: str, on: date | None = None) -> LegalSource | None:
    """The text of a law in force (on a date, when given): the newest one not amended or repealed."""
    sources = LegalSource.objects.filter(name=name)
    if on is not None:
        sources = sources.filter(Q(effective__isnull=True) | Q(effective__lte=on))
    return (
        sources.filter(status=Status.IN_FORCE).order_by("-effective", "-id").first()
        or sources.order_by("-effective", "-id").first()
    )


def resolve(citation: Citation, *, source: LegalSource | None = None, create: bool = False) -> Resolved:
    """Find the source and provision a citation names. Raises LegalError with a message in the user's language."""
    source = source or in_force_source(citation.law)
    if source is None:
        raise LegalError(_("“%(law)s” is not in the legal registry.") % {"law": citation.law})
    if citation.article is None:
        return Resolved(source, None)
    lookup = {"source": source, "article": citation.article, "paragraph": citation.paragraph, "item": citation.item}
    provision = Provision.objects.filter(**lookup).first()
    if provision is None:
        if not create:
            raise LegalError(
                _("%(law)s has no provision %(article)s in the legal registry.")
                % {"law": source, "article": format_article(citation.article, citation.paragraph, citation.item)}
            )
        provision = Provision.objects.create(**lookup)
    return Resolved(source, provision)


def ensure_source(name: str, level: str = SourceLevel.LAW, **fields: Any) -> LegalSource:
    version = fields.pop("version_label", "")
    source, created = LegalSource.objects.get_or_create(
        name=name, version_label=version, defaults={"level": level, **fields}
    )
    return source


@transaction.atomic
def record_change(
    user: Any,
    *,
    source: LegalSource,
    provision: Provision | None = None,
    new_status: str,
    replacement: LegalSource | None = None,
    effective: date | None = None,
    note: str = "",
) -> LawChange:
    """Mark a source or one provision amended or repealed; every work item citing it gets flagged (signal)."""
    if new_status not in (Status.AMENDED, Status.REPEALED):
        raise LegalError(_("A law change marks a text amended or repealed."))
    if provision is not None and provision.source_id != source.pk:
        raise LegalError(_("The provision does not belong to this source."))
    target: Any = provision or source
    target.status = new_status
    if provision is None and replacement is not None:
        source.superseded_by = replacement
    target._change_reason = note or new_status
    target.save()
    change = LawChange.objects.create(
        source=source, provision=provision, new_status=new_status, replacement=replacement, effective=effective,
        note=note, recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    results = law_changed.send(sender=LawChange, change=change, user=user)
    change.flagged_items = sum(int(value or 0) for _receiver, value in results)
    change.save(update_fields=["flagged_items"])
    record(AuditAction.WORKFLOW, user=user, obj=change, step="law_change", status=new_status,
           flagged=change.flagged_items, region_code="")
    return change


def may_edit_registry(user: Any) -> bool:
    """The provincial civil-affairs department keeps the registry (it compiles the catalog, Art. 4(1))."""
    if getattr(user, "is_superuser", False):
        return True
    for membership in getattr(user, "cached_memberships", lambda: [])():
        org = membership.organisation
        if org.kind == "civil_affairs" and org.region.level == 1 and membership.role in ("editor", "administrator"):
            return True
    return False


NATIONAL_OR_PROVINCIAL = (Jurisdiction.NATIONAL, Jurisdiction.PROVINCIAL)


def _require_editor(user: Any) -> None:
    if not may_edit_registry(user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


@transaction.atomic
def add_source(user: Any, *, name: str, level: str, version_label: str = "", jurisdiction: str = Jurisdiction.NATIONAL,
               issued_by: str = "", document_number: str = "", promulgated: date | None = None,
               effective: date | None = None, note: str = "") -> LegalSource:
    _require_editor(user)
    name = name.strip().strip("《》")
    if not name:
        raise LegalError(_("Give the name of the law or document."))
    if level not in SourceLevel.values or jurisdiction not in Jurisdiction.values:
        raise LegalError(_("Choose a level and a jurisdiction from the lists."))
    if LegalSource.objects.filter(name=name, version_label=version_label.strip()).exists():
        raise LegalError(_("This text is already in the registry."))
    source = LegalSource(
        name=name, level=level, version_label=version_label.strip(), jurisdiction=jurisdiction, issued_by=issued_by.strip(),
        document_number=document_number.strip(), promulgated=promulgated, effective=effective, note=note.strip(),
    )
    source._change_reason = "added"
    source.save()
    record(AuditAction.CREATE, user=user, obj=source)
    return source


@transaction.atomic
def add_provision(user: Any, source: LegalSource, label: str, text: str = "") -> Provision:
    """Register an article (条), paragraph (款) or item (项) of a source, written as in the law: 第十条第一款第（三）项."""
    from .citations import CitationError, parse_article

    _require_editor(user)
    try:
        article, paragraph, item = parse_article(label.replace(" ", ""))
    except CitationError:
        raise LegalError(_("Write the provision as 第X条[第Y款][第（Z）项].")) from None
    provision, created = Provision.objects.get_or_create(
        source=source, article=article, paragraph=paragraph, item=item, defaults={"text": text.strip()}
    )
    if not created and text.strip():
        provision.text = text.strip()
        provision.save()
    record(AuditAction.CREATE if created else AuditAction.UPDATE, user=user, obj=provision)
    return provision
