"""Demo of reporting (Art. 6): the dictionary seeded from data/elements.toml; nine channels that agencies of 皇姑区
ask committees to use, with real overlaps (户籍人口 asked by four agencies, 老年人数 by two, ...), an unlisted one, a
rush one and one with a field the dictionary does not know; a county review (approvals, a rejection); the 2026-style
annual plan of 鸭绿江街道 (current year) and one exception approved by the county government."""

from typing import Any

from django.utils import timezone

from core.demo import register

COUNTY = "210105000000"
TOWNSHIP = "210105023000"

# username, display name, organisation name (a 皇姑区 department)
DEMO_AGENCY_USERS = [("huanggu.disabled", "皇姑区残疾人联合会 工作人员", "皇姑区残疾人联合会")]

# owner, name, kind, frequency, notice days, minutes, list items, fields, outcome
CHANNELS: list[tuple[str, str, str, str, int, int, list[str], list[str], str]] = [
    ("皇姑区卫生健康局", "老年人健康管理月报", "report", "monthly", 10, 40, ["A23", "A09"],
     ["户籍人口(人)", "常住人口", "65岁以上老年人数", "家庭医生签约人数", "高血压患者数", "糖尿病患者数"], "plan"),
    ("皇姑区残疾人联合会", "残疾人基本状况季报", "report", "quarterly", 15, 45, ["A17"],
     ["户籍人口数", "持证残疾人数", "重度残疾人数", "享受两项补贴残疾人数", "60周岁及以上老年人数"], "plan"),
    ("沈阳市公安局皇姑分局", "实有人口登记台账", "ledger", "monthly", 10, 60, ["A20"],
     ["实有人口", "流动人口", "出租房屋数", "户籍户数"], "plan"),
    ("皇姑区司法局", "矛盾纠纷排查调处月报", "report", "monthly", 7, 20, ["A01"],
     ["排查矛盾纠纷件数", "调解矛盾纠纷件数"], "exception"),
    ("皇姑区统计局", "村（社区）基本情况年报", "report", "annual", 20, 90, ["A12"],
     ["户籍人口", "户籍总户数", "常住人口", "60岁以上老年人数", "党员数", "网格数"], "pending"),
    ("皇姑区医疗保障局", "城乡居民医保参保情况月报", "report", "monthly", 5, 30, [],
     ["城乡居民基本医疗保险参保人数", "户籍人口"], "pending"),
    ("皇姑区应急管理局", "安全隐患排查日报群", "group", "daily", 1, 10, ["A24"],
     ["排查隐患数", "网格员数"], "pending"),
    ("皇姑区退役军人事务局", "退役军人信息采集表", "app", "semiannual", 10, 60, [],
     ["退役军人数", "优抚对象数", "户籍人口"], "rejected"),
    ("皇姑区人力资源和社会保障局", "城乡居民养老保险参保情况季报", "report", "quarterly", 10, 30, ["A16"],
     ["城乡居民基本养老保险参保人数", "城乡居民基本养老保险待遇领取人数", "灵活就业人员数"], "pending"),
]
DUE = {"monthly": "每月5日前", "quarterly": "每季度首月10日前", "annual": "每年1月20日前"}


@register(60, "reporting")
def load(stdout: Any) -> None:
    from accounts.choices import Role
    from accounts.demo import demo_password
    from accounts.models import Membership, User
    from regions.choices import OrganisationKind
    from regions.models import Organisation, Region

    from . import services
    from .choices import ChannelStatus
    from .models import ChannelField, ReportingChannel

    services.sync_elements()
    password = demo_password()
    for username, display, org_name in DEMO_AGENCY_USERS:
        organisation = Organisation.objects.get(name=org_name, region__code=COUNTY)
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": display, "is_demo": True})
        if created:
            user.set_password(password)
            user.save()
        Membership.objects.get_or_create(user=user, organisation=organisation, role=Role.EDITOR)
    if ReportingChannel.objects.exists():
        return

    county = Region.objects.get(code=COUNTY)
    ca = User.objects.get(username="huanggu.ca")
    gov = User.objects.get(username="huanggu.gov")
    street = User.objects.get(username="yalujiang.street")
    year = timezone.localdate().year
    made = []
    for owner_name, name, kind, frequency, notice, minutes, items, fields, outcome in CHANNELS:
        owner = Organisation.objects.get(name=owner_name, region=county, kind=OrganisationKind.DEPARTMENT)
        # Agencies without a demo account: registered as the agency would, through the same resolution and queue.
        channel = ReportingChannel(owner=owner, region=county, name=name, kind=kind, frequency=frequency,
                                   notice_days=notice, minutes_per_filing=minutes, list_items=items)
        channel._change_reason = "registered (demo)"
        channel.save()
        ChannelField.objects.bulk_create(ChannelField(channel=channel, position=i, name=n) for i, n in enumerate(fields))
        services._resolve_fields(channel)
        services._queue_unresolved(channel)
        made.append((channel, outcome))
    for channel, outcome in made:
        if outcome in ("plan", "exception"):
            services.approve_channel(ca, channel, reason="已纳入全区统一报表体系（演示）")
        elif outcome == "rejected":
            services.reject_channel(ca, channel, reason="未对应工作清单事项，且与公安实有人口台账重复（第六条）")
    township = Region.objects.get(code=TOWNSHIP)
    plan = services.plan_for(street, township, year)
    for channel, outcome in made:
        if outcome == "plan":
            services.set_plan_entry(street, plan, channel, DUE.get(channel.frequency, "按计划"))
    services.publish_plan(street, plan)
    for channel, outcome in made:
        if outcome == "exception":
            owner_user = User.objects.filter(memberships__organisation=channel.owner).first()
            from .models import PlanException

            exc = PlanException(channel=channel, year=year, requested_by=owner_user,
                                reason="年度中期开展矛盾纠纷专项排查，需临时按月报送（演示）")
            exc.save()
            services.decide_exception(gov, exc, True, "同意，仅限本年度")
    assert all(c.status != ChannelStatus.REGISTERED or o == "pending" for c, o in made)
