"""Demo of admission: two more committee accounts of 鸭绿江街道 (for the purchase-of-service journey) and two sample
requests in 皇姑区 — one admitted against the list, one rejected under Art. 8(1) — so every role sees something."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from core.demo import register

# username, display name, committee code
DEMO_COMMITTEE_USERS = [
    ("wenguan.community", "文官社区居委会", "210105023003"),
    ("wanfang.community", "万方社区居委会", "210105023001"),
]

SAMPLES = [
    ("huanggu.health", "协助开展65岁以上老年人健康管理服务宣传",
     "请各村（社区）协助做好辖区65岁以上老年人免费健康体检的政策宣传，通知居民到社区卫生服务中心参加体检。",
     ["210105023201"]),
    ("yalujiang.street", "关于落实社区在违法建设治理中责任的通知",
     "由社区居委会作为辖区违法建设治理的责任主体，负责违建的日常巡查、制止和拆除，并承担管理责任。",
     ["210105023201", "210105023001"]),
]


@register(50, "admission")
def load(stdout: Any) -> None:
    from accounts.choices import Role
    from accounts.demo import demo_password
    from accounts.models import Membership, User
    from regions.choices import OrganisationKind
    from regions.models import Organisation, Region

    from . import services
    from .models import WorkRequest

    password = demo_password()
    for username, display, code in DEMO_COMMITTEE_USERS:
        organisation = Organisation.objects.get(region__code=code, kind=OrganisationKind.COMMITTEE)
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": display, "is_demo": True})
        if created:
            user.set_password(password)
            user.save()
        Membership.objects.get_or_create(user=user, organisation=organisation, role=Role.EDITOR)

    if WorkRequest.objects.exists():
        return
    reviewer = User.objects.get(username="huanggu.ca")
    deadline = timezone.localdate() + timedelta(days=14)
    for username, title, content, codes in SAMPLES:
        user = User.objects.get(username=username)
        sender = services.sender_organisations(user)[0]
        targets = list(Region.objects.filter(code__in=codes).order_by("code"))
        req = services.create_request(user, sender, kind="task", title=title, content=content, deadline=deadline,
                                      targets=targets)
        req = services.submit(user, req)
        services.review(reviewer, req)
