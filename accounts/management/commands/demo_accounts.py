from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_USERS, demo_password
from accounts.models import User


class Command(BaseCommand):
    help = "Print the demo accounts and their password (demo installations only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.QINGDAN["DEMO_ALLOWED"]:
            return
        existing = set(User.objects.filter(is_demo=True).values_list("username", flat=True))
        self.stdout.write(f"Demo accounts (password for all: {demo_password()}):")
        for username, display, _org, roles in DEMO_USERS:
            if username in existing:
                self.stdout.write(f"  {username:<20} {display}  [{', '.join(roles)}]")
