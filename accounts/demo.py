"""Demo accounts, one per role the demo needs. The password is random per installation (var/demo-password.txt)."""

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings

from core.demo import register
from regions.choices import OrganisationKind, Sector
from regions.models import Organisation

from .choices import Role
from .models import Membership, User

PASSWORD_FILE = "demo-password.txt"

# username, display name, (region code, organisation kind, sector), roles
DEMO_USERS = [
    ("province.ca", "省民政厅 工作人员", ("210000000000", OrganisationKind.CIVIL_AFFAIRS, ""), [Role.EDITOR]),
    ("province.gov", "省人民政府 审批人", ("210000000000", OrganisationKind.GOVERNMENT, ""), [Role.APPROVER]),
    ("shenyang.ca", "沈阳市民政局 工作人员", ("210100000000", OrganisationKind.CIVIL_AFFAIRS, ""), [Role.EDITOR]),
    ("shenyang.gov", "沈阳市人民政府 审批人", ("210100000000", OrganisationKind.GOVERNMENT, ""), [Role.APPROVER]),
    ("huanggu.ca", "皇姑区民政局 工作人员", ("210105000000", OrganisationKind.CIVIL_AFFAIRS, ""), [Role.EDITOR, Role.APPROVER]),
    ("huanggu.gov", "皇姑区人民政府 审批人", ("210105000000", OrganisationKind.GOVERNMENT, ""), [Role.APPROVER]),
    ("huanggu.health", "皇姑区卫生健康局 工作人员", ("210105000000", OrganisationKind.DEPARTMENT, Sector.HEALTH), [Role.EDITOR]),
    ("yalujiang.street", "鸭绿江街道办事处 工作人员", ("210105023000", OrganisationKind.STREET_OFFICE, ""), [Role.EDITOR, Role.APPROVER]),
    ("wenguan.village", "文官村委会", ("210105023201", OrganisationKind.COMMITTEE, ""), [Role.EDITOR]),
    ("chunhai.community", "春海社区居委会", ("210202001002", OrganisationKind.COMMITTEE, ""), [Role.EDITOR]),
    ("zhongshan.ca", "中山区民政局 工作人员", ("210202000000", OrganisationKind.CIVIL_AFFAIRS, ""), [Role.EDITOR, Role.APPROVER]),
    ("zhongshan.gov", "中山区人民政府 审批人", ("210202000000", OrganisationKind.GOVERNMENT, ""), [Role.APPROVER]),
    ("dalian.ca", "大连市民政局 工作人员", ("210200000000", OrganisationKind.CIVIL_AFFAIRS, ""), [Role.EDITOR, Role.APPROVER]),
    ("audit.admin", "审计管理员", ("210000000000", OrganisationKind.CIVIL_AFFAIRS, ""), [Role.AUDIT_ADMIN]),
    ("security.admin", "安全管理员", ("210000000000", OrganisationKind.CIVIL_AFFAIRS, ""), [Role.SECURITY_ADMIN]),
    ("system.admin", "系统管理员", ("210000000000", OrganisationKind.CIVIL_AFFAIRS, ""), [Role.SYSTEM_ADMIN]),
]


def demo_password() -> str:
    """DEMO_PASSWORD if set, else a random one kept under var/ so every `make run` can print it."""
    import os

    if password := os.environ.get("DEMO_PASSWORD"):
        return password
    path = Path(settings.VAR_DIR) / PASSWORD_FILE
    if not path.exists():
        path.write_text("Qd-" + secrets.token_urlsafe(9) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


@register(20, "accounts")
def load(stdout: Any) -> None:
    password = demo_password()
    for username, display, (code, kind, sector), roles in DEMO_USERS:
        organisation = Organisation.objects.get(region__code=code, kind=kind, sector=sector)
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": display, "is_demo": True})
        if created:
            user.set_password(password)
            user.save()
        if username == "system.admin":
            grant_user_management(user)
        for role in roles:
            Membership.objects.get_or_create(user=user, organisation=organisation, role=role)


def grant_user_management(user: User) -> None:
    """Django admin is the account console of system administrators: users and memberships, no business data."""
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    codenames = [f"{verb}_{model}" for verb in ("add", "change", "view") for model in ("user", "membership")]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))
