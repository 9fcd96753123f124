from celery import shared_task


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5, default_retry_delay=5)
def run_job(self, job_id: int) -> str:  # noqa: ANN001
    from django.db import OperationalError

    from .jobs import execute

    try:
        return execute(job_id).status
    except OperationalError as exc:  # database away for a moment: try again later
        raise self.retry(exc=exc) from exc


@shared_task(name="core.audit_retention")
def audit_retention() -> dict:
    """Daily in production (celery beat): archive and remove audit events past AUDIT_RETENTION_DAYS (≥ 180)."""
    from .auditchain import apply_retention

    result = apply_retention()
    return {"pruned": result.pruned, "archive": result.archive, "sha256": result.archive_sha256}
