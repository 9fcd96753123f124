from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from supervision.services import run_jobs


class Command(BaseCommand):
    help = "Remind agencies of correction deadlines, escalate overdue or late corrections, flag unassigned cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date.fromisoformat, help="Run as of this date (YYYY-MM-DD); default: today.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_jobs(options.get("today"))
        self.stdout.write(" ".join(f"{k}={v}" for k, v in report.items()))
