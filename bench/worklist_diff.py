"""The diff of two 10,000-item work-list versions (what the diff page, the version page and the diff API compute).

A fresh SQLite database with one catalog and two versions: the newer one removes, adds, renames, re-cites and
reverses the order of the items (a move is not a difference). Measures `services.diff_versions` (nothing cached)
and the labelled form the pages render, compares with the item-by-item ORM snapshots in the same run, and counts
the queries, which must not grow with the number of items.

    .venv/bin/python -m bench.worklist_diff   → bench/results/worklist_diff.json
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ITEMS = 10000
TARGET_S = 1.0
REPEAT = 3


def setup() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qingdan-bench-wldiff-"))
    os.environ.update({"QINGDAN_VAR_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
                       "DJANGO_SETTINGS_MODULE": "config.settings"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n: int) -> tuple[Any, Any]:
    """Two versions of n items: the second drops 2%, adds 2%, renames 3%, re-cites 3% and reverses the order."""
    from simple_history.utils import bulk_create_with_history

    from legal.models import LegalSource, Provision
    from regions.models import Region
    from worklists.choices import ListKind, VersionStatus
    from worklists.models import Citation, ListVersion, WorkItem, WorkList

    region = Region.objects.create(code="990000000000", name="基准省", level=1)
    source = LegalSource.objects.create(name="基准法", level="law")
    provisions = [Provision.objects.create(source=source, article=a) for a in range(1, 51)]
    worklist = WorkList.objects.create(region=region, kind=ListKind.CATALOG, title="基准目录")
    old = ListVersion.objects.create(worklist=worklist, number=1, title="基准目录", status=VersionStatus.SUPERSEDED)
    new = ListVersion.objects.create(worklist=worklist, number=2, title="基准目录", previous=old)

    def fill(version: Any, rows: list[tuple[str, str, int]]) -> None:
        items = [WorkItem(version=version, code=code, name=name, content=f"{name}的内容", category="perform", position=pos)
                 for pos, (code, name, _a) in enumerate(rows, start=1)]
        bulk_create_with_history(items, WorkItem, batch_size=1000)
        created = {i.code: i for i in version.items.all()}
        cites = [Citation(item=created[code], source=source, provision=provisions[article], position=0)
                 for code, _n, article in rows]
        bulk_create_with_history(cites, Citation, batch_size=1000)

    old_rows = [(f"B{k:05d}", f"事项{k}", k % 50) for k in range(n)]
    new_rows = []
    for k, (code, name, article) in enumerate(old_rows):
        if k % 50 == 0:
            continue  # removed
        if k % 33 == 1:
            name += "（调整）"
        if k % 33 == 2:
            article = (article + 1) % 50
        new_rows.append((code, name, article))
    new_rows += [(f"N{k:05d}", f"新增事项{k}", k % 50) for k in range(n - len(new_rows))]
    new_rows.reverse()  # every item moves
    fill(old, old_rows)
    fill(new, new_rows)
    return old, new


def main() -> None:
    setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from worklists import services

    started = time.perf_counter()
    old, new = build(ITEMS)
    build_s = time.perf_counter() - started

    runs = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = services.diff_versions(old, new)
            runs.append(time.perf_counter() - started)
        queries = len(ctx.captured_queries)
    # Baseline in the same run: snapshots built item by item through the ORM (how the diff worked before).
    from worklists import engine

    started = time.perf_counter()
    baseline = engine.diff(*[[services.snapshot(i) for i in services.items_with_citations(v)] for v in (old, new)])
    baseline_s = time.perf_counter() - started
    started = time.perf_counter()
    services.labelled(result)
    labelled_s = time.perf_counter() - started

    seconds = statistics.median(runs)
    report = {
        "topic": "worklist_diff",
        "items_old": old.items.count(),
        "items_new": new.items.count(),
        "build_seconds": round(build_s, 2),
        "diff_seconds_median": round(seconds, 3),
        "diff_seconds_runs": [round(r, 3) for r in runs],
        "orm_baseline_seconds": round(baseline_s, 3),
        "speedup_ratio": round(baseline_s / seconds, 1),
        "same_result_as_baseline": baseline == result,
        "labelled_seconds": round(labelled_s, 3),
        "queries": queries,
        "added": len(result["added"]),
        "removed": len(result["removed"]),
        "changed": len(result["changed"]),
        "target_seconds": TARGET_S,
        "meets_target": seconds < TARGET_S,
        "load_average": os.getloadavg()[0],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "worklist_diff.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
