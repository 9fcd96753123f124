from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .otp import requires_otp

ALLOWED_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/static/", "/i18n/", "/healthz", "/jsi18n/")


class AdminOTPMiddleware:
    """Administrators must confirm a TOTP code after signing in before they reach any page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and requires_otp(user)
            and not user.is_verified()
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            return redirect(f"/accounts/otp/?next={request.get_full_path()}")
        return self.get_response(request)
