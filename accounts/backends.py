from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class QingdanBackend(ModelBackend):
    """Model backend that refuses demo accounts outside demo installations."""

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.QINGDAN["DEMO_ALLOWED"]:
            return False
        return super().user_can_authenticate(user)
