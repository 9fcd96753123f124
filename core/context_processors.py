from typing import Any

from django.conf import settings
from django.http import HttpRequest


def qingdan(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "SITE_NAME": settings.QINGDAN["SITE_NAME"],
        "DEMO_MODE": settings.QINGDAN["DEMO_ALLOWED"],
        "perms_audit": signed_in and "audit" in user.actions(),
    }
