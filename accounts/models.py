"""Users and their memberships: a user acts for an organisation, with roles, inside its region's subtree."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped, history
from core.prepared import PreparedQuery
from regions.models import Organisation

from .choices import ROLE_ACTIONS, Role


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    is_demo = models.BooleanField(_("demo account"), default=False)

    history = history(excluded_fields=["password", "last_login"])
    scope_code_field = "memberships__organisation__region__code"
    scope_through_many = True

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def cached_memberships(self) -> list["Membership"]:
        """Active memberships with organisation and region, loaded once per request."""
        if not hasattr(self, "_memberships_cache"):
            found = _ACTIVE_MEMBERSHIPS(user_id=self.pk)
            for membership in found:
                membership.user = self
            self._memberships_cache = found
        return self._memberships_cache

    @property
    def organisation(self) -> Organisation | None:
        memberships = self.cached_memberships()
        return memberships[0].organisation if memberships else None

    def actions(self) -> set[str]:
        return {a for m in self.cached_memberships() for a in ROLE_ACTIONS[m.role]}

    def has_role(self, *roles: str) -> bool:
        return any(m.role in roles for m in self.cached_memberships())


class Membership(TimeStamped):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    history = history()
    scope_code_field = "organisation__region__code"

    class Meta:
        ordering = ["organisation__region__code", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


# Every signed-in request reads these (compiled once per thread: see core/prepared.py).
def active_memberships() -> models.QuerySet:
    """What User.cached_memberships holds (core/tokenauth.py reads the same with the API token)."""
    return Membership.objects.filter(is_active=True, organisation__is_active=True).select_related("organisation__region")


_ACTIVE_MEMBERSHIPS = PreparedQuery(lambda user_id: active_memberships().filter(user_id=user_id), user_id=-7_300_000_001)
