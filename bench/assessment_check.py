"""Assessment-plan checker (Art. 7) cost: a typical plan, and the largest input the public endpoint accepts.

Why: POST /api/v1/assessments/check is public; the serializer caps input (200 indicators, 2,000 characters per field,
50,000 characters in all) so one request cannot keep a worker busy for seconds. This measures what the caps allow.
Run: .venv/bin/python -m bench.assessment_check   Writes bench/results/assessment_check.json.
"""

import csv
import json
import os
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "results" / "assessment_check.json"


def _timed(func, repeat: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from assessment.api import MAX_FIELD, MAX_INDICATORS, MAX_TOTAL_CHARS
    from assessment.checker import check_plan

    with open(ROOT / "tests" / "assessment" / "corpus.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    indicators = [{"name": r["indicator_name"], "description": r["description"], "evidence": r["evidence"].split("|")} for r in rows]
    typical = indicators[:20]
    per_plan = _timed(lambda: check_plan("2025年度社区工作综合考核方案", typical), 50)
    corpus = _timed(lambda: check_plan("方案", indicators), 5)

    # Worst case the caps allow: 25 indicators of 2,000 characters of rule-triggering text (50,000 in all).
    filler = ("按得分排名，查阅台账，不设一票否决，" * 200)[:MAX_FIELD]
    n = min(MAX_INDICATORS, MAX_TOTAL_CHARS // MAX_FIELD)
    worst = [{"name": "指标", "description": filler, "evidence": []} for _ in range(n)]
    worst_times = _timed(lambda: check_plan("方案", worst), 3)
    uncapped = _timed(lambda: check_plan("方案", [{"name": "x", "description": "排名" * 50_000, "evidence": []}]), 1)

    result = {
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count()},
        "typical_plan_20_indicators_ms": {"median": round(statistics.median(per_plan) * 1000, 2),
                                          "max": round(max(per_plan) * 1000, 2)},
        "corpus_plan": {"indicators": len(indicators), "seconds": round(statistics.median(corpus), 3)},
        "largest_accepted_input": {"indicators": n, "characters": n * MAX_FIELD,
                                   "seconds": round(statistics.median(worst_times), 3)},
        "uncapped_100k_field_seconds": round(uncapped[0], 3),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
