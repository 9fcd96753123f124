"""Legal registry demo: the sources in data/reference/legal-sources.csv, the other laws the sample catalog cites,
and the 2018 texts of the two organic laws (revised 2025-10-28, in force 2026-01-01)."""

import csv
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from core.demo import register

from .choices import Jurisdiction, SourceLevel
from .citations import parse_basis
from .models import LegalSource
from .services import ensure_source

REFERENCE = Path(settings.BASE_DIR) / "data" / "reference"
VILLAGE_LAW = "中华人民共和国村民委员会组织法"
RESIDENTS_LAW = "中华人民共和国城市居民委员会组织法"
UNVERIFIED = "未核实版本信息（示例数据所引）"


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@register(30, "legal")
def load(stdout: Any) -> None:
    with open(REFERENCE / "legal-sources.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            level = row["level"]
            jurisdiction = Jurisdiction.PROVINCIAL if level == SourceLevel.LOCAL_REGULATION else Jurisdiction.NATIONAL
            ensure_source(
                row["name"], level, version_label=row["version"], jurisdiction=jurisdiction, issued_by=row["issued_by"],
                promulgated=_date(row["version_date"]), effective=_date(row["effective_date"]), note=row["note"],
            )
    # Laws the sample catalog cites that the reference file does not describe: registered with what is known.
    with open(REFERENCE / "sample-catalog.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for citation in parse_basis(row["basis"]):
                if not LegalSource.objects.filter(name=citation.law).exists():
                    level = SourceLevel.LAW if citation.law.startswith("中华人民共和国") else SourceLevel.ADMINISTRATIVE_REGULATION
                    ensure_source(citation.law, level, issued_by="", note=UNVERIFIED)
    # Cited as a whole by the 皇姑区 sample list's local addition (article not confirmed).
    ensure_source("全民健身条例", SourceLevel.ADMINISTRATIVE_REGULATION, issued_by="国务院", note=UNVERIFIED)
    # The 2018 texts, which the first catalog version cited; the worklists demo records their amendment.
    for name in (VILLAGE_LAW, RESIDENTS_LAW):
        ensure_source(
            name, SourceLevel.LAW, version_label="2018年修正", issued_by="全国人民代表大会常务委员会",
            promulgated=date(2018, 12, 29), effective=date(2018, 12, 29),
            note="2025-10-28 修订前的文本；条文序号见 organic-law-renumbering-2025.csv",
        )
