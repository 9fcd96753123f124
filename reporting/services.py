"""Business rules of reporting (Art. 6): channel registry and county review, field mapping, annual plans and their
exceptions (一事一报), the fill-once value store and the submissions assembled from it. Views and the API only call
these functions; every workflow step is audited and every model keeps its history."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from accounts.choices import ROLE_ACTIONS, Action
from core.api import ApiError
from core.audit import event as audit_event
from core.audit import record, record_many
from core.groupcommit import DEFER, GroupCommit
from core.models import AuditAction
from core.prepared import PreparedQuery
from core.scoping import restrict
from regions.choices import Level, OrganisationKind
from regions.codes import ancestor_code, subtree_bounds
from regions.models import Organisation, Region

from . import conf
from .analysis import analyze, unresolved_fields
from .bulkwrite import write_answers, write_submissions, write_values
from .choices import ChannelKind, ChannelStatus, ExceptionStatus, Frequency, PlanStatus, QueueStatus
from .elements import Resolver, load_elements
from .models import (
    ChannelField,
    DataElement,
    ElementValue,
    IdempotencyRecord,
    LearntMapping,
    PlanEntry,
    PlanException,
    ReportingChannel,
    ReportingPlan,
    Submission,
    UnresolvedField,
)

REVIEW_KINDS = (OrganisationKind.CIVIL_AFFAIRS, OrganisationKind.GOVERNMENT)
PLAN_KINDS = (OrganisationKind.STREET_OFFICE, OrganisationKind.TOWNSHIP_GOVERNMENT)
MAX_FIELDS = 200
MAX_VALUE = 500


def _denied() -> ApiError:
    return ApiError("permission_denied", _("You do not have permission to do this."), status.HTTP_403_FORBIDDEN)


def _conflict() -> ApiError:
    return ApiError("conflict", _("Someone else changed this record in the meantime. Reload the page and try again."),
                    status.HTTP_409_CONFLICT)


def _invalid(field: str, message: str) -> ApiError:
    error = ApiError("invalid", message)
    error.fields = {field: [message]}  # type: ignore[attr-defined]
    return error


_held = threading.local()


@contextmanager
def write_lock() -> Iterator[None]:
    """On SQLite, queue writers on an OS file lock before BEGIN: SQLite's own busy handler sleeps in steps of up to
    100 ms, so a burst of concurrent submissions would mostly wait. PostgreSQL needs nothing (row locks)."""
    if connection.vendor != "sqlite" or getattr(_held, "depth", 0):
        yield
        return
    path = Path(settings.VAR_DIR) / "reporting-write.lock"
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


def subtree_q(region: Region, field: str) -> Q:
    low, high = subtree_bounds(region.code, region.level)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def orgs(user: Any, action: str, kinds: tuple[str, ...] | None = None, region: Region | None = None) -> list[Organisation]:
    """Organisations in which the user's role grants ``action`` (of the given kinds, covering ``region``)."""
    if not getattr(user, "is_authenticated", False):
        return []
    found = []
    for membership in user.cached_memberships():
        org = membership.organisation
        if action not in ROLE_ACTIONS[membership.role] or (kinds and org.kind not in kinds):
            continue
        if region is not None and not region.is_within(org.region):
            continue
        if org not in found:
            found.append(org)
    return found


def _check_lock(obj: Any, lock: int | None) -> None:
    if lock is not None and int(lock) != obj.lock_version:
        raise _conflict()


def _save_locked(obj: Any, lock: int | None, reason: str) -> None:
    """Compare-and-set on lock_version: a stale form or a concurrent request gets 409, never overwrites."""
    expected = obj.lock_version if lock is None else int(lock)
    with transaction.atomic():
        updated = type(obj).objects.filter(pk=obj.pk, lock_version=expected).update(lock_version=expected + 1)
        if not updated:
            raise _conflict()
        obj.lock_version = expected + 1
        obj._change_reason = reason
        obj.save()  # the full save writes the history row


# --- dictionary and resolver --------------------------------------------------------------------------------------

def sync_elements() -> int:
    """Seed or refresh the DataElement table from the engine's TOML (the officer's data file stays the source)."""
    created = 0
    for element in load_elements():
        _, was_created = DataElement.objects.update_or_create(
            code=element.code,
            defaults={"name": element.name, "category": element.category, "definition": element.definition,
                      "unit": element.unit, "type": element.type, "synonyms": list(element.synonyms),
                      "source": element.source},
        )
        created += was_created
    return created


_RESOLVER: dict[str, Any] = {}


def resolver() -> Resolver:
    """The resolver with every stored mapping; rebuilt when a mapping is added or changed."""
    stamp = LearntMapping.objects.aggregate(n=Max("updated_at"), m=Max("id"))
    key = f"{stamp['n']}:{stamp['m']}"
    if _RESOLVER.get("key") != key:
        pairs = [(name, code) for name, code in LearntMapping.objects.values_list("name", "element__code")]
        _RESOLVER["resolver"] = Resolver(learnt_mappings=pairs)
        _RESOLVER["key"] = key
    return _RESOLVER["resolver"]


def rejected_mappings() -> list[tuple[str, str, str]]:
    """Stored mappings the dictionary now contradicts: shown to the officer again."""
    return list(resolver().rejected_mappings)


def _elements_by_code() -> dict[str, DataElement]:
    if not DataElement.objects.exists():
        sync_elements()
    return {e.code: e for e in DataElement.objects.all()}


def _resolve_fields(channel: ReportingChannel) -> None:
    res = resolver()
    elements = _elements_by_code()
    changed = []
    for field in channel.fields.all():
        resolution = res.resolve(field.name)
        element = elements.get(resolution.element_code or "")
        if field.element_id != (element.pk if element else None) or field.resolution != resolution.reason:
            field.element, field.resolution = element, resolution.reason
            changed.append(field)
    if changed:
        ChannelField.objects.bulk_update(changed, ["element", "resolution"])
        ReportingChannel.objects.filter(pk=channel.pk).update(updated_at=timezone.now())


def _queue_unresolved(channel: ReportingChannel) -> None:
    form = {"id": str(channel.pk), "fields": channel.field_names()}
    for entry in unresolved_fields([form], resolver=resolver()):
        item, created = UnresolvedField.objects.get_or_create(
            region=channel.region, normalised=entry["normalised"][:200],
            defaults={"names": entry["names"], "channels": [channel.pk], "reason": entry["reason"]},
        )
        if not created:
            item.names = sorted(set(item.names) | set(entry["names"]))
            item.channels = sorted(set(item.channels) | {channel.pk})
            if item.status != QueueStatus.OPEN and not channel.fields.filter(element__isnull=True,
                                                                             name__in=entry["names"]).exists():
                continue
            item.status = QueueStatus.OPEN if item.status == QueueStatus.MAPPED else item.status
            item.save()


def map_field(user: Any, item: UnresolvedField, element_code: str | None, *, request: Any = None) -> UnresolvedField:
    """The officer's answer: the wordings mean ``element_code`` (learnt for every later form), or a datum of its own."""
    if not orgs(user, Action.CHANGE, REVIEW_KINDS, item.region) and not orgs(user, Action.APPROVE, REVIEW_KINDS, item.region):
        raise _denied()
    if item.status != QueueStatus.OPEN:
        raise ApiError("wrong_state", _("This field has already been dealt with."), status.HTTP_409_CONFLICT)
    with transaction.atomic():
        if element_code:
            element = DataElement.objects.filter(code=element_code).first()
            if element is None:
                raise _invalid("element", _("Choose an element of the dictionary."))
            probe = Resolver(learnt_mappings=[])
            for name in item.names:
                try:
                    probe.learn(name, element.code)
                except ValueError as refused:
                    raise _invalid("element", _("“%(name)s” cannot mean %(element)s: %(why)s")
                                   % {"name": name, "element": element.name, "why": refused}) from None
            for name in item.names:
                LearntMapping.objects.update_or_create(
                    name=name[:200], defaults={"element": element, "region": item.region, "confirmed_by": user})
            item.element, item.status = element, QueueStatus.MAPPED
        else:
            item.status = QueueStatus.NEW_DATUM
        item.decided_by = user
        item._change_reason = "mapped"
        item.save()
        for channel in ReportingChannel.objects.filter(pk__in=item.channels):
            _resolve_fields(channel)
        record(AuditAction.WORKFLOW, user=user, obj=item, request=request, step="map_field",
               element=element_code or "")
    return item


def mapping_queue(user: Any) -> QuerySet:
    return restrict(UnresolvedField.objects.select_related("region", "element"), user).filter(status=QueueStatus.OPEN)


# --- channels -----------------------------------------------------------------------------------------------------

def registering_orgs(user: Any) -> list[Organisation]:
    """Agencies at county level (or the county government and its bureaus) that may register channels."""
    kinds = (OrganisationKind.DEPARTMENT, OrganisationKind.CIVIL_AFFAIRS, OrganisationKind.GOVERNMENT)
    return [o for o in orgs(user, Action.CHANGE, kinds) if o.region.level == Level.COUNTY]


def clean_fields(fields: list[str] | str) -> list[str]:
    if isinstance(fields, str):
        fields = [line for chunk in fields.splitlines() for line in chunk.split("\t")]
    cleaned = []
    for name in fields:
        name = str(name).strip()[:200]
        if name and name not in cleaned:
            cleaned.append(name)
    return cleaned


def register_channel(user: Any, owner: Organisation, *, name: str, kind: str, frequency: str, notice_days: int,
                     minutes_per_filing: int, fields: list[str] | str, list_items: list[str] | None = None,
                     description: str = "", request: Any = None) -> ReportingChannel:
    if owner not in registering_orgs(user):
        raise _denied()
    names = clean_fields(fields)
    if not names:
        raise _invalid("fields", _("List the fields the channel asks committees to fill, one a line."))
    if len(names) > MAX_FIELDS:
        raise _invalid("fields", _("A channel may have at most %(n)d fields.") % {"n": MAX_FIELDS})
    if frequency not in Frequency.values:
        raise _invalid("frequency", _("Choose a frequency."))
    items = [c.strip() for c in (list_items or []) if c and c.strip()]
    with transaction.atomic():
        channel = ReportingChannel(owner=owner, region=owner.region, name=name.strip()[:200], kind=kind,
                                   frequency=frequency, notice_days=max(0, int(notice_days)),
                                   minutes_per_filing=max(0, int(minutes_per_filing)), list_items=items,
                                   description=description, created_by=user)
        channel._change_reason = "registered"
        channel.save()
        ChannelField.objects.bulk_create(ChannelField(channel=channel, position=i, name=n) for i, n in enumerate(names))
        _resolve_fields(channel)
        _queue_unresolved(channel)
        record(AuditAction.WORKFLOW, user=user, obj=channel, request=request, step="register",
               unlisted=channel.is_unlisted)
    return channel


EDITABLE = (ChannelStatus.REGISTERED, ChannelStatus.APPROVED)


def can_edit(user: Any, channel: ReportingChannel) -> bool:
    """The owning agency may edit its channel while the county has not merged or rejected it."""
    return channel.status in EDITABLE and channel.owner in registering_orgs(user)


def edit_channel(user: Any, channel: ReportingChannel, *, lock: int | None, request: Any = None,
                 **changes: Any) -> ReportingChannel:
    """The owning agency corrects its channel: name, kind, frequency, notice, minutes, linked items, description and
    fields (only the keys given change). Optimistic lock: ``lock`` is the lock_version the editor read; a stale one is
    a 409, never an overwrite.

    Before approval the edit simply updates what the county will review. After approval it sends the channel back for
    review (status registered): what committees are asked to fill changes only once the county has approved the new
    version, so until then the channel reaches no committee (plans and exceptions stay and apply again on approval).
    Merged and rejected channels are closed: register a new channel instead."""
    if channel.owner not in registering_orgs(user):
        raise _denied()
    if channel.status not in EDITABLE:
        raise ApiError("wrong_state", _("A merged or rejected channel can no longer be edited; register a new one."),
                       status.HTTP_409_CONFLICT)
    if lock is None:
        raise _invalid("lock_version", _("Send the edit counter (lock_version) of the version you edited."))
    _check_lock(channel, lock)
    changed: list[str] = []
    simple = {"name": lambda v: str(v).strip()[:200], "description": lambda v: str(v).strip(),
              "notice_days": lambda v: max(0, int(v)), "minutes_per_filing": lambda v: max(0, int(v))}
    for attr, clean in simple.items():
        if attr in changes and changes[attr] is not None:
            value = clean(changes[attr])
            if attr == "name" and not value:
                raise _invalid("name", _("Give the channel a name."))
            if value != getattr(channel, attr):
                setattr(channel, attr, value)
                changed.append(attr)
    if changes.get("kind") is not None and changes["kind"] != channel.kind:
        if changes["kind"] not in ChannelKind.values:
            raise _invalid("kind", _("Choose a kind."))
        channel.kind = changes["kind"]
        changed.append("kind")
    if changes.get("frequency") is not None and changes["frequency"] != channel.frequency:
        if changes["frequency"] not in Frequency.values:
            raise _invalid("frequency", _("Choose a frequency."))
        channel.frequency = changes["frequency"]
        changed.append("frequency")
    if changes.get("list_items") is not None:
        items = [c.strip() for c in changes["list_items"] if c and c.strip()]
        if items != channel.list_items:
            channel.list_items = items
            changed.append("list_items")
    names = None
    if changes.get("fields") is not None:
        names = clean_fields(changes["fields"])
        if not names:
            raise _invalid("fields", _("List the fields the channel asks committees to fill, one a line."))
        if len(names) > MAX_FIELDS:
            raise _invalid("fields", _("A channel may have at most %(n)d fields.") % {"n": MAX_FIELDS})
        if names == channel.field_names():
            names = None
        else:
            changed.append("fields")
    if not changed:
        return channel
    was_approved = channel.status == ChannelStatus.APPROVED
    if was_approved:
        channel.status, channel.reviewed_by, channel.reviewed_at = ChannelStatus.REGISTERED, None, None
        channel.review_reason = ""
    with transaction.atomic():
        if names is not None:
            kept = {f.name: f for f in channel.fields.all()}
            channel.fields.exclude(name__in=names).delete()
            for position, name in enumerate(names):
                field = kept.get(name)
                if field is None:
                    ChannelField.objects.create(channel=channel, position=position, name=name)
                elif field.position != position:
                    ChannelField.objects.filter(pk=field.pk).update(position=position)
        # The history row names what changed; lock_version and updated_at move, so cached fields are dropped.
        _save_locked(channel, lock, "edited: " + ", ".join(changed) + ("; back to county review" if was_approved
                                                                        else ""))
        if names is not None:
            _resolve_fields(channel)
            _queue_unresolved(channel)
        record(AuditAction.UPDATE, user=user, obj=channel, request=request, step="edit_channel", changed=changed,
               back_to_review=was_approved)
    return channel

def can_review(user: Any, channel: ReportingChannel) -> bool:
    return bool(orgs(user, Action.CHANGE, REVIEW_KINDS, channel.region) or
                orgs(user, Action.APPROVE, REVIEW_KINDS, channel.region))


def _review_guard(user: Any, channel: ReportingChannel, lock: int | None) -> None:
    if not can_review(user, channel):
        raise _denied()
    if channel.status != ChannelStatus.REGISTERED:
        raise ApiError("wrong_state", _("This channel has already been reviewed."), status.HTTP_409_CONFLICT)
    _check_lock(channel, lock)


def approve_channel(user: Any, channel: ReportingChannel, *, lock: int | None = None, reason: str = "",
                    request: Any = None) -> ReportingChannel:
    _review_guard(user, channel, lock)
    if channel.is_unlisted:
        raise _invalid("list_items", _("A channel for no list item cannot be approved: Art. 6 covers only the items "
                                       "on the work list. Reject it or link it to a list item."))
    if channel.fields.filter(element__isnull=True).exists():
        raise _invalid("fields", _("Map every field to a data element first (see the mapping queue), so that "
                                   "committees fill each datum once."))
    channel.status, channel.review_reason = ChannelStatus.APPROVED, reason
    channel.reviewed_by, channel.reviewed_at = user, timezone.now()
    with transaction.atomic():
        _save_locked(channel, lock, "approved")
        record(AuditAction.WORKFLOW, user=user, obj=channel, request=request, step="approve")
    return channel


def reject_channel(user: Any, channel: ReportingChannel, *, reason: str, lock: int | None = None,
                   request: Any = None) -> ReportingChannel:
    _review_guard(user, channel, lock)
    if not reason.strip():
        raise _invalid("reason", _("Give the reason for the rejection."))
    channel.status, channel.review_reason = ChannelStatus.REJECTED, reason.strip()
    channel.reviewed_by, channel.reviewed_at = user, timezone.now()
    with transaction.atomic():
        _save_locked(channel, lock, "rejected")
        record(AuditAction.WORKFLOW, user=user, obj=channel, request=request, step="reject", reason=reason)
    return channel


def merge_channel(user: Any, channel: ReportingChannel, into: ReportingChannel, *, reason: str = "",
                  lock: int | None = None, request: Any = None) -> ReportingChannel:
    """Fold a channel into an approved one: its data the other lacks become fields of the other, and the agency
    receives its form from the integrated channel's store (its own field names are kept for its export)."""
    _review_guard(user, channel, lock)
    if into.pk == channel.pk or into.region_id != channel.region_id or into.status != ChannelStatus.APPROVED:
        raise _invalid("into", _("Merge into another approved channel of the same county."))
    if channel.fields.filter(element__isnull=True).exists():
        raise _invalid("fields", _("Map every field to a data element first (see the mapping queue), so that "
                                   "committees fill each datum once."))
    with transaction.atomic():
        have = set(into.fields.values_list("element_id", flat=True))
        position = into.fields.count()
        added = []
        for field in channel.fields.all():
            if field.element_id not in have:
                added.append(ChannelField(channel=into, position=position, name=field.name, element_id=field.element_id,
                                          resolution=field.resolution))
                have.add(field.element_id)
                position += 1
        ChannelField.objects.bulk_create(added)
        into.list_items = sorted(set(into.list_items) | set(channel.list_items))
        into._change_reason = f"absorbed channel {channel.pk}"
        into.save(update_fields=["list_items", "updated_at"])
        channel.status, channel.merged_into, channel.review_reason = ChannelStatus.MERGED, into, reason
        channel.reviewed_by, channel.reviewed_at = user, timezone.now()
        _save_locked(channel, lock, "merged")
        record(AuditAction.WORKFLOW, user=user, obj=channel, request=request, step="merge", into=into.pk,
               fields_added=len(added))
    return channel


def as_form(channel: ReportingChannel, year: int | None = None) -> dict[str, Any]:
    """A channel in the shape of the §8 analysis input."""
    year = year or timezone.localdate().year
    return {
        "id": str(channel.pk), "agency": channel.owner.name, "name": channel.name, "kind": channel.kind,
        "frequency": channel.frequency, "deadline_days": channel.notice_days,
        "in_annual_plan": in_any_plan(channel, year) or has_exception(channel, year),
        "list_item": ",".join(channel.list_items), "fields": channel.field_names(),
    }


def in_any_plan(channel: ReportingChannel, year: int) -> bool:
    return PlanEntry.objects.filter(channel=channel, plan__year=year, plan__status=PlanStatus.PUBLISHED).exists()


def has_exception(channel: ReportingChannel, year: int) -> bool:
    return channel.exceptions.filter(year=year, status=ExceptionStatus.APPROVED).exists()


def channels_of_county(user: Any, county: Region) -> QuerySet:
    return restrict(ReportingChannel.objects.filter(region=county), user).select_related("owner", "region")


@dataclass
class Burden:
    filings: int
    fields: int
    hours: float


def _burden(channels: list[ReportingChannel], integrated: bool) -> Burden:
    """Per committee per year. Before integration every channel is filled in full at its own frequency; after,
    each datum is entered once per period of the most frequent channel that asks it (fill once, use many)."""
    filings = sum(conf.filings_per_year(c.frequency) for c in channels)
    if not integrated:
        fields = sum(len(c.fields.all()) * conf.filings_per_year(c.frequency) for c in channels)
        minutes = sum(c.minutes_per_filing * conf.filings_per_year(c.frequency) for c in channels)
        return Burden(filings, fields, round(minutes / 60, 1))
    per_datum: dict[Any, tuple[int, float]] = {}
    for c in channels:
        fs = list(c.fields.all())
        per_field = c.minutes_per_filing / len(fs) if fs else 0
        for f in fs:
            key = f.element_id or f"n:{f.name}"
            n = conf.filings_per_year(c.frequency)
            old = per_datum.get(key, (0, 0.0))
            per_datum[key] = (max(old[0], n), max(old[1], per_field))
    fields = sum(n for n, _m in per_datum.values())
    minutes = sum(n * m for n, m in per_datum.values())
    return Burden(filings, fields, round(minutes / 60, 1))


def county_review(user: Any, county: Region, year: int | None = None) -> dict[str, Any]:
    """What the county sees: every channel reaching its committees, the §8 analysis of those still in force, and
    the burden per committee per year before and after integration."""
    year = year or timezone.localdate().year
    channels = list(channels_of_county(user, county).prefetch_related("fields"))
    live = [c for c in channels if c.status in (ChannelStatus.REGISTERED, ChannelStatus.APPROVED)]
    forms = [as_form(c, year) for c in live]
    analysis = analyze(forms, resolver=resolver())
    by_id = {str(c.pk): c for c in channels}
    before = _burden([c for c in channels if c.status != ChannelStatus.REJECTED], integrated=False)
    after = _burden([c for c in channels if c.status == ChannelStatus.APPROVED], integrated=True)
    return {"year": year, "channels": channels, "analysis": analysis, "by_id": by_id, "before": before,
            "after": after, "pending": [c for c in channels if c.status == ChannelStatus.REGISTERED]}


def review_counties(user: Any) -> list[Region]:
    found = []
    for org in orgs(user, Action.VIEW, REVIEW_KINDS + (OrganisationKind.DEPARTMENT,)):
        if org.region.level == Level.COUNTY and org.region not in found:
            found.append(org.region)
    return found


# --- annual plans and exceptions --------------------------------------------------------------------------------

def plan_orgs(user: Any) -> list[Organisation]:
    return [o for o in orgs(user, Action.CHANGE, PLAN_KINDS) if o.region.level == Level.TOWNSHIP]


def plan_years(today: date | None = None) -> range:
    """The years whose plan a township can open: last year's to look back, this year's, and next year's, prepared
    before the year begins so that it can be published at its start (Art. 6(1))."""
    year = (today or timezone.localdate()).year
    return range(year - 1, year + 2)


def plan_for(user: Any, township: Region, year: int, *, create: bool = True) -> ReportingPlan:
    """The township's plan of the year. With ``create=False`` (reading) nothing is written: a year without a plan
    gives an unsaved, empty draft, and the plan is created with its first entry."""
    if not any(o.region == township for o in plan_orgs(user)):
        raise _denied()
    years = plan_years()
    if year not in years:
        raise _invalid("year", _("Plans can be opened for %(first)s to %(last)s.") % {"first": years[0],
                                                                                     "last": years[-1]})
    if not create:
        return ReportingPlan.objects.filter(region=township, year=year).first() or ReportingPlan(region=township,
                                                                                                year=year)
    plan, created = ReportingPlan.objects.get_or_create(region=township, year=year)
    if created:
        record(AuditAction.CREATE, user=user, obj=plan, step="plan_created")
    return plan


def county_of(region: Region) -> Region | None:
    return Region.objects.filter(code=ancestor_code(region.code, Level.COUNTY)).first()


def plannable_channels(plan: ReportingPlan) -> QuerySet:
    county = county_of(plan.region)
    return ReportingChannel.objects.filter(region=county, status=ChannelStatus.APPROVED).select_related("owner")


def plan_year_is_over(plan: ReportingPlan) -> bool:
    """A plan of a past year is kept as it was: read, never changed or published."""
    return plan.year < timezone.localdate().year


def _refuse_past_year(plan: ReportingPlan) -> None:
    if plan_year_is_over(plan):
        raise ApiError("wrong_state", _("The year of this plan is over: its plan is kept as it was."),
                       status.HTTP_409_CONFLICT)


def set_plan_entry(user: Any, plan: ReportingPlan, channel: ReportingChannel, due: str, *, lock: int | None = None,
                   request: Any = None) -> PlanEntry:
    if not any(o.region == plan.region for o in plan_orgs(user)):
        raise _denied()
    _refuse_past_year(plan)
    if plan.status != PlanStatus.DRAFT:
        raise ApiError("wrong_state", _("The plan is published: the year's reporting is fixed (Art. 6(1)). "
                                        "A channel outside it needs an exception approved by the county."),
                       status.HTTP_409_CONFLICT)
    if not plannable_channels(plan).filter(pk=channel.pk).exists():
        raise _invalid("channel", _("Only channels the county has approved can be planned."))
    if not due.strip():
        raise _invalid("due", _("Say when it is due (for example: by the 5th of each month)."))
    with transaction.atomic():
        _check_lock(plan, lock)
        entry, _c = PlanEntry.objects.update_or_create(plan=plan, channel=channel,
                                                       defaults={"frequency": channel.frequency, "due": due.strip()[:100]})
        _save_locked(plan, lock, "entry")
        record(AuditAction.UPDATE, user=user, obj=plan, request=request, step="plan_entry", channel=channel.pk)
    return entry


def publish_plan(user: Any, plan: ReportingPlan, *, lock: int | None = None, request: Any = None) -> ReportingPlan:
    if not any(o.region == plan.region for o in plan_orgs(user)):
        raise _denied()
    _refuse_past_year(plan)
    if plan.status != PlanStatus.DRAFT:
        raise ApiError("wrong_state", _("The plan is already published."), status.HTTP_409_CONFLICT)
    if plan.pk is None or not plan.entries.exists():
        raise _invalid("entries", _("Add at least one channel to the plan."))
    plan.status, plan.published_at, plan.published_by = PlanStatus.PUBLISHED, timezone.now(), user
    with transaction.atomic():
        _save_locked(plan, lock, "published")
        record(AuditAction.WORKFLOW, user=user, obj=plan, request=request, step="publish_plan")
    return plan


def request_exception(user: Any, channel: ReportingChannel, year: int, reason: str, *,
                      request: Any = None) -> PlanException:
    if channel.owner not in registering_orgs(user):
        raise _denied()
    if channel.status != ChannelStatus.APPROVED:
        raise _invalid("channel", _("Only an approved channel can be sent to committees."))
    if not reason.strip():
        raise _invalid("reason", _("Say why this reporting cannot wait for next year's plan."))
    exc = PlanException(channel=channel, year=year, reason=reason.strip(), requested_by=user)
    exc._change_reason = "requested"
    exc.save()
    record(AuditAction.WORKFLOW, user=user, obj=exc, request=request, step="request_exception")
    return exc


def decide_exception(user: Any, exc: PlanException, approve: bool, note: str = "", *,
                     request: Any = None) -> PlanException:
    if not orgs(user, Action.APPROVE, (OrganisationKind.GOVERNMENT,), exc.channel.region):
        raise _denied()
    if exc.status != ExceptionStatus.REQUESTED:
        raise ApiError("wrong_state", _("This exception has already been decided."), status.HTTP_409_CONFLICT)
    exc.status = ExceptionStatus.APPROVED if approve else ExceptionStatus.REJECTED
    exc.decided_by, exc.decided_at, exc.decision_note = user, timezone.now(), note
    exc._change_reason = exc.status
    exc.save()
    record(AuditAction.WORKFLOW, user=user, obj=exc, request=request, step="decide_exception", approved=approve)
    return exc


def exceptions_to_decide(user: Any) -> QuerySet:
    regions = [o.region for o in orgs(user, Action.APPROVE, (OrganisationKind.GOVERNMENT,))]
    q = Q(pk__in=[])
    for region in regions:
        q |= subtree_q(region, "channel__region__code")
    return PlanException.objects.filter(q, status=ExceptionStatus.REQUESTED).select_related("channel__owner")


# --- committees: calendar, value store, submissions -------------------------------------------------------------

def period_key(frequency: str, on: date) -> str:
    if frequency == Frequency.DAILY:
        return on.isoformat()
    if frequency == Frequency.WEEKLY:
        iso = on.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if frequency == Frequency.MONTHLY:
        return f"{on.year}-{on.month:02d}"
    if frequency == Frequency.QUARTERLY:
        return f"{on.year}-Q{(on.month - 1) // 3 + 1}"
    if frequency == Frequency.SEMIANNUAL:
        return f"{on.year}-H{1 if on.month <= 6 else 2}"
    return str(on.year)


def committees_of(user: Any) -> list[Region]:
    return [o.region for o in orgs(user, Action.CHANGE, (OrganisationKind.COMMITTEE,)) if o.region.level == Level.VILLAGE]


def committee_plan(committee: Region, year: int) -> ReportingPlan | None:
    township = Region.objects.filter(code=ancestor_code(committee.code, Level.TOWNSHIP)).first()
    return ReportingPlan.objects.filter(region=township, year=year, status=PlanStatus.PUBLISHED).first()


def active_channels(committee: Region, on: date | None = None) -> list[tuple[ReportingChannel, str]]:
    """(channel, when due) for every channel that may reach the committee this year: in the township's published
    plan, or outside it on an exception the county approved (一事一报). Nothing else is ever asked of it. The rule is
    _reaches', read for every channel at once: planned channels first, as the plan lists them."""
    year = (on or timezone.localdate()).year
    township, county = ancestor_code(committee.code, Level.TOWNSHIP), ancestor_code(committee.code, Level.COUNTY)
    found = (ReportingChannel.objects.select_related("owner", "region").filter(status=ChannelStatus.APPROVED)
             .annotate(**_reach_annotations(township, year, year),
                       due=Subquery(_published_entries(township, year).filter(channel=OuterRef("pk")).values("due")[:1]))
             .filter(Q(reach_in_plan=True) | Q(reach_excepted=True, region__code=county))  # _reach's candidates
             .order_by("-reach_in_plan", "owner__name", "name"))
    return [(channel, channel.due if channel.reach_in_plan else _("exception approved by the county"))
            for channel in found
            if _reach(channel.reach_in_plan, channel.reach_excepted, same_county=channel.region.code == county)]


def _published_entries(township: str, plan_year: int) -> QuerySet:
    """The entries of the township's plan published for the year."""
    return PlanEntry.objects.filter(plan__year=plan_year, plan__status=PlanStatus.PUBLISHED, plan__region__code=township)


def _reach_annotations(township: str, plan_year: int, exception_year: int) -> dict[str, Exists]:
    """Art. 6(1) for a channel (``OuterRef("pk")``) and a committee of the township, as two annotations:
    reach_in_plan, in the township's plan published for the year; reach_excepted, covered by an exception approved
    for the year (一事一报), which counts only for a committee of the channel's own county (see _reach)."""
    return {"reach_in_plan": Exists(_published_entries(township, plan_year).filter(channel=OuterRef("pk"))),
            "reach_excepted": Exists(PlanException.objects.filter(channel=OuterRef("pk"), year=exception_year,
                                                                  status=ExceptionStatus.APPROVED))}


def _reach(in_plan: bool, excepted: bool, same_county: bool) -> bool:
    return bool(in_plan or (excepted and same_county))


# Years in the field's range that no real one takes, as samples (core/prepared.py).
_REACH_OF = PreparedQuery(
    lambda pk, township, plan_year, exception_year: ReportingChannel.objects.filter(pk=pk).annotate(
        **_reach_annotations(township, plan_year, exception_year)).values_list("reach_in_plan", "reach_excepted")
    .order_by(), pk=-7_300_000_005, township="\x00sample township", plan_year=32_001, exception_year=32_002)


def _reaches(channel: ReportingChannel, committee: Region, year: int) -> bool:
    """The rule of active_channels for one channel and one committee, in one small prepared query (this runs for
    every submission whose channel was not read with the answer): approved, and in the township's published plan
    of the year or covered by an exception of its own county approved for the year (一事一报)."""
    if channel.status != ChannelStatus.APPROVED:
        return False
    known = getattr(channel, "_reach_known", None)  # read with the channel (channel_for_submission)
    if known is not None and known[:2] == (committee.pk, year):
        return known[2]
    found = _REACH_OF(pk=channel.pk, township=ancestor_code(committee.code, Level.TOWNSHIP), plan_year=year,
                      exception_year=year)
    return bool(found) and _reach(*found[0], same_county=channel.region.code == ancestor_code(committee.code, Level.COUNTY))


def _channel_of_county(pk: int, county: str, township: str, plan_year: int, exception_year: int) -> QuerySet:
    """A channel of the county, with the owner and the county, and the reach annotations for a committee of the
    given township."""
    return (ReportingChannel.objects.select_related("owner", "region").filter(pk=pk, region__code=county)
            .annotate(**_reach_annotations(township, plan_year, exception_year)).order_by())


_CHANNEL_OF_COUNTY = PreparedQuery(_channel_of_county, pk=-7_300_000_002, county="\x00sample county",
                                   township="\x00sample township", plan_year=32_001, exception_year=32_002)


def channel_for_submission(user: Any, pk: int, committee: Region | None = None) -> ReportingChannel:
    """A channel a committee user may submit to: any channel of its own county (whether it may reach the committee
    is decided afterwards, with a clear answer); for anyone else the usual scope. Otherwise 404.
    One query for a committee user (its own county first), with the owner and the county, and, for the committee
    the submission names if it is the user's, whether the channel may reach it this year (kept for may_reach)."""
    from django.http import Http404

    base = ReportingChannel.objects.select_related("owner", "region")
    counties = {ancestor_code(c.code, Level.COUNTY) for c in committees_of(user)}
    if len(counties) == 1:  # the usual committee user: the query a burst makes for every submission, prepared
        county = next(iter(counties))
        named = committee if committee is not None and ancestor_code(committee.code, Level.COUNTY) == county else None
        year = timezone.localdate().year
        township = ancestor_code(named.code if named else county, Level.TOWNSHIP)
        found = _CHANNEL_OF_COUNTY(pk=pk, county=county, township=township, plan_year=year, exception_year=year)
        channel = found[0] if found else None
        if channel is not None and named is not None:
            channel._reach_known = (named.pk, year, _reach(channel.reach_in_plan, channel.reach_excepted,
                                                           same_county=True))  # the filter on region ensures it
    else:
        channel = base.filter(pk=pk, region__code__in=counties).first() if counties else None
    if channel is None:
        channel = restrict(base, user).filter(pk=pk).first()
    if channel is None:
        raise Http404
    return channel


def committee_for_submission(user: Any, code: str) -> Region:
    """The committee a submission names: one of the user's own (already loaded with its memberships), else looked
    up so that an unknown code is a 404 and someone else's a 403 (from prepare_submission)."""
    for committee in committees_of(user):
        if committee.code == code:
            return committee
    return get_object_or_404(Region, code=code, level=Level.VILLAGE)


def may_reach(channel: ReportingChannel, committee: Region, on: date | None = None) -> bool:
    """Whether the channel may reach the committee (the same rule as active_channels, one query)."""
    return _reaches(channel, committee, (on or timezone.localdate()).year)


@dataclass
class SheetRow:
    element: DataElement
    period: str
    value: str | None
    lock_version: int | None
    prefill: str | None
    prefill_period: str | None
    channels: list[ReportingChannel]


def data_sheet(committee: Region, on: date | None = None) -> list[SheetRow]:
    """Every datum the committee's channels need now, once per (element, period); values already entered are
    filled in, and a value of an earlier period is offered as the prefill."""
    on = on or timezone.localdate()
    rows: dict[tuple[int, str], SheetRow] = {}
    for channel, _due in active_channels(committee, on):
        period = period_key(channel.frequency, on)
        for field in channel.fields.select_related("element"):
            if field.element is None:
                continue
            row = rows.get((field.element_id, period))
            if row is None:
                row = rows[(field.element_id, period)] = SheetRow(field.element, period, None, None, None, None, [])
            if channel not in row.channels:
                row.channels.append(channel)
    values = ElementValue.objects.filter(committee=committee, element_id__in={k[0] for k in rows})
    latest: dict[int, ElementValue] = {}
    for v in values.order_by("element_id", "-updated_at"):
        latest.setdefault(v.element_id, v)
        row = rows.get((v.element_id, v.period))
        if row:
            row.value, row.lock_version = v.value, v.lock_version
    for row in rows.values():
        if row.value is None and row.element.pk in latest:
            row.prefill, row.prefill_period = latest[row.element.pk].value, latest[row.element.pk].period
    return sorted(rows.values(), key=lambda r: (r.element.category, r.element.code, r.period))


def _check_value(element: DataElement, value: str) -> str:
    value = value.strip()
    if len(value) > MAX_VALUE:
        raise _invalid(element.code, _("%(name)s: at most %(n)d characters.") % {"name": element.name, "n": MAX_VALUE})
    if element.type == "int" and value:
        try:
            if int(value) < 0:
                raise ValueError
        except ValueError:
            raise _invalid(element.code, _("%(name)s: enter a whole number of at least 0.") % {"name": element.name}) from None
    if element.type == "decimal" and value:
        try:
            float(value)
        except ValueError:
            raise _invalid(element.code, _("%(name)s: enter a number.") % {"name": element.name}) from None
    return value


def _value_writes(entries: list[tuple[DataElement, str, str, int | None]],
                  existing: dict[tuple[int, str], tuple[int, str, int]],
                  ) -> tuple[list[tuple[int, str, str]], list[tuple[int, int, str]], dict[tuple[int, str], str]]:
    """What an entry of (element, period, value, lock_version seen) writes over the ``existing`` values of one
    committee ({(element id, period): (id, value, lock_version)}): new values (element id, period, value), changed
    ones (id, lock_version read, value), and {(element id, period): value} of both. Every value is checked first; the
    same datum given twice counts once (the first wins), a blank never erases a stored value, and a value changed by
    someone else since it was read (its lock_version) is a 409."""
    cleaned = [(e, p, _check_value(e, v), lock) for e, p, v, lock in entries]
    new: list[tuple[int, str, str]] = []
    changed: list[tuple[int, int, str]] = []
    written: dict[tuple[int, str], str] = {}
    seen: set[tuple[int, str]] = set()
    for element, period, value, lock in cleaned:
        key = (element.pk, period)
        if key in seen:
            continue
        seen.add(key)
        current = existing.get(key)
        if current is None:
            if lock not in (None, 0):
                raise _conflict()
            if value != "":
                new.append((element.pk, period, value))
                written[key] = value
        else:
            pk, old, lock_version = current
            if lock is not None and lock != lock_version:
                raise _conflict()
            if old != value and value != "":
                changed.append((pk, lock_version, value))
                written[key] = value
    return new, changed, written


def store_values(user: Any, committee: Region, entries: list[tuple[DataElement, str, str, int | None]],
                 *, reason: str = "entered", read: set[int] | None = None) -> tuple[dict[tuple[int, str], str], int]:
    """Write (element, period, value, lock_version seen) into the store. A value changed by someone else since the
    form was read is a 409 — never silently overwritten. Returns every stored value of the written periods for the
    written elements and the ``read`` ones, after the write ({(element id, period): value}), and how many values
    were written.

    One read (locking the rows on PostgreSQL), then the batch writes of reporting/bulkwrite.py: a few statements
    whatever the number of values, instead of a model object and a save per value."""
    periods = {p for _e, p, _v, _l in entries}
    element_ids = {e.pk for e, _p, _v, _l in entries} | (read or set())
    stored: dict[tuple[int, str], str] = {}
    existing: dict[tuple[int, str], tuple[int, str, int]] = {}
    if periods and element_ids:
        rows = ElementValue.objects.select_for_update().filter(
            committee=committee, element_id__in=element_ids, period__in=periods).order_by().values_list(
            "id", "element_id", "period", "value", "lock_version")
        for pk, element_id, period, value, lock_version in rows:
            existing[(element_id, period)] = (pk, value, lock_version)
            stored[(element_id, period)] = value
    now = timezone.now()
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    new, changed, written = _value_writes(entries, existing)
    stored.update(written)
    write_values([(committee.pk, e, p, v, user_id) for e, p, v in new],
                  [(v, user_id, pk, lock) for pk, lock, v in changed], now, reason)
    return stored, len(new) + len(changed)


def _save_submission(user: Any, committee: Region, channel: ReportingChannel, period: str, data: dict[str, str],
                     current: Submission | None) -> Submission:
    """Create the submission or, when the data differ, replace it with the next revision (history either way)."""
    now = timezone.now()
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    if current is None:
        sub = Submission(created_at=now, updated_at=now, channel=channel, committee=committee, period=period,
                         data=data, revision=1, submitted_by_id=user_id)
        write_submissions([sub], [], now)
        return sub
    if current.data != data:
        current.data, current.revision, current.submitted_by_id, current.pulled_at, current.updated_at = (
            data, current.revision + 1, user_id, None, now)
        write_submissions([], [current], now)
    return current


def assemble(user: Any, committee: Region, channel: ReportingChannel, period: str,
             fields: list[ChannelField] | None = None, stored: dict[tuple[int, str], str] | None = None
             ) -> Submission | None:
    """Build the channel's form from the store, in its own field names; None while a datum is missing.
    ``stored`` (from store_values) spares reading the values again."""
    fields = list(channel.fields.all()) if fields is None else fields
    if stored is None:
        stored = {(e, period): v for e, v in ElementValue.objects.filter(
            committee=committee, period=period, element_id__in=[f.element_id for f in fields]).values_list(
            "element_id", "value")}
    if any((f.element_id, period) not in stored for f in fields):
        return None
    data = {f.name: stored[(f.element_id, period)] for f in fields}
    current = Submission.objects.filter(channel=channel, committee=committee, period=period).first()
    try:
        with transaction.atomic():
            return _save_submission(user, committee, channel, period, data, current)
    except IntegrityError:  # a concurrent request assembled it first: fall through and compare
        current = Submission.objects.get(channel=channel, committee=committee, period=period)
        return _save_submission(user, committee, channel, period, data, current)


def fill_sheet(user: Any, committee: Region, values: dict[tuple[str, str], tuple[str, int | None]], *,
               on: date | None = None, request: Any = None) -> list[Submission]:
    """The committee's one entry: store the values, then assemble every channel whose data are complete."""
    if committee not in committees_of(user):
        raise _denied()
    on = on or timezone.localdate()
    elements = {e.code: e for e in DataElement.objects.filter(code__in={code for code, _p in values})}
    entries = [(elements[code], period, value, lock) for (code, period), (value, lock) in values.items()
               if code in elements]
    with transaction.atomic():
        _stored, written = store_values(user, committee, entries)
        subs = []
        for channel, _due in active_channels(committee, on):
            sub = assemble(user, committee, channel, period_key(channel.frequency, on))
            if sub:
                subs.append(sub)
        record(AuditAction.WORKFLOW, user=user, obj=committee, request=request, step="fill_values",
               written=written, submissions=len(subs))
    return subs


@dataclass(frozen=True)
class CachedField:
    name: str
    element_id: int | None
    element: DataElement | None


_FIELDS: dict[tuple[int, Any, int], list[CachedField]] = {}


def _channel_fields(channel: ReportingChannel) -> list[CachedField]:
    """A channel's fields with their elements, cached per process and keyed by the channel's updated_at and
    lock_version as loaded with the channel: every change of its fields (edit, merge, mapping) moves one of them, so
    a burst reads the fields once per process, not 16,727 times, and a changed channel is never served stale."""
    key = (channel.pk, channel.updated_at, channel.lock_version)
    found = _FIELDS.get(key)
    if found is None:
        if len(_FIELDS) > 5000:
            _FIELDS.clear()
        found = _FIELDS[key] = [CachedField(f.name, f.element_id, f.element)
                                for f in channel.fields.select_related("element")]
    return found


@dataclass
class PreparedSubmission:
    user: Any
    committee: Region
    channel: ReportingChannel
    period: str
    fields: list[CachedField]
    entries: list[tuple[DataElement, str, str, int | None]]


def prepare_submission(user: Any, committee: Region, channel: ReportingChannel, period: str,
                       values: dict[str, str]) -> PreparedSubmission:
    """API path, reads only: who may submit, whether the channel may reach the committee, which data the values are
    (by element code or by the channel's own field names)."""
    if committee not in committees_of(user):
        raise _denied()
    if not may_reach(channel, committee):
        raise ApiError("not_in_plan", _("This channel is neither in the annual plan of the committee's township nor "
                                        "covered by an exception approved by the county (Art. 6(1))."),
                       status.HTTP_409_CONFLICT)
    fields = _channel_fields(channel)
    by_name = {f.name: f.element for f in fields}
    by_code = {f.element.code: f.element for f in fields if f.element}
    entries = []
    for key, value in values.items():
        element = by_code.get(key) or by_name.get(key)
        if element is None:
            raise _invalid(f"values.{key}", _("Not a field of this channel."))
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _invalid(f"values.{key}", _("Enter a text or a number."))
        entries.append((element, period, str(value), None))
    return PreparedSubmission(user, committee, channel, period, fields, entries)


@dataclass
class QueuedSubmission:
    """A prepared submission waiting for its batch (see core.groupcommit); ``render`` gives the API's answer."""

    prepared: PreparedSubmission
    revision: int | None
    key: str | None
    ip: str | None
    render: Callable[[Submission], dict[str, Any]]


def submit(user: Any, committee: Region, channel: ReportingChannel, period: str, values: dict[str, str], *,
           render: Callable[[Submission], dict[str, Any]], revision: int | None = None, key: str | None = None,
           ip: str | None = None) -> tuple[dict[str, Any], int]:
    """A committee submits one channel's values: (answer, 201 created | 200 replaced or unchanged). Idempotent per
    (user, key): a retry gets the first answer and writes nothing. Concurrent submissions of this process are
    committed together (group commit), each answered only once its data are committed."""
    key = key[:100] if key else None
    try:
        prepared = prepare_submission(user, committee, channel, period, values)
    except ApiError:
        found = replayed(user, key)  # refused now, but answered before: the retry gets that answer
        if found:
            return found
        raise
    return _SUBMISSIONS.submit(QueuedSubmission(prepared, revision, key, ip, render))


def commit_submissions(items: list[QueuedSubmission]) -> list[Any]:
    """Apply a batch in one transaction: per item (answer, status), an ApiError, or DEFER for an item that touches
    the same form or idempotency key as an earlier one (it goes into the next batch). If a request of another
    process wrote one of the forms or keys first (IntegrityError), the items are applied one by one instead, and a
    lone item that still collides gets the stored answer to its key or a 409."""
    outcomes: list[Any] = [DEFER] * len(items)
    forms: set[tuple[int, str]] = set()
    keys: set[tuple[int, str]] = set()
    todo: list[int] = []
    for i, item in enumerate(items):
        p = item.prepared
        form, key = (p.committee.pk, p.period), (p.user.pk, item.key or "")
        if form in forms or (item.key and key in keys):
            continue
        forms.add(form)
        keys.add(key)
        todo.append(i)
    # Every batch writes its forms in one order (committee, period): two batches of two processes that share forms
    # then wait for each other instead of deadlocking (PostgreSQL).
    todo.sort(key=lambda i: (items[i].prepared.committee.pk, items[i].prepared.period))
    try:
        with write_lock(), transaction.atomic():
            for i, outcome in zip(todo, _apply_submissions([items[i] for i in todo]), strict=True):
                outcomes[i] = outcome
    except (IntegrityError, OperationalError) as error:
        if isinstance(error, OperationalError) and not (_is_deadlock(error) and len(todo) > 1):
            raise  # the database is unavailable: every caller of the batch gets the error (and retries)
        if len(todo) > 1:
            for i in todo:
                outcomes[i] = commit_submissions([items[i]])[0]
        else:
            item = items[todo[0]]
            outcomes[todo[0]] = replayed(item.prepared.user, item.key) or _conflict()
    return outcomes


def _is_deadlock(error: OperationalError) -> bool:
    """PostgreSQL chose this transaction as a deadlock's victim (or a serialization failure): worth a retry."""
    return getattr(error.__cause__, "sqlstate", None) in ("40P01", "40001")


_SUBMISSIONS: GroupCommit[QueuedSubmission] = GroupCommit(commit_submissions, max_batch=32)


# The reads of every batch, compiled once per thread and batch shape (core/prepared.py); they lock what they read.
_ANSWERS = PreparedQuery(
    lambda users, keys: IdempotencyRecord.objects.filter(user_id__in=users, key__in=keys).values_list(
        "user_id", "key", "response", "status_code"), users=[-7_500_000_000], keys=["\x00sample key "])
_SUBMISSIONS_OF = PreparedQuery(
    lambda channels, committees, periods: Submission.objects.select_for_update().filter(
        channel_id__in=channels, committee_id__in=committees, period__in=periods).order_by(),
    channels=[-7_510_000_000], committees=[-7_520_000_000], periods=["\x00sample period "])
_VALUES_OF = PreparedQuery(
    lambda committees, elements, periods: ElementValue.objects.select_for_update().filter(
        committee_id__in=committees, element_id__in=elements, period__in=periods).order_by().values_list(
        "id", "committee_id", "element_id", "period", "value", "lock_version"),
    committees=[-7_530_000_000], elements=[-7_540_000_000], periods=["\x00sample period "])


def _current_submissions(forms: set[tuple[int, int, str]]) -> dict[tuple[int, int, str], Submission]:
    """The submissions already made of these (channel, committee, period) forms, locked until the commit."""
    rows = _SUBMISSIONS_OF(channels=sorted({f[0] for f in forms}), committees=sorted({f[1] for f in forms}),
                           periods=sorted({f[2] for f in forms}))
    return {(s.channel_id, s.committee_id, s.period): s for s in rows
            if (s.channel_id, s.committee_id, s.period) in forms}


def _apply_submissions(items: list[QueuedSubmission]) -> list[Any]:
    """The writes of a batch whose items touch distinct forms and keys: a few statements for the whole batch (the
    reads lock what they read), each value with its history row, each submission with its history row and one
    audit record, each keyed answer stored for retries."""
    outcomes: list[Any] = [None] * len(items)
    keyed = {(i.prepared.user.pk, i.key) for i in items if i.key}
    answered: dict[tuple[int, str], tuple[dict[str, Any], int]] = {}
    for user_id, key, body, code in _ANSWERS(users=sorted({u for u, _k in keyed}), keys=sorted({k for _u, k in keyed})):
        answered[(user_id, key)] = (body, code)
    current = _current_submissions({(i.prepared.channel.pk, i.prepared.committee.pk, i.prepared.period)
                                    for i in items})
    existing: dict[int, dict[tuple[int, str], tuple[int, str, int]]] = {}  # per committee, as _value_writes reads
    element_ids = {f.element_id for i in items for f in i.prepared.fields if f.element_id}
    for pk, committee_id, element_id, period, value, lock_version in _VALUES_OF(
            committees=sorted({i.prepared.committee.pk for i in items}), elements=sorted(element_ids),
            periods=sorted({i.prepared.period for i in items})):
        existing.setdefault(committee_id, {})[(element_id, period)] = (pk, value, lock_version)

    now = timezone.now()
    new_values: list[tuple[int, int, str, str, int | None]] = []
    changed_values: list[tuple[str, int | None, int, int]] = []
    created: list[tuple[int, Submission]] = []
    replaced: list[tuple[int, Submission]] = []
    unchanged: list[tuple[int, Submission]] = []
    for n, item in enumerate(items):
        p = item.prepared
        if item.key and (p.user.pk, item.key) in answered:
            outcomes[n] = answered[(p.user.pk, item.key)]
            continue
        sub = current.get((p.channel.pk, p.committee.pk, p.period))
        if sub is not None and item.revision != sub.revision:
            outcomes[n] = _conflict()
            continue
        user_id = p.user.pk if getattr(p.user, "is_authenticated", False) else None
        mine = existing.get(p.committee.pk, {})
        try:
            writes_new, writes_changed, written = _value_writes(p.entries, mine)
        except ApiError as error:
            outcomes[n] = error
            continue
        stored = {key: row[1] for key, row in mine.items()} | written
        missing = [f.name for f in p.fields if (f.element_id, p.period) not in stored]
        if missing:
            outcomes[n] = _invalid("values", _("Missing: %(names)s") % {"names": "、".join(missing[:20])})
            continue
        new_values += [(p.committee.pk, e, period, v, user_id) for e, period, v in writes_new]
        changed_values += [(v, user_id, pk, lock) for pk, lock, v in writes_changed]
        data = {f.name: stored[(f.element_id, p.period)] for f in p.fields}
        if sub is None:
            sub = Submission(created_at=now, updated_at=now, channel=p.channel, committee=p.committee,
                             period=p.period, data=data, revision=1, submitted_by_id=user_id)
            created.append((n, sub))
        elif sub.data != data:
            sub.data, sub.revision, sub.submitted_by_id, sub.pulled_at, sub.updated_at = (
                data, sub.revision + 1, user_id, None, now)
            replaced.append((n, sub))
        else:
            unchanged.append((n, sub))
        sub.channel, sub.committee = p.channel, p.committee

    write_values(new_values, changed_values, now, "submitted")
    write_submissions([s for _n, s in created], [s for _n, s in replaced], now)
    record_many([audit_event(AuditAction.WORKFLOW, user=items[n].prepared.user, obj=s, ip=items[n].ip,
                             step="submit", revision=s.revision) for n, s in created + replaced])
    answers = []
    new_forms = {n for n, _sub in created}
    for n, sub in created + replaced + unchanged:
        outcomes[n] = (items[n].render(sub), 201 if n in new_forms else 200)
        if items[n].key:
            answers.append((items[n].prepared.user.pk, items[n].key, *outcomes[n]))
    write_answers(answers, now)
    return outcomes


def replayed(user: Any, key: str | None) -> tuple[dict[str, Any], int] | None:
    """The stored answer to an idempotency key already used by this user, if any."""
    if not key:
        return None
    found = IdempotencyRecord.objects.filter(user=user, key=key[:100]).values_list("response", "status_code").first()
    return (found[0], found[1]) if found else None


def received(user: Any) -> QuerySet:
    """Submissions an agency receives: of its own channels (the county civil-affairs bureau and government see all)."""
    qs = restrict(Submission.objects.select_related("channel__owner", "committee"), user)
    own = [o for o in orgs(user, Action.VIEW) if o.kind not in REVIEW_KINDS]
    if orgs(user, Action.VIEW, REVIEW_KINDS):
        return qs
    return qs.filter(Q(channel__owner__in=own) | Q(channel__merged__owner__in=own)).distinct()


def form_for_agency(sub: Submission, agency: Organisation) -> dict[str, Any]:
    """A merged channel's agency still receives its own form: its field names, filled from the integrated store."""
    merged = sub.channel.merged.filter(owner=agency).prefetch_related("fields").first()
    if merged is None:
        return sub.data
    values = {f.element_id: sub.data.get(f.name) for f in sub.channel.fields.all()}
    return {f.name: values.get(f.element_id) for f in merged.fields.all()}


def mark_pulled(subs: list[Submission]) -> None:
    Submission.objects.filter(pk__in=[s.pk for s in subs], pulled_at__isnull=True).update(pulled_at=timezone.now())


# --- pasted forms: the §8 analysis for forms that are not registered -------------------------------------------------

MAX_PASTED_FORMS = 200
MAX_PASTED_CHARS = 200_000


def can_analyse_pasted(user: Any) -> bool:
    """Civil-affairs bureaus and governments (the county's integration duty, Art. 6) get the paste page."""
    return bool(getattr(user, "is_superuser", False) or orgs(user, Action.VIEW, REVIEW_KINDS))


def parse_pasted_forms(text: str, *, frequency: str = Frequency.MONTHLY, deadline_days: int = 10,
                       in_annual_plan: bool = False, list_item: str = "") -> list[dict[str, Any]]:
    """Forms pasted by an officer, in the shape of the §8 analysis input. Forms are separated by blank lines; a
    form's first line is its name, optionally followed by ``|`` and the agency asking for it (名称 | 部门); the other
    lines are its fields, one a line, or tab separated as a header row copied from Excel. A first line that already
    holds tabs is a header row of a form without a name. Frequency, notice, plan and list item apply to all."""
    if len(text) > MAX_PASTED_CHARS:
        raise _invalid("forms", _("Paste at most %(n)d characters at once.") % {"n": MAX_PASTED_CHARS})
    if frequency not in Frequency.values:
        raise _invalid("frequency", _("Choose a frequency."))
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    forms: list[dict[str, Any]] = []
    for lines in (b for b in blocks if b):
        head = lines[0]
        if "\t" in head.strip():
            name, agency, rows = "", "", lines
        else:
            name, _sep, agency = head.replace("｜", "|").partition("|")
            rows = lines[1:]
        number = len(forms) + 1
        fields = clean_fields("\n".join(rows))
        if not fields:
            raise _invalid("forms", _("Form %(n)d (%(name)s) has no fields: put its fields on the lines below its "
                                      "name.") % {"n": number, "name": name.strip() or "—"})
        if len(fields) > MAX_FIELDS:
            raise _invalid("forms", _("Form %(n)d has more than %(max)d fields.") % {"n": number, "max": MAX_FIELDS})
        forms.append({"id": str(number), "agency": agency.strip()[:200], "name": name.strip()[:200] or
                      _("Form %(n)d") % {"n": number}, "kind": "report", "frequency": frequency,
                      "deadline_days": max(0, int(deadline_days)), "in_annual_plan": bool(in_annual_plan),
                      "list_item": list_item.strip()[:200], "fields": fields})
        if len(forms) > MAX_PASTED_FORMS:
            raise _invalid("forms", _("Paste at most %(n)d forms at once.") % {"n": MAX_PASTED_FORMS})
    if not forms:
        raise _invalid("forms", _("Paste at least one form: its name on the first line, then its fields."))
    return forms


def analyse_pasted(forms: list[dict[str, Any]]) -> dict[str, Any]:
    """The §8 analysis (the very function behind POST /api/v1/reporting/analyze, with the learnt mappings) and the
    fields no data element explains. Nothing is registered or queued."""
    res = resolver()
    analysis = analyze(forms, resolver=res)
    unresolved = unresolved_fields(forms, resolver=res)
    names = {f["id"]: f["name"] for f in forms}
    # Copies for the page, with each form's name next to its number; ``analysis`` stays the endpoint's answer.
    return {
        "analysis": analysis, "unresolved": unresolved, "forms": forms,
        "overlaps": [{**o, "fields": [{**f, "form_name": names.get(f["form"], f["form"])} for f in o["fields"]]}
                     for o in analysis["overlaps"]],
        "rush": [{**r, "form_name": names.get(r["form"], r["form"])} for r in analysis["rush"]],
        "unlisted": [{**u, "form_name": names.get(u["form"], u["form"])} for u in analysis["unlisted"]],
        "unresolved_rows": [{**u, "form_names": [names.get(i, i) for i in u["forms"]]} for u in unresolved],
    }
