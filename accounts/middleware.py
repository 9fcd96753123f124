from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.api import json_error

from .otp import requires_otp

ALLOWED_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/static/", "/i18n/", "/healthz", "/jsi18n/")
API_PREFIX = "/api/"


class AdminOTPMiddleware:
    """Administrators must confirm a TOTP code after signing in before they reach any page. Pages redirect to the
    code page; an API call with such a session cookie is answered 401 in the API's error format (DESIGN.md §8)."""

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
            if request.path.startswith(API_PREFIX):
                response = json_error(request, "otp_required",
                                      _("Confirm your one-time code on the sign-in page first, or use an API token."), 401)
                response["WWW-Authenticate"] = "Token"
                return response
            return redirect(f"/accounts/otp/?next={request.get_full_path()}")
        return self.get_response(request)
