"""The writes of a batch of submissions, a few statements whatever its size (core/bulkinsert.py): reporting.services
decides what to write, this module only writes it. Every value and submission written gets its simple_history row,
with the columns simple_history itself writes. On PostgreSQL each kind of write is one statement."""

from datetime import datetime
from typing import Any

from django.db import connection

from core.bulkinsert import Logged, history_insert, insert_rows, json_rows, json_source, log_ids
from core.bulkinsert import quote as _q

from .models import ElementValue, IdempotencyRecord, Submission


def write_values(new: list[tuple[int, int, str, str, int | None]], changed: list[tuple[str, int | None, int, int]],
                 now: datetime, reason: str) -> None:
    """New values (committee, element, period, value, user) and changed ones (value, user, id, lock_version read;
    the rows are locked since they were read), each with its history row."""
    with connection.cursor() as cursor:
        if new:
            insert_rows(cursor, ElementValue, {"created_at": now, "updated_at": now, "lock_version": 0},
                    ("committee_id", "element_id", "period", "value", "entered_by_id"), new,
                    Logged(now, reason, "+", "entered_by_id"))
        if not changed:
            return
        table, at = _q(ElementValue._meta.db_table), connection.ops.adapt_datetimefield_value(now)
        logged = Logged(now, reason, "~", "entered_by_id")
        if connection.vendor == "postgresql":
            columns = ("value", "entered_by_id", "id", "lock_version")
            cursor.execute(
                f"WITH written AS (UPDATE {table} AS t SET {_q('value')} = r.{_q('value')}, "  # noqa: S608 - quoted names
                f"{_q('entered_by_id')} = r.{_q('entered_by_id')}, {_q('lock_version')} = t.{_q('lock_version')} + 1, "
                f"{_q('updated_at')} = %s FROM {json_source(ElementValue, columns)} WHERE t.{_q('id')} = r.{_q('id')} "
                f"AND t.{_q('lock_version')} = r.{_q('lock_version')} RETURNING t.*) "
                f"{history_insert(ElementValue, 'entered_by_id')} written",
                [at, json_rows(changed), at, logged.reason, logged.kind])
            return
        cursor.executemany(
            f"UPDATE {table} SET {_q('value')} = %s, {_q('entered_by_id')} = %s, "  # noqa: S608 - quoted names
            f"{_q('lock_version')} = {_q('lock_version')} + 1, {_q('updated_at')} = %s "
            f"WHERE {_q('id')} = %s AND {_q('lock_version')} = %s",
            [(value, user_id, at, pk, lock_version) for value, user_id, pk, lock_version in changed])
        log_ids(cursor, ElementValue, logged, [pk for _v, _u, pk, _l in changed])


def write_submissions(created: list[Submission], replaced: list[Submission], now: datetime) -> None:
    """New submissions (their ids are set) and replaced ones (data, revision and who as set on them), each with its
    history row."""
    with connection.cursor() as cursor:
        if created:
            json_data = connection.vendor == "postgresql"  # inside the JSON rows, data stays an object
            rows = [(s.channel.pk, s.committee.pk, s.period,
                     s.data if json_data else connection.ops.adapt_json_value(s.data, None), s.submitted_by_id)
                    for s in created]
            found = insert_rows(cursor, Submission, {"created_at": now, "updated_at": now, "revision": 1, "pulled_at": None},
                            ("channel_id", "committee_id", "period", "data", "submitted_by_id"), rows,
                            Logged(now, "submitted", "+", "submitted_by_id"),
                            returning=("id", "channel_id", "committee_id", "period"))
            # Rows come back in no promised order: matched by their form, unique within a batch.
            ids = {(channel_id, committee_id, period): pk for pk, channel_id, committee_id, period in found}
            for sub in created:
                sub.pk = ids[(sub.channel.pk, sub.committee.pk, sub.period)]
                sub._state.adding, sub._state.db = False, connection.alias
        if not replaced:
            return
        table, at = _q(Submission._meta.db_table), connection.ops.adapt_datetimefield_value(now)
        logged = Logged(now, "values changed", "~", "submitted_by_id")
        if connection.vendor == "postgresql":
            columns = ("id", "data", "revision", "submitted_by_id")
            cursor.execute(
                f"WITH written AS (UPDATE {table} AS t SET {_q('data')} = r.{_q('data')}, "  # noqa: S608 - quoted names
                f"{_q('revision')} = r.{_q('revision')}, {_q('submitted_by_id')} = r.{_q('submitted_by_id')}, "
                f"{_q('pulled_at')} = NULL, {_q('updated_at')} = %s FROM {json_source(Submission, columns)} "
                f"WHERE t.{_q('id')} = r.{_q('id')} RETURNING t.*) {history_insert(Submission, 'submitted_by_id')} written",
                [at, json_rows([(s.pk, s.data, s.revision, s.submitted_by_id) for s in replaced]), at,
                 logged.reason, logged.kind])
            return
        cursor.executemany(
            f"UPDATE {table} SET {_q('data')} = %s, {_q('revision')} = %s, {_q('submitted_by_id')} = %s, "  # noqa: S608
            f"{_q('pulled_at')} = NULL, {_q('updated_at')} = %s WHERE {_q('id')} = %s",
            [(connection.ops.adapt_json_value(s.data, None), s.revision, s.submitted_by_id, at, s.pk) for s in replaced])
        log_ids(cursor, Submission, logged, [s.pk for s in replaced])


def write_answers(answers: list[tuple[int, str, dict[str, Any], int]], now: datetime) -> None:
    """The answers to idempotency keys (user, key, response, status code), for retries."""
    if not answers:
        return
    json_response = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        insert_rows(cursor, IdempotencyRecord, {"created_at": now}, ("user_id", "key", "response", "status_code"),
                [(user_id, key, response if json_response else connection.ops.adapt_json_value(response, None), code)
                 for user_id, key, response, code in answers])
