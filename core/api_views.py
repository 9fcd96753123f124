from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from .api import ApiError


class ApiRootView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=inline_serializer("ApiRoot", {"schema": serializers.URLField(), "docs": serializers.URLField()}))
    def get(self, request: Request) -> Response:
        return Response(
            {
                "schema": reverse("api-schema", request=request),
                "docs": reverse("api-docs", request=request),
                "health": request.build_absolute_uri("/healthz"),
            }
        )


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(max_length=8, required=False, help_text="TOTP code; required for administrators")


class TokenView(APIView):
    """Exchange a username and password for an API token (integrations). Failed attempts count toward lockout."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=TokenRequestSerializer, responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        from accounts.otp import requires_otp, second_factor_failed, second_factor_passed, verify

        credentials = {k: v for k, v in data.validated_data.items() if k != "otp"}
        user = authenticate(request._request, **credentials)
        if user is None:
            raise ApiError("authentication_failed", _("Wrong user name or password, or the account is locked."), 401)
        if requires_otp(user):
            if verify(user, data.validated_data.get("otp", "")) is None:
                # A wrong code counts toward the lockout as a wrong password does (the code page does the same).
                second_factor_failed(request._request, user)
                raise ApiError("otp_required", _("Administrators need a valid one-time code (otp) to get a token."),
                               401)
            second_factor_passed(request._request, user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(max_length=64)
    params = serializers.DictField(required=False, default=dict)
    status = serializers.CharField(read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    completions = serializers.IntegerField(read_only=True)
    result = serializers.DictField(read_only=True)
    error = serializers.CharField(read_only=True)


def _may_run_jobs(user: Any) -> bool:
    from accounts.choices import Action

    return getattr(user, "is_superuser", False) or Action.MANAGE_USERS in user.actions()


class JobListView(APIView):
    """Submit a background job (system administrators). Diagnostic jobs exist only in demo installations."""

    @extend_schema(request=JobSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        from django.conf import settings

        from . import jobs

        if not _may_run_jobs(request.user):
            raise ApiError("permission_denied", _("Only system administrators run jobs."), 403)
        data = JobSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        if kind not in jobs.kinds() or (kind == "core.sleep" and not settings.QINGDAN["DEMO_ALLOWED"]):
            raise ApiError("invalid", _("Unknown job kind."), 400)
        job = jobs.submit(kind, data.validated_data.get("params") or {}, user=request.user)
        return Response(JobSerializer(job).data, status=202)


class JobDetailView(APIView):
    @extend_schema(responses=JobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        from .models import Job

        job = Job.objects.filter(pk=pk).first()
        if job is None or not (_may_run_jobs(request.user) or job.created_by_id == request.user.pk):
            raise ApiError("not_found", _("Not found."), 404)
        return Response(JobSerializer(job).data)
