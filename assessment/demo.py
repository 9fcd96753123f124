"""Assessment demo: 鸭绿江街道's published plan for its committees (indicators tied to items of the 皇姑区 list), bands
with reasons for a few committees (文官村 among them), a draft whose wording the checker flags, and inspection visits
by 皇姑区卫生健康局 — one under the plan, one repeat and one unplanned research visit."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from core.demo import register
from regions.choices import OrganisationKind
from regions.models import Organisation, Region

from . import services
from .choices import Band, VisitKind

STREET = "210105023000"
INDICATORS = [
    # name, description, weight, method, evidence, item codes
    ("调解民间纠纷", "及时调解邻里、家庭纠纷，矛盾不上交", "25", "入户走访、随机回访当事人", "群众满意度测评", ["P03"]),
    ("反映群众意见建议", "收集并向街道反映村（居）民的意见、要求和建议，跟踪办理情况", "20", "抽查办理结果，现场核实", "", ["P08"]),
    ("协助维护社会治安", "协助组织群防群治，邻里守望", "20", "实地查看、居民评价", "", ["A01"]),
    ("为老年人服务", "关心困难老年人生活，反映其要求", "20", "入户走访，听取老年人评价", "", ["A16"]),
    ("群众性消防工作", "组织制定防火安全公约，开展防火安全检查", "15", "现场抽查", "", ["P12"]),
]
RESULTS = [
    ("210105023201", Band.GOOD, "纠纷调解及时，回访群众满意；老年人服务走访到位。"),
]


def _street_officer() -> User:
    return User.objects.get(username="yalujiang.street")


@register(70, "assessment")
def load(stdout: Any) -> None:
    officer = _street_officer()
    street = Organisation.objects.get(region__code=STREET, kind=OrganisationKind.STREET_OFFICE)
    today = timezone.localdate()
    year = (today - timedelta(days=60)).year
    listed = services.listed_items(street.region)
    by_code = {i.code: i for i in listed.items}

    plan = services.create_plan(officer, street, title=f"鸭绿江街道{year}年度社区（村）工作综合考核方案（示例）", year=year,
                                method="年终由街道组织综合考核，以实地查看和群众评价为主，按好、较好、一般评定，不排名。")
    for name, description, weight, method, evidence, codes in INDICATORS:
        services.save_indicator(officer, plan, {"name": name, "description": description, "weight": weight,
                                                "method": method, "evidence": evidence},
                                [by_code[c].pk for c in codes if c in by_code])
    plan = services.submit(officer, plan)
    plan = services.approve(officer, plan, "同意（示例）")
    plan = services.publish(officer, plan)

    committees = list(services.committees_of(plan)[:4])
    extra = [(c.code, Band.FAIRLY_GOOD, "清单事项基本完成，消防安全公约尚未覆盖全部楼院。") for c in committees[1:3]
             if c.code != "210105023201"]
    for code, band, reasons in RESULTS + extra:
        committee = Region.objects.get(code=code)
        services.record_result(officer, plan, committee, band, reasons)

    # A draft whose wording breaks Art. 7: the checker flags ranking (clause 2) and paperwork (clause 3).
    draft = services.create_plan(officer, street, title=f"鸭绿江街道{year}年度专项工作考核方案（草稿，示例）", year=year)
    services.save_indicator(officer, draft, {
        "name": "信息报送", "description": "按月通报各社区信息报送情况并排名", "weight": "100",
        "method": "查阅台账", "evidence": "上传工作照片"}, [by_code["A12"].pk] if "A12" in by_code else [])

    # Visits by the district health bureau: one under the plan, a repeat, and an unplanned "research" visit.
    health = User.objects.get(username="huanggu.health")
    wenguan = Region.objects.get(code="210105023201")
    first = today - timedelta(days=40)
    eligible = services.eligible_plans(wenguan, first)
    services.record_visit(health, committee=wenguan, visited_on=first, kind=VisitKind.ASSESSMENT,
                          purpose="按街道综合考核方案核实传染病防控宣传情况（示例）",
                          plan=plan if eligible.filter(pk=plan.pk).exists() else None, visitors="区卫生健康局 2人")
    services.record_visit(health, committee=wenguan, visited_on=first + timedelta(days=12), kind=VisitKind.INSPECTION,
                          purpose="检查健康教育宣传栏（示例）", visitors="区卫生健康局 3人")
    other = committees[1] if len(committees) > 1 else wenguan
    services.record_visit(health, committee=other, visited_on=today - timedelta(days=5), kind=VisitKind.RESEARCH,
                          purpose="调研基层卫生健康工作（示例）", visitors="区卫生健康局 4人")
