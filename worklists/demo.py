"""Worklists demo (DESIGN.md §9): the sample catalog published by the province — first citing the 2018 texts of the
organic laws, then, after the 2025 revision is recorded and the items are flagged, a revised version — and the lists
of 沈阳市 and 皇姑区 derived from it, published and filed; an adjustment of the 沈阳市 list left as a draft.
Every version is marked as sample data (示例数据)."""

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from accounts.models import User
from core.demo import register
from legal.choices import Status as LegalStatus
from legal.models import LegalSource
from legal.services import record_change
from regions.models import Region

from . import services
from .models import ListVersion, WorkItem

REFERENCE = Path(settings.BASE_DIR) / "data" / "reference"
VILLAGE_LAW = "中华人民共和国村民委员会组织法"
RESIDENTS_LAW = "中华人民共和国城市居民委员会组织法"
TZ = ZoneInfo("Asia/Shanghai")


def sample_rows() -> list[dict[str, str]]:
    with open(REFERENCE / "sample-catalog.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def renumbering() -> dict[tuple[str, str], str]:
    """(law, 2025 citation) → 2018 citation, from organic-law-renumbering-2025.csv."""
    with open(REFERENCE / "organic-law-renumbering-2025.csv", encoding="utf-8") as handle:
        return {(r["law"], r["new_citation_2025_text"]): r["old_citation_2018_text"] for r in csv.DictReader(handle)}


def basis_2018(basis: str, table: dict[tuple[str, str], str]) -> str:
    """The same basis against the 2018 texts: renumbered where the table says how; otherwise the 2018 law is cited
    as a whole (article not confirmed), because we have no verified 2018 article for it."""
    parts = []
    for part in basis.split("；"):
        law, _sep, article = part.partition(" ")
        if law in (VILLAGE_LAW, RESIDENTS_LAW):
            old = table.get((law, article))
            part = f"{law} {old}" if old else law
        if part not in parts:
            parts.append(part)
    return "；".join(parts)


def _fill(version: ListVersion, rows: list[dict[str, str]], *, sources: dict[str, LegalSource] | None = None,
          table: dict | None = None) -> None:
    for position, row in enumerate(rows, start=1):
        item = WorkItem.objects.create(
            version=version, code=row["code"], name=row["name"], content=row["content"], category=row["category"],
            applies_to=row["applies_to"], agency=row["agency"], origin="local", position=position,
            support_funding=f"{row['agency']}部门按事项提供必要经费（示例）",
            support_conditions="乡镇人民政府、街道办事处提供必要工作条件（示例）",
            support_information=f"{row['agency']}部门共享办理所需信息（示例）",
            support_guidance=f"{row['agency']}部门进行业务指导（示例）",
        )
        basis = basis_2018(row["basis"], table) if table is not None else row["basis"]
        services.set_citations(item, services.resolve_basis(basis, create=True, sources=sources))


def _walk(version: ListVersion, editor: User, approver: User, *, document: str, approved: date, effective: date) -> ListVersion:
    """submit → approve → publish, with the dates of the story."""
    services.submit(editor, version)
    services.approve(approver, version, document=document, approved_on=approved)
    version = services.publish(editor, ListVersion.objects.get(pk=version.pk), effective_from=effective)
    version.published_at = datetime.combine(effective, datetime.min.time(), TZ).replace(hour=9)
    version._change_reason = "demo: publication date of the story"
    version.save()
    return version


def _accept_filing(editor: User, reviewer: User, version: ListVersion, comments: str) -> None:
    filing = services.file_version(editor, version)
    services.review_filing(reviewer, filing, "receive")
    services.review_filing(reviewer, filing, "accept", comments)


@register(40, "worklists")
def load(stdout: Any) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=[
        "province.ca", "province.gov", "shenyang.ca", "shenyang.gov", "huanggu.ca", "huanggu.gov"])}
    province = Region.objects.get(code="210000000000")
    shenyang = Region.objects.get(code="210100000000")
    huanggu = Region.objects.get(code="210105000000")
    rows = sample_rows()
    old_texts = {name: LegalSource.objects.get(name=name, version_label="2018年修正") for name in (VILLAGE_LAW, RESIDENTS_LAW)}

    # 1. The first catalog version, citing the 2018 texts (A25 cites a regulation in force only from 2026).
    v1 = services.create_draft(users["province.ca"], province, change_note="首次制定（示例数据）")
    v1.is_sample = True
    v1.save()
    _fill(v1, [r for r in rows if r["code"] != "A25"], sources=old_texts, table=renumbering())
    _walk(v1, users["province.ca"], users["province.gov"], document="（示例）辽政〔2023〕1号",
          approved=date(2023, 2, 20), effective=date(2023, 3, 1))

    # 2. The law changes: the 2025 revisions replace the 2018 texts; every item citing them is flagged.
    for name, old in old_texts.items():
        new = LegalSource.objects.exclude(pk=old.pk).get(name=name)
        record_change(users["province.ca"], source=old, new_status=LegalStatus.AMENDED, replacement=new,
                      effective=date(2026, 1, 1), note=f"{new.version_label}（2025-10-28通过，2026-01-01施行），条文重新编号")

    # 3. The adjustment: a new version citing the 2025 texts, through the same steps (Art. 4(3)).
    v2 = services.create_draft(users["province.ca"], province, source="empty",
                               change_note="根据村民委员会组织法、城市居民委员会组织法2025年修订调整（示例数据）")
    _fill(v2, rows)
    _walk(v2, users["province.ca"], users["province.gov"], document="（示例）辽政〔2025〕30号",
          approved=date(2025, 12, 15), effective=date(2026, 1, 1))

    # 4. 沈阳市: derived from the catalog in force, published and filed with the province.
    sy = services.create_draft(users["shenyang.ca"], shenyang, source="upper", change_note="依据指导目录制定（示例数据）")
    sy = _walk(sy, users["shenyang.ca"], users["shenyang.gov"], document="（示例）沈政〔2026〕5号",
               approved=date(2026, 1, 20), effective=date(2026, 2, 1))
    _accept_filing(users["shenyang.ca"], users["province.ca"], sy, "经审查，予以备案（示例）")

    # 5. 皇姑区: derived from the 沈阳市 list, with one local addition and one omission with its reason.
    hg = services.create_draft(users["huanggu.ca"], huanggu, source="upper", change_note="依据沈阳市清单结合本区实际制定（示例数据）")
    omitted = hg.items.get(code="A25")
    services.remove_item(users["huanggu.ca"], omitted, reason="本区为中心城区，辖区内无森林草原（示例）")
    hg.refresh_from_db()
    services.save_item(users["huanggu.ca"], hg, {
        "code": "HG01", "name": "协助开展社区全民健身活动", "content": "协助组织村（居）民开展全民健身活动（示例）",
        "category": "assist", "applies_to": "both", "agency": "体育",
        "support_funding": "区体育部门提供活动经费（示例）", "support_guidance": "区体育部门进行业务指导（示例）",
    }, services.resolve_basis("全民健身条例", create=True))
    hg = _walk(ListVersion.objects.get(pk=hg.pk), users["huanggu.ca"], users["huanggu.gov"],
               document="（示例）皇政〔2026〕8号", approved=date(2026, 2, 20), effective=date(2026, 3, 1))
    _accept_filing(users["huanggu.ca"], users["shenyang.ca"], hg, "经审查，予以备案（示例）")

    # 6. An adjustment of the 沈阳市 list in progress: a draft with one change.
    draft = services.create_draft(users["shenyang.ca"], shenyang, change_note="根据部门职责调整拟修改（示例数据，草稿）")
    item = draft.items.get(code="A12")
    services.save_item(users["shenyang.ca"], draft, {"support_information": "市统计局提前一个月提供普查区域图和底册（示例）"},
                       [(c.source, c.provision) for c in item.citations.all()], item=item)
