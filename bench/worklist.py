"""Work lists in one process over a fresh demo database: effective-list resolution for every committee of 皇姑区
(cold, then cached per version), the §8 payload, an import of 10,000 rows and a diff of two 10,000-item versions.

    .venv/bin/python -m bench.worklist   → bench/results/worklist.json
"""

import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
IMPORT_ROWS = 10000


def setup() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qingdan-bench-worklist-"))
    os.environ.update({"QINGDAN_VAR_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
                       "DEMO_PASSWORD": "Bench-Passw0rd!2026", "DJANGO_SETTINGS_MODULE": "config.settings"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--if-empty", verbosity=0)


def timed(fn, repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def main() -> None:
    setup()
    from django.core.cache import cache
    from openpyxl import Workbook

    from accounts.models import User
    from regions.models import Region
    from worklists import io as wio
    from worklists import services

    county = Region.objects.get(code="210105000000")
    committees = list(Region.objects.subtree(county).committees())
    cache.clear()
    cold = timed(lambda: [services.effective_list(c) for c in committees])
    warm = timed(lambda: [services.effective_list(c) for c in committees], repeat=5)
    payload = timed(lambda: [services.effective_list_payload(c) for c in committees], repeat=5)

    wb = Workbook()
    sheet = wb.active
    sheet.append(["编码", "事项名称", "事项内容", "类别", "适用范围", "依据"])
    for n in range(IMPORT_ROWS):
        sheet.append([f"X{n:05d}", f"事项{n}", "内容", "依法协助履行", "村和社区", "中华人民共和国民法典 第三十二条"])
    buffer = io.BytesIO()
    wb.save(buffer)
    user = User.objects.get(username="huanggu.ca")
    draft = services.create_draft(user, county, source="empty")
    buffer.seek(0)
    started = time.perf_counter()
    wio.import_items(user, draft, buffer)
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    result = services.diff_versions(draft, draft)
    diff_s = time.perf_counter() - started

    report = {
        "topic": "worklist",
        "committees": len(committees),
        "effective_list_cold_ms_per_committee": round(cold / len(committees) * 1000, 3),
        "effective_list_cached_ms_per_committee": round(warm / len(committees) * 1000, 3),
        "contract_payload_cached_ms_per_committee": round(payload / len(committees) * 1000, 3),
        "import_rows": IMPORT_ROWS,
        "import_seconds": round(import_s, 2),
        "diff_10000_items_seconds": round(diff_s, 2),
        "diff_is_empty": not any(result.values()),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "worklist.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
