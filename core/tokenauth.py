"""API token authentication: DRF's, with its one query prepared once per thread (core/prepared.py), since every
request of a burst of committees' submissions authenticates with its own token."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from .prepared import PreparedQuery

_TOKEN = PreparedQuery(lambda key: Token.objects.select_related("user").filter(key=key), key="\x00sample token")


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        found = _TOKEN(key=key)
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = found[0]
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
