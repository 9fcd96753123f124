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


class TokenView(APIView):
    """Exchange a username and password for an API token (integrations). Failed attempts count toward lockout."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=TokenRequestSerializer, responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise ApiError("authentication_failed", _("Wrong user name or password, or the account is locked."), 401)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
