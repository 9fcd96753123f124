"""Supervision at scale: filing complaints, the scheduled deadline job, the regional dashboard and scorecards.

Builds a throw-away SQLite database (regions, organisations and demo accounts of Liaoning), files N complaints
against district agencies of 皇姑区, takes half of them to a correction order with a past deadline, then times
run_jobs() (first run escalates, second run must find nothing: idempotent), the province dashboard and the district
scorecards. Run: .venv/bin/python -m bench.supervision [--complaints N]. Writes bench/results/supervision.json.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "results" / "supervision.json"


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=1000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="qingdan-bench-supervision-")
    os.environ.update({"QINGDAN_VAR_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                       "DJANGO_SETTINGS_MODULE": "config.settings", "DEMO_PASSWORD": "Bench-Passw0rd!2026"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.demo import load as load_accounts
    from accounts.models import User
    from regions.demo import load as load_regions
    from regions.models import Organisation, Region
    from supervision import insights, services
    from supervision.models import CorrectionOrder
    from supervision.scorecards import agencies_in_scope, compare, current_period

    call_command("migrate", verbosity=0)
    load_regions(sys.stdout)
    load_accounts(sys.stdout)
    bureau, province = User.objects.get(username="huanggu.ca"), User.objects.get(username="province.ca")
    agencies = list(Organisation.objects.filter(region__code="210105000000", kind="department"))
    villages = list(Region.objects.filter(code__startswith="210105", level=5).values_list("code", flat=True))

    started = time.perf_counter()
    cases = []
    for i in range(args.complaints):
        filed = services.file_complaint(category="frequent_reporting", region=villages[i % len(villages)],
                                        agency=agencies[i % len(agencies)].pk, text=f"第{i}号：每周重复报送同一报表。")
        cases.append(filed.case)
    filing = time.perf_counter() - started

    for case in cases[: len(cases) // 2]:
        services.assign(case, bureau)
        services.decide(case, bureau, founded=True, facts="属实")
        services.order_correction(case, bureau, requirement="停止重复报送")
    CorrectionOrder.objects.update(deadline=timezone.localdate() - timedelta(days=1))  # bench only: time passes

    t0 = time.perf_counter()
    first = services.run_jobs()
    t1 = time.perf_counter()
    second = services.run_jobs()
    t2 = time.perf_counter()
    province_region = Region.objects.get(code="210000000000")
    insights.dashboard(province, province_region, current_period())  # warm-up: URL resolver, translation catalogs
    t2w = time.perf_counter()
    insights.dashboard(province, province_region, current_period())
    t3 = time.perf_counter()
    huanggu = Region.objects.get(code="210105000000")
    cards = compare(list(agencies_in_scope(bureau, huanggu)), current_period())
    t4 = time.perf_counter()

    result = {
        "complaints": args.complaints,
        "filing_per_second": round(args.complaints / filing, 1),
        "job_first_run_s": round(t1 - t0, 3), "job_first_report": first,
        "job_second_run_s": round(t2 - t1, 3), "job_second_report": second,
        "job_idempotent": second["escalated_overdue"] == 0 and second["escalated_late"] == 0,
        "province_dashboard_s": round(t3 - t2w, 3),
        "district_scorecards": len(cards), "district_scorecards_s": round(t4 - t3, 3),
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
