import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regions.services import ImportFailed, import_divisions


class Command(BaseCommand):
    help = "Import NBS division codes (provinces/cities/areas/streets/villages CSV) idempotently and all-or-nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="folder holding provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv[.gz]")
        parser.add_argument("--province", action="append", default=[], help="two-digit province code to import (repeatable)")
        parser.add_argument("--deactivate-missing", action="store_true", help="mark units no longer in the files as not in use")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = import_divisions(
                Path(options["directory"]),
                provinces=set(options["province"]) or None,
                deactivate_missing=options["deactivate_missing"],
                progress=lambda message: self.stdout.write(message),
            )
        except ImportFailed as failure:
            for error in failure.errors[:200]:
                self.stderr.write(error)
            raise CommandError(f"{len(failure.errors)} error(s); nothing was imported") from None
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"created {result.created}, renamed {result.renamed}, unchanged {result.unchanged}, "
            f"deactivated {result.deactivated} in {elapsed:.1f}s"
        ))
