"""Demo cases in 皇姑区: one anonymous complaint being verified, one corrected on time, one escalated and criticised."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from core.demo import register
from regions.choices import OrganisationKind, Sector
from regions.models import Organisation

from . import services
from .models import Case

WENGUAN = "210105023201"


@register(80, "supervision")
def load(stdout: Any) -> None:
    if Case.objects.filter(bureau__region__code="210105000000").exists():
        return
    bureau_user = User.objects.get(username="huanggu.ca")
    agency_user = User.objects.get(username="huanggu.health")
    committee_user = User.objects.get(username="wenguan.village")
    health = Organisation.objects.get(region__code="210105000000", kind=OrganisationKind.DEPARTMENT, sector=Sector.HEALTH)

    # 1. Anonymous report from the public, being verified.
    filed = services.file_complaint(
        category="frequent_reporting", region=WENGUAN, agency=health.pk, anonymous=True,
        text="卫生健康部门每周要求村委会通过微信群报送同一张健康随访表，年初报送计划中没有此表。",
    )
    services.assign(filed.case, bureau_user)

    # 2. The committee reports under its own name; corrected on time.
    filed = services.file_complaint(
        category="shifted_responsibility", region=WENGUAN, agency=health.pk, anonymous=False, user=committee_user,
        text="卫生健康部门要求村委会签订责任书，作为辖区小诊所环境卫生整治的责任主体。",
    )
    case = filed.case
    services.assign(case, bureau_user)
    services.decide(case, bureau_user, founded=True, facts="区卫生健康局要求文官村委会签订环境卫生整治责任书（第八条第（一）项）。")
    services.order_correction(case, bureau_user, requirement="撤回责任书，不得将村委会作为环境整治责任主体。")
    services.respond(case, agency_user, text="已撤回责任书并书面告知村委会。")
    services.verify_correction(case, bureau_user, ok=True, note="经回访核实，责任书已撤回。")

    # 3. Quota pushed by the health bureau: correction overdue, escalated and publicly criticised.
    filed = services.file_complaint(
        category="quota", region=WENGUAN, agency=health.pk, anonymous=True,
        text="要求村委会按户数完成商业健康保险销售指标。",
    )
    case = filed.case
    services.assign(case, bureau_user)
    services.decide(case, bureau_user, founded=True, facts="区卫生健康局向文官村委会下达商业健康保险任务指标（第八条第（三）项）。")
    order = services.order_correction(case, bureau_user, requirement="立即停止下达商业保险任务指标。")
    order.deadline = timezone.localdate() - timedelta(days=1)  # the demo's past: the deadline has passed
    order._change_reason = "demo: deadline in the past"
    order.save()
    services.run_jobs()
    case.refresh_from_db()
    services.issue_notice(case, bureau_user, body="区卫生健康局逾期未改正向村委会下达商业保险任务指标的问题，予以通报批评。")
