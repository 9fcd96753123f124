"""TOTP second factor for administrators (等保 2.0: two factors for privileged users).

A wrong code counts toward the same lockout as a wrong password: django-axes' failure count for the user name and the
address (AXES_LOCKOUT_PARAMETERS). For these accounts the count starts again only when the code is right, not when the
password is (accounts.signals.axes_sign_in)."""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
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


def _credentials(user: Any) -> dict[str, str]:
    return {"username": user.get_username()}


def second_factor_locked(request: Any, user: Any) -> bool:
    """The user name is locked out from this address (wrong passwords and wrong codes alike): no code is tried."""
    return not AxesProxyHandler.is_allowed(request, _credentials(user))


def second_factor_failed(request: Any, user: Any) -> bool:
    """Count a wrong code as axes counts a wrong password; True when this failure reaches the limit (the request is
    then marked locked out, and axes' middleware answers with accounts.views.locked_out)."""
    AxesProxyHandler.user_login_failed(sender=__name__, credentials=_credentials(user), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def second_factor_passed(request: Any, user: Any) -> None:
    """Both factors are right: the sign-in succeeded, for axes too (access log, failure count reset)."""
    AxesProxyHandler.user_logged_in(sender=__name__, request=request, user=user)
