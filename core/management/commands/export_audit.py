import sys
from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.audit import record
from core.auditchain import events_between, write_export
from core.models import AuditAction


def _moment(text: str | None, *, end: bool) -> datetime | None:
    """YYYY-MM-DD (a whole day in local time: --until includes that day) or an ISO date-time."""
    if not text:
        return None
    if (day := parse_date(text)) is not None:
        start = timezone.make_aware(datetime.combine(day, time.min))
        return start + timedelta(days=1) if end else start
    if (moment := parse_datetime(text)) is not None:
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    raise CommandError(f"not a date or date-time: {text!r}")


class Command(BaseCommand):
    help = ("Export audit events for an auditor, each with its hash and previous hash, so the file can be re-verified "
            "offline with core/auditverify.py (see docs/security.md).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="first day (YYYY-MM-DD, local time) or ISO date-time")
        parser.add_argument("--until", help="last day included (YYYY-MM-DD) or ISO date-time (excluded)")
        parser.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = _moment(options["since"], end=False), _moment(options["until"], end=True)
        events = events_between(since, until)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8-sig" if options["format"] == "csv" else "utf-8",
                      newline="") as out:
                result = write_export(out, events, options["format"])
        else:
            result = write_export(sys.stdout, events, options["format"])
        # Recorded after writing, so the export is itself in the log (and not in its own file).
        record(AuditAction.EXPORT, what="audit_export", count=result.count, first=result.first_id, last=result.last_id,
               since=options["since"] or "", until=options["until"] or "", format=options["format"])
        if options["output"]:
            self.stderr.write(f"{result.count} events; first prev_hash {result.first_prev_hash or '(start)'}, "
                              f"last hash {result.last_hash}")
