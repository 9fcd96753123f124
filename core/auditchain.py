"""Verification of the audit log's hash chain (each event carries the hash of the one before)."""

from dataclasses import dataclass

from .models import AuditEvent


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain(batch: int = 5000) -> ChainCheck:
    previous = ""
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch):
        if event.prev_hash != previous:
            return ChainCheck(False, checked, event.pk, "previous hash does not match (an event was removed or reordered)")
        if event.compute_hash() != event.hash:
            return ChainCheck(False, checked, event.pk, "content does not match its hash (the event was altered)")
        previous = event.hash
        checked += 1
    return ChainCheck(True, checked)
