"""API conventions: the error format of DESIGN.md §8, pagination, and JSON error handlers for non-DRF paths."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list):
        return [str(m) for item in detail for m in _flatten(item)]
    if isinstance(detail, dict):
        return [str(m) for item in detail.values() for m in _flatten(item)]
    return [str(detail)]


def _fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors → {"a.b": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(_fields(value, name))
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for i, item in enumerate(value):
                    out.update(_fields(item, f"{name}.{i}"))
            else:
                out[name] = _flatten(value)
    return out


CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RecursionError) and "JSON" in str(exc):
        # json gives up on deeply nested bodies with RecursionError, not ValueError (all DRF's parser catches): the
        # client's error, a 400 like any malformed JSON.
        exc = exceptions.ParseError()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_("You do not have permission to do this."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail) if isinstance(exc.detail, dict) else {}
        non_field = fields.pop("non_field_errors", None)
        message = non_field[0] if non_field else _flatten(exc.detail)[0] if not fields else _("The request has errors.")
        response.data = error_body("invalid", message, fields)
    else:
        code = CODES.get(type(exc), getattr(exc, "default_code", "error"))
        if isinstance(exc, exceptions.ParseError):
            message = _("The request body is not valid JSON.")
        else:
            message = _flatten(exc.detail)[0] if hasattr(exc, "detail") else str(exc)
        response.data = error_body(code, message)
    return response


def json_error(request: Any, code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code, json_dumps_params={"ensure_ascii": False})


class ApiError(exceptions.APIException):
    """A business-rule error raised by services and shown as DESIGN.md §8 errors."""

    def __init__(self, code: str, message: str, status_code: int = status.HTTP_400_BAD_REQUEST) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.default_code = code


def call_service(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service from an API view; an ApiError carrying `fields` becomes a validation error with those fields."""
    try:
        return func(*args, **kwargs)
    except ApiError as exc:
        fields = getattr(exc, "fields", None)
        if fields:
            from rest_framework import serializers

            raise serializers.ValidationError(fields) from exc
        raise


def show_errors(request: Any, error: exceptions.APIException) -> None:
    """Put a service error's messages on a page (Django messages), field by field."""
    from django.contrib import messages

    detail = error.detail
    if isinstance(detail, dict):
        for value in detail.values():
            for message in _flatten(value):
                messages.error(request, message)
    else:
        messages.error(request, str(detail))
