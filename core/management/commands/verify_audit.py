from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.auditchain import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero and names the first broken event if it was tampered with."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            raise CommandError(f"audit chain broken at event {result.broken_at}: {result.reason}")
        # The head hash lets an auditor check that an export ends where the log does (core/auditverify.py --last).
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} events"))
        self.stdout.write(f"starts after: {result.anchor or '(the beginning)'}")
        self.stdout.write(f"head: {result.head or '(empty)'}")
