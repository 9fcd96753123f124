"""Celery task of the supervision deadlines (run by beat daily; eagerly in-process without a broker)."""

from celery import shared_task


@shared_task(name="supervision.run_jobs")
def run_supervision_jobs() -> dict[str, int]:
    from .services import run_jobs

    return run_jobs()
