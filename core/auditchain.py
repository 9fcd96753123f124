"""The audit log's hash chain: verification, the auditors' export, and retention (archive, then prune, then anchor).

Each event carries the hash of the one before. Retention removes only the oldest events, after writing them to an
archive file (the export format, so ``core/auditverify.py`` re-verifies it offline) whose SHA-256 is kept in an
``AuditAnchor`` together with the hash of the last event removed; verification then starts from that anchor.
"""

import csv
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .auditverify import COLUMNS, csv_cell, verify_file
from .models import AuditAction, AuditAnchor, AuditEvent

# 网络安全法 Art. 21 and 等保 2.0 level 3 (8.1.5.4 d): logs kept at least six months. Nothing shorter may be configured.
MIN_RETENTION_DAYS = 180


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""
    anchor: str = ""
    head: str = ""


def latest_anchor() -> AuditAnchor | None:
    return AuditAnchor.objects.order_by("-id").first()


def verify_chain(batch: int = 5000) -> ChainCheck:
    """Walk the chain from the newest anchor (or the beginning) to the newest event."""
    anchor = latest_anchor()
    start = anchor.last_hash if anchor else ""
    previous = start
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch):
        if event.prev_hash != previous:
            return ChainCheck(False, checked, event.pk, "previous hash does not match (an event was removed or reordered)",
                              start, previous)
        if event.compute_hash() != event.hash:
            return ChainCheck(False, checked, event.pk, "content does not match its hash (the event was altered)",
                              start, previous)
        previous = event.hash
        checked += 1
    return ChainCheck(True, checked, anchor=start, head=previous)


# --- export ---------------------------------------------------------------------------------------------------------

@dataclass
class ExportResult:
    count: int = 0
    first_id: int | None = None
    last_id: int | None = None
    first_prev_hash: str = ""
    last_hash: str = ""
    sha256: str = ""


def export_row(event: AuditEvent) -> dict[str, Any]:
    """The exported record: exactly the hashed payload (so it re-verifies), plus id, prev_hash and hash."""
    return {"id": event.pk, **json.loads(event.payload()), "prev_hash": event.prev_hash, "hash": event.hash}


def events_between(since: datetime | None = None, until: datetime | None = None) -> models.QuerySet:
    """A contiguous run of the chain (by id) covering [since, until): the first event at or after ``since`` to the
    last one before ``until``. Contiguous, so that every link inside an export can be checked."""
    qs = AuditEvent.objects.order_by("id")
    if since is not None:
        first = qs.filter(at__gte=since).values_list("id", flat=True).first()
        if first is None:
            return qs.none()
        qs = qs.filter(id__gte=first)
    if until is not None:
        last = AuditEvent.objects.filter(at__lt=until).order_by("-id").values_list("id", flat=True).first()
        if last is None:
            return qs.none()
        qs = qs.filter(id__lte=last)
    return qs


class _HashingWriter:
    """Text writer that hashes what it writes (the SHA-256 of the file, without reading it back)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, text: str) -> int:
        self.digest.update(text.encode())
        return self.out.write(text)


def write_export(out: IO[str], events: Any, fmt: str = "jsonl") -> ExportResult:
    """Write events as JSON lines or CSV (formula-safe, reversibly: see ``auditverify.csv_cell``)."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    writer = _HashingWriter(out)
    result = ExportResult()
    table = csv.writer(writer) if fmt == "csv" else None
    if table is not None:
        table.writerow(COLUMNS)
    for event in events.iterator(chunk_size=2000) if hasattr(events, "iterator") else events:
        row = export_row(event)
        if table is not None:
            row["detail"] = json.dumps(row["detail"], sort_keys=True, ensure_ascii=False, default=str)
            table.writerow([csv_cell(row[c]) for c in COLUMNS])
        else:
            writer.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        if result.first_id is None:
            result.first_id, result.first_prev_hash = event.pk, event.prev_hash
        result.last_id, result.last_hash = event.pk, event.hash
        result.count += 1
    result.sha256 = writer.digest.hexdigest()
    return result


# --- retention ------------------------------------------------------------------------------------------------------

class RetentionError(Exception):
    pass


@dataclass
class RetentionResult:
    pruned: int
    cutoff: datetime
    archive: str = ""
    archive_sha256: str = ""
    anchor: str = ""


def retention_days(days: int | None = None) -> int:
    value = int(days if days is not None else getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS))
    if value < MIN_RETENTION_DAYS:
        raise RetentionError(f"audit records must be kept at least {MIN_RETENTION_DAYS} days (asked: {value})")
    return value


def archive_dir() -> Path:
    return Path(getattr(settings, "AUDIT_ARCHIVE_DIR", None) or Path(settings.VAR_DIR) / "audit-archive")


def apply_retention(days: int | None = None, *, now: datetime | None = None, directory: Path | None = None,
                    dry_run: bool = False) -> RetentionResult:
    """Archive and remove the events older than the retention period, keeping the chain verifiable.

    Refuses when the chain does not verify (pruning would destroy the evidence). The newest event is always kept:
    new events lock it to chain onto it. Order: archive written and re-verified on disk, then, in one transaction,
    the anchor stored and the archived events removed; a crash in between leaves an extra archive file, never a gap.
    """
    keep = retention_days(days)
    cutoff = (now or timezone.now()) - timedelta(days=keep)
    check = verify_chain()
    if not check.ok:
        raise RetentionError(f"audit chain broken at event {check.broken_at}: {check.reason}; nothing pruned")
    newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return RetentionResult(0, cutoff)
    first_kept = AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    bound = min(first_kept or newest, newest)
    old = AuditEvent.objects.filter(id__lt=bound).order_by("id")
    count = old.count()
    if not count or dry_run:
        return RetentionResult(count, cutoff)  # a dry run reports what it would remove
    folder = directory or archive_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"audit-{stamp}.jsonl"
    partial = folder / f".{target.name}.partial"
    with open(partial, "w", encoding="utf-8", newline="") as out:
        written = write_export(out, old, "jsonl")
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    (folder / f"{target.name}.sha256").write_text(f"{written.sha256}  {target.name}\n")
    reread = verify_file(str(target), first_prev=check.anchor, last=None)
    if not reread.ok or reread.checked != count or written.count != count:
        raise RetentionError(f"the archive {target} did not verify ({reread.reason}); nothing pruned")
    with transaction.atomic():
        anchor = AuditAnchor.objects.create(
            pruned_through_id=written.last_id, pruned_count=written.count, last_hash=written.last_hash,
            cutoff=cutoff, archive_name=target.name, archive_sha256=written.sha256,
        )
        # The one sanctioned removal: AuditEventQuerySet.delete refuses, so call the plain QuerySet method.
        deleted, _ = models.QuerySet.delete(AuditEvent.objects.filter(id__gte=written.first_id, id__lte=written.last_id))
        if deleted != written.count:
            raise RetentionError(f"expected to remove {written.count} archived events, found {deleted}; nothing pruned")
        from .audit import record

        record(AuditAction.DELETE, what="audit_retention", pruned=written.count, through=written.last_id,
               archive=target.name, sha256=written.sha256, anchor=written.last_hash, days=keep)
    return RetentionResult(written.count, cutoff, str(target), written.sha256, anchor.last_hash)
