"""The writes of a batch of submissions, a few statements whatever its size (core/bulkinsert.py): reporting.services
decides what to write, this module only writes it. Every value and submission written gets its simple_history row,
with the columns simple_history itself writes. On PostgreSQL each kind of write is one statement."""

from datetime import datetime
from typing import Any

from django.db import connection

from core.bulkinsert import Logged, insert_rows, update_rows

from .models import ElementValue, IdempotencyRecord, Submission


def write_values(new: list[tuple[int, int, str, str, int | None]], changed: list[tuple[str, int | None, int, int]],
                 now: datetime, reason: str) -> None:
    """New values (committee, element, period, value, user) and changed ones (value, user, id, lock_version read:
    a compare-and-set, though the rows are locked since they were read), each with its history row."""
    with connection.cursor() as cursor:
        if new:
            insert_rows(cursor, ElementValue, {"created_at": now, "updated_at": now, "lock_version": 0},
                        ("committee_id", "element_id", "period", "value", "entered_by_id"), new,
                        Logged(now, reason, "+", "entered_by_id"))
        if changed:
            update_rows(cursor, ElementValue, ("value", "entered_by_id"), ("id", "lock_version"), changed,
                        Logged(now, reason, "~", "entered_by_id"), {"updated_at": now}, increments=("lock_version",))


def write_submissions(created: list[Submission], replaced: list[Submission], now: datetime) -> None:
    """New submissions (their ids are set) and replaced ones (data, revision and who as set on them; no longer
    received by the agency), each with its history row."""
    with connection.cursor() as cursor:
        if created:
            found = insert_rows(
                cursor, Submission, {"created_at": now, "updated_at": now, "revision": 1, "pulled_at": None},
                ("channel_id", "committee_id", "period", "data", "submitted_by_id"),
                [(s.channel.pk, s.committee.pk, s.period, s.data, s.submitted_by_id) for s in created],
                Logged(now, "submitted", "+", "submitted_by_id"), returning=("id", "channel_id", "committee_id", "period"))
            # Rows come back in no promised order: matched by their form, unique within a batch.
            ids = {(channel_id, committee_id, period): pk for pk, channel_id, committee_id, period in found}
            for sub in created:
                sub.pk = ids[(sub.channel.pk, sub.committee.pk, sub.period)]
                sub._state.adding, sub._state.db = False, connection.alias
        if replaced:
            update_rows(cursor, Submission, ("data", "revision", "submitted_by_id"), ("id",),
                        [(s.data, s.revision, s.submitted_by_id, s.pk) for s in replaced],
                        Logged(now, "values changed", "~", "submitted_by_id"), {"updated_at": now, "pulled_at": None})


def write_answers(answers: list[tuple[int, str, dict[str, Any], int]], now: datetime) -> None:
    """The answers to idempotency keys (user, key, response, status code), for retries."""
    if answers:
        with connection.cursor() as cursor:
            insert_rows(cursor, IdempotencyRecord, {"created_at": now}, ("user_id", "key", "response", "status_code"),
                        answers)
