from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.auditchain import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero and names the first broken event if it was tampered with."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            raise CommandError(f"audit chain broken at event {result.broken_at}: {result.reason}")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} events"))
