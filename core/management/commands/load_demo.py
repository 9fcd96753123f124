import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.demo import loaders
from regions.models import Region


class Command(BaseCommand):
    help = "Load the Liaoning demo data (regions, organisations, demo accounts, and each app's sample data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when regions are already loaded")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.QINGDAN["DEMO_ALLOWED"]:
            raise CommandError("Demo data and demo accounts are refused in production (QINGDAN_ENV=production).")
        if options["if_empty"] and Region.objects.exists():
            self.stdout.write("Demo data already loaded; keeping it.")
            return
        for _order, name, load in loaders():
            started = time.monotonic()
            with transaction.atomic():
                load(self.stdout)
            self.stdout.write(f"  {name}: {time.monotonic() - started:.1f}s")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
