import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from .audit import record
from .models import AuditAction


class SessionTimeoutMiddleware:
    """Ends a signed-in session after SESSION_IDLE_TIMEOUT idle seconds or SESSION_ABSOLUTE_TIMEOUT in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session") and "_auth_user_id" in request.session:
            now = int(time.time())
            started = request.session.setdefault("qd_started", now)
            last = request.session.get("qd_seen", now)
            if now - last > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                record(AuditAction.SESSION_EXPIRED, user=user, request=request)
                logout(request)
                request.session["qd_expired"] = True
            else:
                request.session["qd_seen"] = now
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Rejects bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (plus uploads' allowance) with 413 before reading them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = getattr(settings, "MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
        is_multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        if length > (limit if is_multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE):
            return JsonResponse(
                {"error": {"code": "request_too_large", "message": _("The request body is too large."), "fields": {}}},
                status=413,
            )
        return self.get_response(request)


class LanguageMiddleware:
    """Simplified Chinese unless the user chose otherwise (language cookie); API clients may ask by Accept-Language.

    Browsers' Accept-Language is ignored on pages: a government system's default language is not the browser's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        supported = dict(settings.LANGUAGES)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            language = settings.LANGUAGE_CODE
            if request.path.startswith("/api/"):
                asked = translation.get_language_from_request(request)
                language = asked if asked in supported else language
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's messages, with the storage built on first use. Most requests never touch messages (the API, a
    burst of submissions), and building the storage (a cookie signer and the session's) cost about 3% of a
    submission's Python time. An untouched storage stores nothing on the response (BaseStorage.update), so it is
    skipped there too."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
