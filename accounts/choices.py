from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    APPROVER = "approver", _("Approver")
    ADMINISTRATOR = "administrator", _("Administrator")
    # 等保 separation of duties: these three manage the system, never business data.
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


class Action(models.TextChoices):
    VIEW = "view", _("View")
    CHANGE = "change", _("Change")
    APPROVE = "approve", _("Approve")
    MANAGE_USERS = "manage_users", _("Manage users")
    SECURITY = "security", _("Manage security")
    AUDIT = "audit", _("Read the audit log")


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.EDITOR: frozenset({Action.VIEW, Action.CHANGE}),
    Role.APPROVER: frozenset({Action.VIEW, Action.APPROVE}),
    Role.ADMINISTRATOR: frozenset({Action.VIEW, Action.CHANGE, Action.APPROVE}),
    Role.SYSTEM_ADMIN: frozenset({Action.MANAGE_USERS}),
    Role.SECURITY_ADMIN: frozenset({Action.SECURITY}),
    Role.AUDIT_ADMIN: frozenset({Action.AUDIT}),
}
