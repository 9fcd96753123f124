"""Liaoning demo: division codes, the organisations of every level, the committees."""

from pathlib import Path
from typing import Any

from django.conf import settings

from core.demo import register

from .choices import Level, OrganisationKind, Sector
from .models import Organisation, Region
from .services import ensure_committee_organisations, import_divisions

PROVINCE = "210000000000"
SHENYANG = "210100000000"
HUANGGU = "210105000000"
ZHONGSHAN = "210202000000"

PROVINCE_DEPARTMENTS = [
    ("辽宁省公安厅", Sector.PUBLIC_SECURITY), ("辽宁省卫生健康委员会", Sector.HEALTH),
    ("辽宁省人力资源和社会保障厅", Sector.HUMAN_RESOURCES), ("辽宁省医疗保障局", Sector.MEDICAL_INSURANCE),
    ("辽宁省农业农村厅", Sector.AGRICULTURE), ("辽宁省退役军人事务厅", Sector.VETERANS),
    ("辽宁省应急管理厅", Sector.EMERGENCY), ("辽宁省残疾人联合会", Sector.DISABLED),
    ("辽宁省司法厅", Sector.JUSTICE), ("辽宁省统计局", Sector.STATISTICS),
]
CITY_DEPARTMENTS = [
    ("沈阳市公安局", Sector.PUBLIC_SECURITY), ("沈阳市卫生健康委员会", Sector.HEALTH),
    ("沈阳市人力资源和社会保障局", Sector.HUMAN_RESOURCES), ("沈阳市医疗保障局", Sector.MEDICAL_INSURANCE),
    ("沈阳市农业农村局", Sector.AGRICULTURE), ("沈阳市退役军人事务局", Sector.VETERANS),
    ("沈阳市应急管理局", Sector.EMERGENCY), ("沈阳市残疾人联合会", Sector.DISABLED),
]
DISTRICT_DEPARTMENTS = [
    ("沈阳市公安局皇姑分局", Sector.PUBLIC_SECURITY), ("皇姑区卫生健康局", Sector.HEALTH),
    ("皇姑区人力资源和社会保障局", Sector.HUMAN_RESOURCES), ("皇姑区医疗保障局", Sector.MEDICAL_INSURANCE),
    ("皇姑区退役军人事务局", Sector.VETERANS), ("皇姑区应急管理局", Sector.EMERGENCY),
    ("皇姑区残疾人联合会", Sector.DISABLED), ("皇姑区司法局", Sector.JUSTICE), ("皇姑区统计局", Sector.STATISTICS),
]


def _org(region: Region, name: str, kind: str, sector: str = "") -> Organisation:
    org, _created = Organisation.objects.get_or_create(region=region, kind=kind, sector=sector, name=name)
    return org


def township_organisation_kind(name: str) -> tuple[str, str]:
    """街道 → 街道办事处; 镇/乡 and others → 人民政府."""
    if name.endswith("街道"):
        return OrganisationKind.STREET_OFFICE, f"{name}办事处"
    return OrganisationKind.TOWNSHIP_GOVERNMENT, f"{name}人民政府"


def create_township_organisations(county: Region) -> None:
    for township in Region.objects.filter(parent=county, level=Level.TOWNSHIP):
        kind, name = township_organisation_kind(township.name)
        _org(township, name, kind)


@register(10, "regions")
def load(stdout: Any) -> None:
    import_divisions(Path(settings.BASE_DIR) / "data" / "divisions", provinces={"21"}, progress=lambda m: None)
    province = Region.objects.get(code=PROVINCE)
    _org(province, "辽宁省人民政府", OrganisationKind.GOVERNMENT)
    _org(province, "辽宁省民政厅", OrganisationKind.CIVIL_AFFAIRS)
    for name, sector in PROVINCE_DEPARTMENTS:
        _org(province, name, OrganisationKind.DEPARTMENT, sector)
    for region in Region.objects.filter(level__in=[Level.CITY, Level.COUNTY]).select_related("parent"):
        prefix = "" if region.level == Level.CITY else region.parent.name
        _org(region, f"{prefix}{region.name}人民政府", OrganisationKind.GOVERNMENT)
        _org(region, f"{prefix}{region.name}民政局", OrganisationKind.CIVIL_AFFAIRS)
    shenyang = Region.objects.get(code=SHENYANG)
    for name, sector in CITY_DEPARTMENTS:
        _org(shenyang, name, OrganisationKind.DEPARTMENT, sector)
    huanggu = Region.objects.get(code=HUANGGU)
    for name, sector in DISTRICT_DEPARTMENTS:
        _org(huanggu, name, OrganisationKind.DEPARTMENT, sector)
    create_township_organisations(huanggu)
    create_township_organisations(Region.objects.get(code=ZHONGSHAN))
    ensure_committee_organisations(province)
