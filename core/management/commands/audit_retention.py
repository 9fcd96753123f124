from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.auditchain import MIN_RETENTION_DAYS, RetentionError, apply_retention


class Command(BaseCommand):
    help = (f"Archive and remove audit events older than AUDIT_RETENTION_DAYS (at least {MIN_RETENTION_DAYS}); the archive "
            "(JSON lines + .sha256) goes to AUDIT_ARCHIVE_DIR and the chain stays verifiable from a stored anchor.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None,
                            help=f"keep this many days (default AUDIT_RETENTION_DAYS; never below {MIN_RETENTION_DAYS})")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be archived and removed")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = apply_retention(options["days"], dry_run=options["dry_run"])
        except RetentionError as exc:
            raise CommandError(str(exc)) from exc
        if options["dry_run"]:
            self.stdout.write(f"would archive and remove {result.pruned} events older than {result.cutoff:%Y-%m-%d %H:%M}")
        elif not result.pruned:
            self.stdout.write(f"nothing older than {result.cutoff:%Y-%m-%d %H:%M}")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"archived {result.pruned} events to {result.archive} (sha256 {result.archive_sha256}); "
                f"chain now starts after {result.anchor}"))
