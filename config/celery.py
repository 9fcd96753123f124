"""Celery app. Without CELERY_BROKER_URL tasks run eagerly in-process (the embedded default)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
app = Celery("qingdan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Scheduled jobs (celery beat in production; `manage.py run_supervision_jobs` from cron in the embedded mode).
app.conf.beat_schedule = {
    "supervision-deadlines": {"task": "supervision.run_jobs", "schedule": crontab(hour=1, minute=0)},
    # Audit retention (embedded mode: `manage.py audit_retention` daily from cron).
    "audit-retention": {"task": "core.audit_retention", "schedule": crontab(hour=2, minute=30)},
}
