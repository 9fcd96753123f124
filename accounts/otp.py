"""TOTP second factor for administrators (等保 2.0: two factors for privileged users)."""

from typing import Any

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from .choices import Role

ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def requires_otp(user: Any) -> bool:
    if not getattr(settings, "OTP_REQUIRED_FOR_ADMINS", True) or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.has_role(*ADMIN_ROLES))


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being set up (created on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def verify(user: Any, token: str) -> TOTPDevice | None:
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit():
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None
