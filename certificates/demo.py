"""Demo data (order 75): the provincial negative list, the sample province catalog and a 皇姑区 derived catalog."""

from datetime import date
from typing import Any

from core.demo import register

from . import services

HUANGGU = "210105000000"


@register(75, "certificates")
def load(stdout: Any) -> None:
    from regions.models import Region

    from .models import Catalog, NegativeListVersion

    if not NegativeListVersion.objects.exists():
        services.import_negative_list()
    if not Catalog.objects.filter(region__code=services.PROVINCE_CODE).exists():
        services.publish_province_catalog(effective_from=date(2022, 10, 1))
    huanggu = Region.objects.filter(code=HUANGGU).first()
    if huanggu is not None and not Catalog.objects.filter(region=huanggu).exists():
        version = services.derive_catalog(
            None, huanggu, title="沈阳市皇姑区基层群众性自治组织出具证明事项指导目录（示例数据）",
            changes={"C01": {
                "procedure": "申请人提出申请，村（居）委会依据其组织的志愿服务记录如实、无偿出具，当场办结；"
                             "也可通过皇姑区志愿服务平台记录查询（示例数据）",
                "local_note": "结合本区志愿服务平台，增加线上查询渠道（示例数据）",
            }},
        )
        services.publish_catalog(version, effective_from=date(2023, 1, 1), approval_document="皇民发〔2023〕1号（示例数据）")
    if stdout is not None and hasattr(stdout, "write"):
        stdout.write("certificates: negative list, province catalog, 皇姑区 catalog\n")
