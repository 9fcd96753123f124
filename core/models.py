"""Base pieces every app uses: timestamps, history, and the append-only, hash-chained audit log."""

from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .auditverify import payload_json, record_hash
from .bulkinsert import insert_rows
from .prepared import PreparedQuery


def history(**kwargs: Any) -> HistoricalRecords:
    """History for a domain model: who, when, what changed and why (``_change_reason`` on the instance)."""
    kwargs.setdefault("cascade_delete_history", False)
    return HistoricalRecords(inherit=False, **kwargs)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    LOCKED_OUT = "locked_out", _("Locked out")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    SESSION_EXPIRED = "session_expired", _("Session expired")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    WORKFLOW = "workflow", _("Workflow step")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    """Bulk paths skip Model.save/delete, so they are closed here too."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")

    def delete(self) -> Any:
        raise AppendOnlyError("audit events are append-only")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnlyError("audit events are append-only")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are chained: write several with AuditEvent.append_many")


class AuditEvent(models.Model):
    """One security-relevant event. Rows are never updated or deleted; each carries the hash of the one before."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("user"),
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    region_code = models.CharField(_("region code"), max_length=12, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def payload_fields(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "region_code": self.region_code,
            "ip": self.ip_address or "",
            "detail": self.detail,
        }

    def payload(self) -> str:
        return payload_json(self.payload_fields())

    def compute_hash(self) -> str:
        # The one definition of the chain's hash: the offline verifier auditors run (core/auditverify.py).
        return record_hash(self.prev_hash, self.payload_fields())

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            raise AppendOnlyError("audit events are append-only")
        with transaction.atomic():
            last = AuditEvent.objects.select_for_update().order_by("-id").only("hash").first()
            self.prev_hash = last.hash if last else ""
            self.hash = self.compute_hash()
            super().save(*args, **kwargs)

    @classmethod
    def append_many(cls, events: list["AuditEvent"]) -> list["AuditEvent"]:
        """Chain and insert new events in their order under one lock of the newest row: what save() does for one.
        One multi-row INSERT gives ascending ids in the order of its rows, which is the order the chain is read in."""
        if not events:
            return events
        if any(e.pk for e in events):
            raise AppendOnlyError("audit events are append-only")
        ip_field = cls._meta.get_field("ip_address")
        # No savepoint of its own: if the events cannot be written, neither may what they record.
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            newest = _NEWEST_HASH()
            previous = newest[0][0] if newest else ""
            for e in events:
                e.ip_address = ip_field.get_prep_value(e.ip_address)  # stored as hashed (IPv6 normalised)
                e.prev_hash = previous
                e.hash = previous = e.compute_hash()
            rows = [(e.at, e.actor_id, e.actor_name, e.action, e.object_type, e.object_id, e.object_repr,
                     e.region_code, e.ip_address, e.detail, e.prev_hash, e.hash) for e in events]
            found = dict(insert_rows(cursor, cls, {}, _CHAIN_COLUMNS, rows, returning=("hash", "id")))
            for e in events:
                e.pk, e._state.adding, e._state.db = found[e.hash], False, connection.alias
            if any(a.pk >= b.pk for a, b in zip(events, events[1:], strict=False)):
                raise RuntimeError("audit events were numbered out of their chain's order")  # rolls the batch back
            return events

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are append-only")


_CHAIN_COLUMNS = ("at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr", "region_code",
                  "ip_address", "detail", "prev_hash", "hash")

# The head of the chain, locked until the commit: read for every batch of events (compiled once, core/prepared.py).
_NEWEST_HASH = PreparedQuery(lambda: AuditEvent.objects.select_for_update().order_by("-id").values_list("hash")[:1])


class AuditAnchor(models.Model):
    """Where the audit chain starts after a retention run: the hash of the last event pruned (and archived).

    verify_audit starts from the newest anchor, so a chain whose oldest events were archived still verifies, while
    removing further events by hand is still detected. Append-only like the events.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now)
    pruned_through_id = models.BigIntegerField(_("last event pruned"))
    pruned_count = models.PositiveIntegerField(_("events pruned"))
    last_hash = models.CharField(_("hash of the last event pruned"), max_length=64)
    cutoff = models.DateTimeField(_("pruned events older than"))
    archive_name = models.CharField(_("archive file"), max_length=255)
    archive_sha256 = models.CharField(_("SHA-256 of the archive file"), max_length=64)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit chain anchor")
        verbose_name_plural = _("audit chain anchors")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} ≤{self.pruned_through_id} {self.last_hash[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            raise AppendOnlyError("audit anchors are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit anchors are append-only")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A background job (import, PDF batch, notification run). Runs at most once to completion, whatever the retries."""

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    completions = models.PositiveIntegerField(_("completions"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
