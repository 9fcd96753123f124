"""The only code that changes catalogs and lists: drafting, editing, the Art. 4 lifecycle, filing, law changes,
and the effective list of a committee. Views and the API call these functions; each checks who may act.
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Max, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import status

from accounts.choices import ROLE_ACTIONS, Action
from core.api import ApiError
from core.audit import record
from core.models import AuditAction
from legal.choices import Status
from legal.citations import format_article
from legal.models import LawChange, LegalSource, Provision
from regions.choices import Level, OrganisationKind
from regions.models import Organisation, Region

from . import engine
from .choices import OPEN_STATUSES, PUBLIC_STATUSES, FilingStatus, FlagStatus, ListKind, Origin, VersionStatus
from .models import Citation, Filing, ItemFlag, ListVersion, Notification, Omission, WorkItem, WorkList

CATALOG_TITLE = "辽宁省基层群众性自治组织工作事项指导目录"
ITEM_FIELDS = [
    "code", "name", "content", "category", "applies_to", "agency",
    "support_funding", "support_conditions", "support_information", "support_guidance",
]


class ValidationFailed(ApiError):
    def __init__(self, report: engine.Report) -> None:
        first = report.errors[0]
        super().__init__("validation_failed", _("The list has blocking errors: %(m)s") % {"m": f"{first.item} {first.message}"})
        self.report = report


def _denied(message: str | None = None) -> ApiError:
    return ApiError("permission_denied", message or _("You do not have permission to do this."), status.HTTP_403_FORBIDDEN)


def _wrong_state(version: ListVersion) -> ApiError:
    return ApiError(
        "conflict",
        _("This version is %(status)s; the step is not possible now.") % {"status": version.get_status_display()},
        status.HTTP_409_CONFLICT,
    )


# --- who may act -------------------------------------------------------------------------------------------------

def _acting_orgs(user: Any, action: str, kinds: tuple[str, ...], region: Region) -> list[Organisation]:
    """The user's organisations of these kinds, at exactly this region, in which a role grants `action`."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        m.organisation for m in user.cached_memberships()
        if m.organisation.region_id == region.pk and m.organisation.kind in kinds and action in ROLE_ACTIONS[m.role]
    ]


def can_edit(user: Any, worklist_or_region: WorkList | Region) -> bool:
    """Art. 4: the civil-affairs department of the level compiles its catalog or list."""
    region = worklist_or_region.region if isinstance(worklist_or_region, WorkList) else worklist_or_region
    return getattr(user, "is_superuser", False) or bool(
        _acting_orgs(user, Action.CHANGE, (OrganisationKind.CIVIL_AFFAIRS,), region)
    )


def can_approve(user: Any, worklist: WorkList) -> bool:
    """Art. 4: the people's government of the same level approves."""
    return getattr(user, "is_superuser", False) or bool(
        _acting_orgs(user, Action.APPROVE, (OrganisationKind.GOVERNMENT,), worklist.region)
    )


def can_review_filing(user: Any, filing: Filing) -> bool:
    """Art. 4(2): the upper civil-affairs department receives and reviews the filing."""
    if getattr(user, "is_superuser", False):
        return True
    return any(
        m.organisation_id == filing.filed_with_id and ({Action.CHANGE, Action.APPROVE} & ROLE_ACTIONS[m.role])
        for m in user.cached_memberships()
    ) if getattr(user, "is_authenticated", False) else False


def civil_affairs_of(region: Region) -> Organisation | None:
    return Organisation.objects.filter(region=region, kind=OrganisationKind.CIVIL_AFFAIRS, is_active=True).first()


def government_of(region: Region) -> Organisation | None:
    return Organisation.objects.filter(region=region, kind=OrganisationKind.GOVERNMENT, is_active=True).first()


def notify(org: Organisation | None, text: str, link: str = "") -> None:
    if org is not None:
        Notification.objects.create(recipient=org, text=text[:300], link=link[:300])


def notifications_for(user: Any) -> Any:
    orgs = [m.organisation_id for m in user.cached_memberships()] if getattr(user, "is_authenticated", False) else []
    return Notification.objects.filter(recipient_id__in=orgs)


def version_url(version: ListVersion) -> str:
    return reverse("worklists:version", args=[version.pk])


# --- documents and versions ----------------------------------------------------------------------------------

def upper_region(region: Region) -> Region | None:
    """Whose list a list derives from: a county's city, a city's province. The province has none."""
    if region.level <= Level.PROVINCE:
        return None
    parent = region.parent
    while parent is not None and parent.level > Level.CITY:
        parent = parent.parent
    return parent


def worklist_for(region: Region, create: bool = False) -> WorkList | None:
    if region.level not in (Level.PROVINCE, Level.CITY, Level.COUNTY):
        return None
    worklist = WorkList.objects.filter(region=region).first()
    if worklist is None and create:
        if region.level == Level.PROVINCE:
            kind, title = ListKind.CATALOG, CATALOG_TITLE
        else:
            kind, title = ListKind.LIST, f"{region.full_name()}基层群众性自治组织工作事项清单"
        worklist = WorkList.objects.create(region=region, kind=kind, title=title)
    return worklist


def in_force(worklist: WorkList, on: date | None = None) -> ListVersion | None:
    """The published version of this document in force on a date (today by default)."""
    on = on or timezone.localdate()
    return (
        worklist.versions.filter(status__in=PUBLIC_STATUSES, effective_from__lte=on).order_by("-number").first()
    )


def upper_in_force(region: Region, on: date | None = None) -> ListVersion | None:
    """The most specific published list above this region: the city's list, else the provincial catalog."""
    current = upper_region(region)
    while current is not None:
        worklist = worklist_for(current)
        if worklist is not None and (version := in_force(worklist, on)) is not None:
            return version
        current = upper_region(current)
    return None


def open_version(worklist: WorkList) -> ListVersion | None:
    return worklist.versions.filter(status__in=OPEN_STATUSES).first()


def _copy_item(item: WorkItem, version: ListVersion, *, derive: bool) -> WorkItem:
    copy = WorkItem(version=version, position=item.position, **{f: getattr(item, f) for f in ITEM_FIELDS})
    if derive:
        copy.origin, copy.derived_from_id = Origin.DERIVED, item.pk
    else:
        copy.origin, copy.derived_from_id = item.origin, item.derived_from_id
    copy.save()
    Citation.objects.bulk_create([
        Citation(item=copy, source_id=c.source_id, provision_id=c.provision_id, position=c.position)
        for c in item.citations.all()
    ])
    return copy


@transaction.atomic
def create_draft(
    user: Any, region: Region, *, source: str = "previous", upper: ListVersion | None = None, change_note: str = "",
) -> ListVersion:
    """Start a new version: an adjustment of the published one (source='previous'), a derivation from the
    upper catalog or list in force (source='upper'), or an empty one for an import (source='empty').
    Only one version may be open at a time."""
    if not can_edit(user, region):
        raise _denied(_("Only the civil-affairs department of this level compiles its catalog or list (Art. 4)."))
    worklist = worklist_for(region, create=True)
    if worklist is None:
        raise ApiError("invalid", _("Catalogs and lists exist only for the province, cities and counties."))
    WorkList.objects.select_for_update().filter(pk=worklist.pk).first()
    if (current := open_version(worklist)) is not None:
        raise ApiError(
            "conflict", _("Version %(n)d is still open; finish or withdraw it first.") % {"n": current.number},
            status.HTTP_409_CONFLICT,
        )
    previous = worklist.versions.filter(status__in=PUBLIC_STATUSES).order_by("-number").first()
    if source == "upper":
        upper = upper or upper_in_force(region)
        if upper is None:
            raise ApiError("invalid", _("There is no published catalog or upper list to derive from."))
    elif upper is None and previous is not None:
        upper = previous.upper
    number = (worklist.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ListVersion(
        worklist=worklist, number=number, title=worklist.title, previous=previous, upper=upper,
        change_note=change_note, created_by=user if getattr(user, "is_authenticated", False) else None,
        is_sample=bool(previous and previous.is_sample) or bool(upper and upper.is_sample),
    )
    version._change_reason = "create draft"
    version.save()
    if source == "upper":
        for item in upper.items.prefetch_related("citations"):
            _copy_item(item, version, derive=True)
    elif source == "previous" and previous is not None:
        for item in previous.items.prefetch_related("citations"):
            _copy_item(item, version, derive=False)
        for omission in previous.omissions.all():
            Omission.objects.create(version=version, upper_item=omission.upper_item, reason=omission.reason)
    record(AuditAction.WORKFLOW, user=user, obj=version, step="draft", source=source)
    return version


def _check_editable(user: Any, version: ListVersion, lock: int | None) -> None:
    if not can_edit(user, version.worklist):
        raise _denied()
    if not version.is_editable:
        raise ApiError("immutable", _("Only a draft can be edited; published versions never change."), status.HTTP_409_CONFLICT)
    if lock in (None, ""):
        return
    try:
        based_on = int(lock)
    except (TypeError, ValueError):
        raise ApiError("invalid", _("The form is damaged; reload the page.")) from None
    if based_on != version.lock:
        raise ApiError(
            "edit_conflict", _("Someone else changed this list meanwhile. Reload it and make your change again."),
            status.HTTP_409_CONFLICT,
        )


def _bump(version: ListVersion) -> None:
    # Compare-and-set: a concurrent edit that already bumped the counter makes this one fail. The counter is
    # technical, not business data, so it is updated without a history row; the edit itself is in the history.
    updated = ListVersion.objects.filter(pk=version.pk, lock=version.lock).update(lock=version.lock + 1)
    if not updated:
        raise ApiError(
            "edit_conflict", _("Someone else changed this list meanwhile. Reload it and make your change again."),
            status.HTTP_409_CONFLICT,
        )
    version.lock += 1


def set_citations(item: WorkItem, citations: list[tuple[LegalSource, Provision | None]]) -> None:
    item.citations.all().delete()
    Citation.objects.bulk_create([
        Citation(item=item, source=source, provision=provision, position=i) for i, (source, provision) in enumerate(citations)
    ])


@transaction.atomic
def save_item(
    user: Any, version: ListVersion, data: dict[str, Any], citations: list[tuple[LegalSource, Provision | None]],
    *, item: WorkItem | None = None, lock: int | None = None,
) -> WorkItem:
    """Add a local item (item=None) or change one. `lock` is the edit counter the user's form was based on."""
    version = ListVersion.objects.select_for_update().get(pk=version.pk)
    _check_editable(user, version, lock)
    if item is None:
        item = WorkItem(version=version, origin=Origin.LOCAL)
        item.position = (version.items.aggregate(p=Max("position"))["p"] or 0) + 1
    elif item.version_id != version.pk:
        raise ApiError("not_found", _("Not found."), status.HTTP_404_NOT_FOUND)
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, name, (data[name] or "").strip())
    item._change_reason = "edit"
    item.save()
    set_citations(item, citations)
    _refresh_flags(item)
    _bump(version)
    record(AuditAction.UPDATE, user=user, obj=item, version=version.pk)
    return item


@transaction.atomic
def remove_item(user: Any, item: WorkItem, *, reason: str = "", lock: int | None = None) -> None:
    """Remove an item from a draft. Leaving out an item of the upper list keeps the reason (an omission)."""
    version = ListVersion.objects.select_for_update().get(pk=item.version_id)
    _check_editable(user, version, lock)
    if item.derived_from_id and version.upper_id and item.derived_from.version_id == version.upper_id:
        Omission.objects.update_or_create(version=version, upper_item_id=item.derived_from_id, defaults={"reason": reason})
    record(AuditAction.DELETE, user=user, obj=item, version=version.pk, reason=reason)
    item.delete()
    _bump(version)


@transaction.atomic
def set_omission_reason(user: Any, version: ListVersion, upper_item: WorkItem, reason: str, lock: int | None = None) -> None:
    version = ListVersion.objects.select_for_update().get(pk=version.pk)
    _check_editable(user, version, lock)
    Omission.objects.update_or_create(version=version, upper_item=upper_item, defaults={"reason": reason.strip()})
    _bump(version)


@transaction.atomic
def restore_upper_item(user: Any, version: ListVersion, upper_item: WorkItem, lock: int | None = None) -> WorkItem:
    version = ListVersion.objects.select_for_update().get(pk=version.pk)
    _check_editable(user, version, lock)
    if upper_item.version_id != version.upper_id:
        raise ApiError("invalid", _("That item is not in the upper list of this version."))
    Omission.objects.filter(version=version, upper_item=upper_item).delete()
    item = _copy_item(upper_item, version, derive=True)
    _bump(version)
    return item


# --- snapshots, validation, diff -----------------------------------------------------------------------------

CITATIONS = Prefetch("citations", queryset=Citation.objects.select_related("source", "provision__source"))


def items_with_citations(version: ListVersion) -> list[WorkItem]:
    return list(version.items.select_related("derived_from").prefetch_related(CITATIONS))


def snapshot(item: WorkItem) -> engine.ItemSnap:
    cites = []
    for c in item.citations.all():
        status_ = c.provision.effective_status if c.provision_id else c.source.status
        cites.append(engine.CiteSnap(c.source.name, c.article_label, status_, c.source.jurisdiction))
    return engine.ItemSnap(
        **{f: getattr(item, f) for f in ITEM_FIELDS}, origin=item.origin,
        upper_code=item.derived_from.code if item.derived_from_id else "", citations=tuple(cites),
    )


def _cite_status(source_status: str, provision_status: str | None, provision_source_status: str | None) -> str:
    """`Provision.effective_status` (or the source's status for a whole-law citation), on plain values."""
    if provision_status is None:
        return source_status
    if Status.REPEALED in (provision_source_status, provision_status):
        return Status.REPEALED
    if Status.AMENDED in (provision_source_status, provision_status):
        return Status.AMENDED
    return Status.IN_FORCE


def snapshots(version: ListVersion) -> list[engine.ItemSnap]:
    """The snapshots of a version's items in two queries (items, then all their citations) and without model
    instances: a diff of two 10,000-item versions builds 20,000 of them, which took seconds through the ORM.
    Same values and order as `snapshot` over `items_with_citations`."""
    labels: dict[tuple[int, int | None, int | None], str] = {}
    cites: dict[int, list[engine.CiteSnap]] = {}
    rows = (
        Citation.objects.filter(item__version_id=version.pk)
        .order_by("item_id", "position", "id")
        .values_list(
            "item_id", "source__name", "source__status", "source__jurisdiction", "provision_id",
            "provision__article", "provision__paragraph", "provision__item", "provision__status", "provision__source__status",
        )
    )
    for item_id, law, source_status, jurisdiction, provision_id, article, paragraph, item_no, p_status, ps_status in rows:
        label = ""
        if provision_id is not None:
            key = (article, paragraph, item_no)
            if (label := labels.get(key)) is None:
                label = labels[key] = format_article(article, paragraph, item_no)
        status_ = _cite_status(source_status, p_status if provision_id is not None else None, ps_status)
        cites.setdefault(item_id, []).append(engine.CiteSnap(law, label, status_, jurisdiction))
    fields = [*ITEM_FIELDS, "origin", "derived_from__code"]
    items = version.items.order_by("position", "code", "pk").values_list("pk", *fields)
    return [
        engine.ItemSnap(
            **dict(zip(ITEM_FIELDS, row[1:-2], strict=True)), origin=row[-2], upper_code=row[-1] or "",
            citations=tuple(cites.get(row[0], ())),
        )
        for row in items
    ]


def validate_version(version: ListVersion) -> engine.Report:
    upper = snapshots(version.upper) if version.upper_id else None
    omissions = {o.upper_item.code: o.reason for o in version.omissions.select_related("upper_item")}
    return engine.validate(
        snapshots(version), upper_items=upper, omissions=omissions,
        is_catalog=version.worklist.kind == ListKind.CATALOG,
    )


def diff_versions(old: ListVersion | None, new: ListVersion) -> dict[str, Any]:
    return engine.diff(snapshots(old) if old else [], snapshots(new))


# --- the lifecycle -------------------------------------------------------------------------------------------

def _locked(version: ListVersion) -> ListVersion:
    return ListVersion.objects.select_for_update().select_related("worklist__region").get(pk=version.pk)


@transaction.atomic
def submit(user: Any, version: ListVersion) -> ListVersion:
    version = _locked(version)
    if not can_edit(user, version.worklist):
        raise _denied()
    if version.status != VersionStatus.DRAFT:
        raise _wrong_state(version)
    report = validate_version(version)
    if not report.ok:
        raise ValidationFailed(report)
    version.status, version.submitted_at = VersionStatus.SUBMITTED, timezone.now()
    version._change_reason = "submit"
    version.save()
    record(AuditAction.WORKFLOW, user=user, obj=version, step="submit", warnings=len(report.warnings))
    notify(government_of(version.region), _("%(v)s was submitted for your approval.") % {"v": version}, version_url(version))
    return version


@transaction.atomic
def send_back(user: Any, version: ListVersion, comments: str) -> ListVersion:
    """The government returns a submitted version to the draft stage with comments."""
    version = _locked(version)
    if not can_approve(user, version.worklist):
        raise _denied(_("Only the people's government of this level approves its list (Art. 4)."))
    if version.status != VersionStatus.SUBMITTED:
        raise _wrong_state(version)
    version.status = VersionStatus.DRAFT
    version._change_reason = f"sent back: {comments}"
    version.save()
    record(AuditAction.WORKFLOW, user=user, obj=version, step="send_back", comments=comments)
    notify(civil_affairs_of(version.region), _("%(v)s was sent back: %(c)s") % {"v": version, "c": comments}, version_url(version))
    return version


@transaction.atomic
def approve(user: Any, version: ListVersion, *, document: str, approved_on: date | None = None) -> ListVersion:
    version = _locked(version)
    if not can_approve(user, version.worklist):
        raise _denied(_("Only the people's government of this level approves its list (Art. 4)."))
    if version.status != VersionStatus.SUBMITTED:
        raise _wrong_state(version)
    document = (document or "").strip()
    if not document:
        raise ApiError("invalid", _("Give the number of the approval document."))
    version.status = VersionStatus.APPROVED
    version.approval_document = document[:100]
    version.approved_on = approved_on or timezone.localdate()
    version.approved_by = user
    org = government_of(version.region)
    version.approving_body = org.name if org else ""
    version._change_reason = "approve"
    version.save()
    record(AuditAction.WORKFLOW, user=user, obj=version, step="approve", document=document)
    notify(civil_affairs_of(version.region), _("%(v)s was approved (%(d)s); it can be published.") % {"v": version, "d": document}, version_url(version))
    return version


@transaction.atomic
def publish(user: Any, version: ListVersion, *, effective_from: date | None = None) -> ListVersion:
    """Publish to the public; the version published before stays in force until this one takes effect."""
    version = _locked(version)
    if not can_edit(user, version.worklist):
        raise _denied()
    if version.status != VersionStatus.APPROVED:
        raise _wrong_state(version)
    now = timezone.now()
    version.status, version.published_at = VersionStatus.PUBLISHED, now
    version.effective_from = effective_from or timezone.localdate()
    version._change_reason = "publish"
    version.save()
    for older in version.worklist.versions.filter(status=VersionStatus.PUBLISHED).exclude(pk=version.pk):
        older.status, older.superseded_at = VersionStatus.SUPERSEDED, now
        older._change_reason = f"superseded by version {version.number}"
        older.save()
    _close_adjusted_flags(version)
    _bump_publication()
    record(AuditAction.WORKFLOW, user=user, obj=version, step="publish")
    link = reverse("worklists:public_version", args=[version.pk])
    # Art. 4(3): a changed upper list is a reason for the level below to check its own.
    for region in Region.objects.filter(parent=version.region, level__in=[Level.CITY, Level.COUNTY]) if version.region.level < Level.COUNTY else []:
        if WorkList.objects.filter(region=region).exists():
            notify(civil_affairs_of(region), _("The upper list %(v)s was published: check whether your list needs adjusting.") % {"v": version}, link)
    if version.worklist.kind == ListKind.LIST:
        notify(civil_affairs_of(version.region), _("%(v)s is published; file it with the civil-affairs department above.") % {"v": version}, version_url(version))
    return version


@transaction.atomic
def file_version(user: Any, version: ListVersion) -> Filing:
    """备案 with the civil-affairs department one level up (Art. 4(2))."""
    version = _locked(version)
    if not can_edit(user, version.worklist):
        raise _denied()
    if version.worklist.kind != ListKind.LIST or version.status not in PUBLIC_STATUSES:
        raise _wrong_state(version)
    upper = upper_region(version.region)
    target = civil_affairs_of(upper) if upper else None
    if target is None:
        raise ApiError("invalid", _("No civil-affairs department above this level to file with."))
    existing = Filing.objects.filter(version=version).first()
    if existing is not None and existing.status != FilingStatus.RETURNED:
        raise ApiError("conflict", _("This version is already filed."), status.HTTP_409_CONFLICT)
    filing = existing or Filing(version=version, filed_with=target, filed_at=timezone.now())
    filing.status, filing.filed_at, filing.filed_by, filing.comments = FilingStatus.FILED, timezone.now(), user, ""
    filing._change_reason = "file"
    filing.save()
    record(AuditAction.WORKFLOW, user=user, obj=version, step="file", filed_with=target.name)
    notify(target, _("%(v)s was filed with you for review.") % {"v": version}, reverse("worklists:filing", args=[filing.pk]))
    return filing


@transaction.atomic
def review_filing(user: Any, filing: Filing, decision: str, comments: str = "") -> Filing:
    """The upper department receives the filing, then accepts it or returns it with comments."""
    filing = Filing.objects.select_for_update().select_related("version__worklist__region", "filed_with").get(pk=filing.pk)
    if not can_review_filing(user, filing):
        raise _denied(_("Only the civil-affairs department the list was filed with reviews it."))
    now = timezone.now()
    if decision == "receive" and filing.status == FilingStatus.FILED:
        filing.status, filing.received_at = FilingStatus.RECEIVED, now
    elif decision in ("accept", "return") and filing.status in (FilingStatus.FILED, FilingStatus.RECEIVED):
        if decision == "return" and not comments.strip():
            raise ApiError("invalid", _("Say why the filing is returned."))
        filing.status = FilingStatus.ACCEPTED if decision == "accept" else FilingStatus.RETURNED
        filing.received_at = filing.received_at or now
        filing.reviewed_at, filing.reviewed_by, filing.comments = now, user, comments.strip()
    else:
        raise ApiError("conflict", _("The filing is %(s)s; the step is not possible now.") % {"s": filing.get_status_display()}, status.HTTP_409_CONFLICT)
    filing._change_reason = decision
    filing.save()
    record(AuditAction.WORKFLOW, user=user, obj=filing.version, step=f"filing_{decision}", comments=comments)
    if decision != "receive":
        text = (_("The filing of %(v)s was accepted.") if decision == "accept"
                else _("The filing of %(v)s was returned: %(c)s")) % {"v": filing.version, "c": comments}
        notify(civil_affairs_of(filing.version.region), text, version_url(filing.version))
    return filing


def filings_to_review(user: Any) -> Any:
    orgs = [m.organisation_id for m in user.cached_memberships()] if getattr(user, "is_authenticated", False) else []
    return Filing.objects.filter(filed_with_id__in=orgs).select_related("version__worklist__region")


# --- law changes (Art. 4(3)) ---------------------------------------------------------------------------------

def flag_dependents(change: LawChange) -> int:
    """Flag every item, in every version still in use, that cites the changed source or provision."""
    cites = Citation.objects.filter(source=change.source) if change.provision_id is None else Citation.objects.filter(
        Q(provision=change.provision)
    )
    items = (
        WorkItem.objects.filter(pk__in=cites.values("item_id"))
        .exclude(version__status=VersionStatus.SUPERSEDED)
        .select_related("version__worklist__region")
    )
    flagged = 0
    owners: dict[int, list[WorkItem]] = {}
    for item in items:
        _flag, created = ItemFlag.objects.get_or_create(item=item, change=change)
        flagged += int(created)
        owners.setdefault(item.version.worklist_id, []).append(item)
    for items_ in owners.values():
        version = items_[0].version
        # A technical counter, not business data: updated without a history row on purpose.
        ListVersion.objects.filter(pk__in={i.version_id for i in items_}).update(cache_token=F("cache_token") + 1)
        notify(
            civil_affairs_of(version.region),
            _("A law change (%(c)s) affects %(n)d items of %(w)s: adjust the list or confirm the items.")
            % {"c": change, "n": len(items_), "w": version.worklist},
            reverse("worklists:flags"),
        )
    _bump_publication()
    return flagged


def _close_adjusted_flags(version: ListVersion) -> None:
    """Publishing a version that no longer cites the changed text closes the open flags of the version before;
    items carried over still citing it stay flagged in the new version."""
    if version.previous_id is None:
        return
    for flag in ItemFlag.objects.filter(item__version_id=version.previous_id, status=FlagStatus.OPEN).select_related("item", "change"):
        twin = version.items.filter(code=flag.item.code).first()
        if twin is not None and _cites_target(twin, flag.change):
            ItemFlag.objects.get_or_create(item=twin, change=flag.change)
            continue
        flag.status, flag.resolution = FlagStatus.ADJUSTED, _("Adjusted in version %(n)d") % {"n": version.number}
        flag.save()


def _cites_target(item: WorkItem, change: LawChange) -> bool:
    target = Q(provision_id=change.provision_id) if change.provision_id else Q(source_id=change.source_id)
    return item.citations.filter(target).exists()


def _refresh_flags(item: WorkItem) -> None:
    """An edited draft item that no longer cites the changed text is adjusted."""
    for flag in item.flags.filter(status=FlagStatus.OPEN).select_related("change"):
        if not _cites_target(item, flag.change):
            flag.status, flag.resolution = FlagStatus.ADJUSTED, _("Basis changed in the draft")
            flag.save()


@transaction.atomic
def confirm_flag(user: Any, flag: ItemFlag, note: str) -> ItemFlag:
    if not can_edit(user, flag.item.version.worklist):
        raise _denied()
    if flag.status != FlagStatus.OPEN:
        raise ApiError("conflict", _("This flag is already resolved."), status.HTTP_409_CONFLICT)
    if not note.strip():
        raise ApiError("invalid", _("Say why the item stays valid."))
    flag.status, flag.resolved_by, flag.resolution = FlagStatus.CONFIRMED, user, note.strip()
    flag.save()
    record(AuditAction.WORKFLOW, user=user, obj=flag.item, step="confirm_flag", note=note)
    return flag


# --- the effective list (DESIGN.md §8) -----------------------------------------------------------------------

@dataclass
class EffectiveList:
    version: ListVersion
    items: list[WorkItem]

    @property
    def region(self) -> Region:
        return self.version.worklist.region


PUBLICATION_KEY = "worklists:publication"


def _bump_publication() -> None:
    # Other processes see the new publication through the database query in `resolve_version`;
    # this key only ends cached resolutions early in this process.
    cache.set(PUBLICATION_KEY, timezone.now().timestamp(), None)


def chain_codes(region: Region) -> list[str]:
    """Codes of the province, city and county containing a region (most specific last)."""
    code = region.code
    return [code[:n].ljust(12, "0") for n, level in ((2, 1), (4, 2), (6, 3)) if level <= region.level]


def resolve_version(region: Region, on: date | None = None) -> ListVersion | None:
    """The most specific published version in force: county over city over catalog. One query."""
    on = on or timezone.localdate()
    return (
        ListVersion.objects.filter(
            worklist__region__code__in=chain_codes(region), status__in=PUBLIC_STATUSES, effective_from__lte=on,
        )
        .select_related("worklist__region", "approved_by")
        .order_by("-worklist__region__level", "-number")
        .first()
    )


_ITEMS: "OrderedDict[tuple[int, int, float], list[WorkItem]]" = OrderedDict()
_ITEMS_MAX = 64


def _version_items(version: ListVersion) -> list[WorkItem]:
    """Published items never change: kept in process memory per version (no unpickling on each request).

    The key holds the version's cache token, read with the version in the same query, so a change in another
    process (law-change flags) is seen at once; a new publication is a new version and a new key."""
    stamp = version.published_at.timestamp() if version.published_at else 0.0
    key = (version.pk, version.cache_token, stamp)
    items = _ITEMS.get(key)
    if items is None:
        items = list(version.items.prefetch_related(CITATIONS).order_by("position", "code"))
        if version.status in PUBLIC_STATUSES:
            _ITEMS[key] = items
            while len(_ITEMS) > _ITEMS_MAX:
                _ITEMS.popitem(last=False)
    else:
        _ITEMS.move_to_end(key)
    return items


def effective_list(region: Region, on: date | None = None) -> EffectiveList | None:
    """What a committee (or any region) must work by on a date; items filtered by the committee's kind."""
    version = resolve_version(region, on)
    if version is None:
        return None
    kind = region.committee_kind if region.level == Level.VILLAGE else ""
    items = [i for i in _version_items(version) if i.applies_to_kind(kind)]
    return EffectiveList(version=version, items=items)


def item_legal_basis(item: WorkItem) -> list[dict[str, str]]:
    return [{"law": c.source.name, "article": c.article_label} for c in item.citations.all()]


def effective_list_payload(region: Region, on: date | None = None) -> dict[str, Any] | None:
    """The §8 contract body, cached per (version, committee kind)."""
    version = resolve_version(region, on)
    if version is None:
        return None
    kind = region.committee_kind if region.level == Level.VILLAGE else ""
    stamp = version.published_at.timestamp() if version.published_at else 0
    key = f"worklists:payload:{version.pk}:{version.cache_token}:{stamp}:{kind}"
    payload = cache.get(key)
    if payload is None:
        result = effective_list(region, on)
        assert result is not None
        payload = {"list": version_summary(version), "items": [item_payload(i) for i in result.items]}
        cache.set(key, payload, 3600)
    return payload


def version_summary(version: ListVersion) -> dict[str, Any]:
    region = version.worklist.region
    return {
        "id": version.pk,
        "title": version.title,
        "level": version.worklist.kind if version.worklist.kind == ListKind.CATALOG else Level(region.level).name.lower(),
        "kind": version.worklist.kind,
        "version": version.number,
        "status": version.status,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
        "approval_document": version.approval_document,
        "approved_on": version.approved_on.isoformat() if version.approved_on else None,
        "approved_by": version.approving_body,
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "sample_data": version.is_sample,
    }


def item_payload(item: WorkItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "content": item.content,
        "category": item.category,
        "applies_to": item.applies_to,
        "agency": item.agency,
        "origin": item.origin,
        "support": {
            "funding": item.support_funding, "conditions": item.support_conditions,
            "information": item.support_information, "guidance": item.support_guidance,
        },
        "legal_basis": item_legal_basis(item),
    }


def resolve_basis(text: str, *, create: bool = False, sources: dict[str, LegalSource] | None = None) -> list[tuple[LegalSource, Provision | None]]:
    """The `basis` text ("法律 第X条；…") as registry entries. Raises legal.services.LegalError / CitationError.

    `sources` overrides which text of a law is meant (by name), e.g. the 2018 text for an old version."""
    from legal.citations import parse_basis
    from legal.services import resolve

    out = []
    for citation in parse_basis(text):
        override = (sources or {}).get(citation.law)
        resolved = resolve(citation, source=override, create=create)
        out.append((resolved.source, resolved.provision))
    return out


def local_changes(version: ListVersion, items: list[WorkItem]) -> dict[int, list[str]]:
    """For items derived from the upper list: which fields this level changed (shown next to the item)."""
    upper_ids = {i.derived_from_id for i in items if i.derived_from_id}
    if not upper_ids:
        return {}
    uppers = {
        u.pk: snapshot(u)
        for u in WorkItem.objects.filter(pk__in=upper_ids).select_related("derived_from").prefetch_related(CITATIONS)
    }
    out = {}
    for item in items:
        if item.derived_from_id in uppers:
            mine, theirs = snapshot(item), uppers[item.derived_from_id]
            changed = [name for name in engine.DIFF_FIELDS if name != "code" and mine.value(name) != theirs.value(name)]
            if changed:
                out[item.pk] = changed
    return out


FIELD_LABELS = {
    "name": _lazy("Name"), "content": _lazy("Content"), "category": _lazy("Category"), "applies_to": _lazy("Applies to"),
    "agency": _lazy("Serving agency"), "support_funding": _lazy("Funding (Art. 5)"),
    "support_conditions": _lazy("Working conditions (Art. 5)"), "support_information": _lazy("Information support (Art. 5)"),
    "support_guidance": _lazy("Guidance (Art. 5)"), "basis": _lazy("Legal basis"),
}


def labelled(diff: dict[str, Any]) -> dict[str, Any]:
    """The diff for pages: each changed field with its label in the reader's language."""
    changed = [
        {**c, "fields": {name: {**values, "label": FIELD_LABELS.get(name, name)} for name, values in c["fields"].items()}}
        for c in diff["changed"]
    ]
    return {**diff, "changed": changed}
