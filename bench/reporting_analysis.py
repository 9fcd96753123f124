"""Benchmark: overlap analysis of 2,000 forms × 40 fields (DESIGN.md §10 target: under 2 s).

Run: .venv/bin/python -m bench.reporting_analysis   → bench/results/reporting_analysis.json

Forms are built from realistic field names: every dictionary name and synonym, in the variant wordings departments
use (units in brackets, 数量/总数, numbering, 本村/辖区), plus names the dictionary does not know (a share of them
unique to one form, as real ledgers have). Timed: "cold" with a fresh resolver and empty caches (every distinct
name normalised and resolved once), and "warm" with the caches of a previous run, the steady state of a server.
Both wall-clock and CPU seconds are recorded with the load average: on a shared machine the wall time of the cold
run is mostly waiting for the CPU.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from pathlib import Path

FORMS = 2000
FIELDS_PER_FORM = 40
TARGET_SECONDS = 2.0
UNKNOWN_SHARE = 0.15  # fields the dictionary does not know
UNIQUE_SHARE = 0.05  # fields found in one form only (free-text columns)

AGENCIES = [
    "县民政局",
    "县卫健局",
    "县残联",
    "县退役军人事务局",
    "县人社局",
    "县医保局",
    "县统计局",
    "县公安局",
    "街道办事处",
    "县农业农村局",
    "县妇联",
    "县司法局",
]
FREQUENCIES = [
    "daily",
    "weekly",
    "monthly",
    "monthly",
    "quarterly",
    "quarterly",
    "semiannual",
    "annual",
    "annual",
    "adhoc",
]
UNKNOWN_TOPICS = [
    "文明家庭创建",
    "垃圾分类覆盖",
    "燃气入户安检",
    "食品安全协管",
    "消防安全检查",
    "防汛物资储备",
    "禁毒宣传",
    "反诈宣传",
    "普法宣传",
    "森林防火巡查",
    "秸秆禁烧巡查",
    "疫苗接种",
    "两癌筛查",
    "健康讲座",
    "移风易俗",
]
UNKNOWN_SUFFIXES = ["户数", "人数", "次数", "场次", "覆盖率", "（户）", "（人）", "（次）", "完成情况", "数量"]


def _variants(name: str, rng: random.Random) -> str:
    choice = rng.randrange(7)
    if choice == 0:
        return name
    if choice == 1:
        return f"{name}（{rng.choice(['人', '户', '个'])}）" if name.endswith("数") else name
    if choice == 2:
        return name[:-1] + rng.choice(["数量", "总数"]) if name.endswith("数") else name
    if choice == 3:
        return f"{rng.randint(1, 40)}.{name}"
    if choice == 4:
        return rng.choice(["本村", "辖区", "本社区"]) + name
    if choice == 5:
        return name.replace("周岁", "岁").replace("及以上", "以上")
    return f"（{rng.choice('一二三四五六七八九十')}）{name}"


def build_forms(seed: int = 20261127) -> list[dict]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from reporting.elements import load_elements

    rng = random.Random(seed)
    known = [n for e in load_elements() for n in (e.name, *e.synonyms)]
    unknown = [t + s for t in UNKNOWN_TOPICS for s in UNKNOWN_SUFFIXES]
    forms = []
    unique_counter = 0
    for i in range(FORMS):
        fields = []
        for _ in range(FIELDS_PER_FORM):
            roll = rng.random()
            if roll < UNIQUE_SHARE:
                unique_counter += 1
                fields.append(f"{rng.choice(UNKNOWN_TOPICS)}专项第{unique_counter}项{rng.choice(UNKNOWN_SUFFIXES)}")
            elif roll < UNKNOWN_SHARE:
                fields.append(_variants(rng.choice(unknown), rng))
            else:
                fields.append(_variants(rng.choice(known), rng))
        forms.append(
            {
                "id": f"F{i + 1:04d}",
                "agency": rng.choice(AGENCIES),
                "name": f"报表{i + 1}",
                "kind": rng.choice(["ledger", "report", "group", "app"]),
                "frequency": rng.choice(FREQUENCIES),
                "deadline_days": rng.randint(1, 30),
                "in_annual_plan": rng.random() < 0.8,
                "list_item": rng.choice(["", "A01", "A02", "B05", "C11"]),
                "fields": fields,
            }
        )
    return forms


def main() -> dict:
    forms = build_forms()
    from reporting.analysis import analyze
    from reporting.elements import Lexicon, Resolver, load_elements

    elements = load_elements()
    started = time.perf_counter()
    resolver = Resolver(elements, lexicon=Lexicon.load())
    load_seconds = time.perf_counter() - started

    started, cpu_started = time.perf_counter(), time.process_time()
    result = analyze(forms, resolver=resolver)
    cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    warm_runs, warm_cpu = [], []
    for _ in range(5):
        started, cpu_started = time.perf_counter(), time.process_time()
        analyze(forms, resolver=resolver)
        warm_runs.append(time.perf_counter() - started)
        warm_cpu.append(time.process_time() - cpu_started)

    distinct = len({f for form in forms for f in form["fields"]})
    unresolved = sum(
        1 for name in {f for form in forms for f in form["fields"]} if not resolver.resolve(name).element_code
    )
    report = {
        "topic": "reporting_analysis",
        "forms": FORMS,
        "fields_per_form": FIELDS_PER_FORM,
        "fields_total": result["burden"]["fields_total"],
        "distinct_field_names": distinct,
        "distinct_names_unresolved": unresolved,
        "fields_unique": result["burden"]["fields_unique"],
        "overlap_groups": len(result["overlaps"]),
        "multi_head_groups": sum(o["multi_head"] for o in result["overlaps"]),
        "rush_forms": len(result["rush"]),
        "unlisted_forms": len(result["unlisted"]),
        "dictionary_load_seconds": round(load_seconds, 4),
        "cold_seconds": round(cold, 4),
        "cold_cpu_seconds": round(cold_cpu, 4),
        "warm_seconds_median": round(statistics.median(warm_runs), 4),
        "warm_seconds_max": round(max(warm_runs), 4),
        "warm_cpu_seconds_median": round(statistics.median(warm_cpu), 4),
        "target_seconds": TARGET_SECONDS,
        "cold_within_target": cold < TARGET_SECONDS,
        "warm_within_target": max(warm_runs) < TARGET_SECONDS,
        # Wall-clock times depend on what else the machine runs: CPU seconds and the load average tell.
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    out = Path(__file__).resolve().parent / "results" / "reporting_analysis.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return report


if __name__ == "__main__":
    main()
