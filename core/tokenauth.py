"""API token authentication: DRF's, with the token, its user and the user's active memberships read by one query
prepared once per thread (core/prepared.py), since every request of a burst of committees' submissions
authenticates with its own token and then asks what the user may do. A user with no active membership (a superuser,
say) costs a second query, the token alone."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from .prepared import PreparedQuery

_TOKEN = PreparedQuery(lambda key: Token.objects.select_related("user").filter(key=key), key="\x00sample token")


def _memberships_by_token(key: str) -> Any:
    from accounts.models import active_memberships

    return active_memberships().filter(user__auth_token__key=key).select_related("user__auth_token")


_MEMBERSHIPS_BY_TOKEN = PreparedQuery(_memberships_by_token, key="\x00sample token")


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        memberships = _MEMBERSHIPS_BY_TOKEN(key=key)
        if memberships:
            user = memberships[0].user
            token = user.auth_token
            for membership in memberships:  # one user, as User.cached_memberships leaves them
                membership.user = user
            user._memberships_cache = memberships
        else:
            found = _TOKEN(key=key)
            if not found:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            token = found[0]
            user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
