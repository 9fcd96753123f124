"""Error pages (JSON under /api/, HTML elsewhere) and the health check."""

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from .api import json_error
from .audit import record_denial


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return json_error(request, "bad_request", _("The request is not valid."), 400)
    return render(request, "errors/400.html", status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        record_denial(request.user, None, request.method, request=request, path=request.path[:200])
    if _is_api(request):
        return json_error(request, "permission_denied", _("You do not have permission to do this."), 403)
    return render(request, "errors/403.html", status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return json_error(request, "not_found", _("Not found."), 404)
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return json_error(request, "server_error", _("Something went wrong on our side. It has been logged."), 500)
    return render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _is_api(request):
        return json_error(request, "csrf_failed", _("The form expired or came from elsewhere. Reload and try again."), 403)
    return render(request, "errors/403_csrf.html", status=403)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": connection.vendor})
    except Exception:  # noqa: BLE001 — any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)


def ping(request: HttpRequest) -> JsonResponse:
    """The trivial JSON view that benchmarks compare real pages against (no database, no templates)."""
    return JsonResponse({"pong": True})
