"""Background jobs: a registry of handlers by kind, submitted through Celery (eager in the embedded mode).

Exactly-once completion: a handler runs inside one database transaction together with marking its Job done, so a worker
killed mid-job leaves nothing behind; the broker redelivers the unacknowledged task (acks_late) and the rerun finds the
job not done and runs it again. A redelivered task for a job already done does nothing.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Job, JobStatus

Handler = Callable[[dict[str, Any]], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def wrap(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return wrap


def kinds() -> list[str]:
    return sorted(_HANDLERS)


def submit(kind: str, params: dict[str, Any] | None = None, user: Any = None) -> Job:
    if kind not in _HANDLERS:
        raise KeyError(kind)
    job = Job.objects.create(kind=kind, params=params or {}, created_by=user if getattr(user, "is_authenticated", False) else None)
    from .tasks import run_job

    transaction.on_commit(lambda: run_job.delay(job.pk))
    return job


def execute(job_id: int) -> Job:
    """Run one job to completion unless it is already done (idempotent)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status == JobStatus.DONE:
            return job
        job.attempts += 1
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["attempts", "status", "started_at"])
    try:
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=job_id)
            if job.status == JobStatus.DONE:
                return job
            result = _HANDLERS[job.kind](job.params)
            job.result = result or {}
            job.status = JobStatus.DONE
            job.completions += 1
            job.finished_at = timezone.now()
            job.error = ""
            job.save(update_fields=["result", "status", "completions", "finished_at", "error"])
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
        raise
    return job


@handler("core.sleep")
def sleep_job(params: dict[str, Any]) -> dict[str, Any]:
    """A job that takes a while and writes one audit event: used to prove exactly-once completion under faults."""
    import time

    from .audit import record
    from .models import AuditAction

    time.sleep(float(params.get("seconds", 1)))
    record(AuditAction.WORKFLOW, detail_kind="core.sleep", marker=str(params.get("marker", "")))
    return {"slept": params.get("seconds", 1)}


@handler("regions.import")
def import_regions_job(params: dict[str, Any]) -> dict[str, Any]:
    from pathlib import Path

    from django.conf import settings

    from regions.services import import_divisions

    directory = Path(params.get("directory") or Path(settings.BASE_DIR) / "data" / "divisions")
    provinces = set(params.get("provinces") or []) or None
    result = import_divisions(directory, provinces=provinces)
    return {"created": result.created, "renamed": result.renamed, "unchanged": result.unchanged}
