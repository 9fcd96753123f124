"""Admission check throughput: checks per second on one process against a 500-item list (target: 200/s, DESIGN.md §10).

The list is the sample catalog plus generated items in the same style, up to 500; the requests are the labelled corpus
(tests/admission/corpus.csv), cycled. Run: .venv/bin/python -m bench.admission_check [--checks N]
Writes bench/results/admission_check.json.
"""

import argparse
import csv
import itertools
import json
import os
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "results" / "admission_check.json"
TARGET = 200.0
LIST_SIZE = 500

AGENCIES = [
    "民政",
    "公安",
    "卫生健康",
    "人力资源和社会保障",
    "医疗保障",
    "农业农村",
    "退役军人事务",
    "应急管理",
    "残联",
    "住房和城乡建设",
    "生态环境",
    "司法行政",
    "统计",
    "自然资源",
    "水利",
    "林业和草原",
    "市场监管",
    "文化和旅游",
    "教育",
    "交通运输",
]
TOPICS = [
    "困难群众排查",
    "临时救助申请",
    "高龄津贴申领",
    "独生子女奖励扶助",
    "义务兵家庭优待",
    "重点人群健康管理",
    "孕产妇随访",
    "就业困难人员登记",
    "耕地保护巡查",
    "河道清漂",
    "地质灾害隐患巡查",
    "防汛物资储备",
    "网格信息采集",
    "流动人口登记",
    "养犬登记",
    "农村危房排查",
    "困境儿童摸排",
    "残疾人康复服务",
    "法律援助申请转交",
    "人民调解案件登记",
    "志愿服务记录",
    "老年人助餐",
    "农村厕所管护",
    "饮用水安全巡查",
    "垃圾清运",
    "文化活动室管理",
    "农家书屋管理",
    "乡村医生协助",
    "疫苗接种通知",
    "学生资助申请转交",
    "退役军人走访慰问",
    "优抚对象信息核对",
    "房屋安全鉴定申请转交",
    "集体资产台账登记",
    "村民小组长推选",
    "居民小组议事",
    "社区社会组织登记",
    "物业纠纷调解",
    "邻里互助",
    "平安建设宣传",
]
ACTIONS = [
    "宣传动员",
    "信息核对",
    "申请受理转交",
    "入户走访",
    "情况报告",
    "组织实施",
    "公示公开",
    "材料初审",
    "协助落实",
    "统计汇总",
    "隐患报告",
    "政策告知",
]


def build_list():
    from admission.engine import ListItem, items_from_csv

    items = items_from_csv(ROOT / "data" / "reference" / "sample-catalog.csv")
    kinds = itertools.cycle(["both", "both", "village", "community"])
    for n, (topic, action) in enumerate(itertools.product(TOPICS, ACTIONS)):
        if len(items) >= LIST_SIZE:
            break
        agency = AGENCIES[n % len(AGENCIES)]
        items.append(
            ListItem(
                code=f"X{n:03d}",
                name=f"{topic}{action}",
                content=f"依法协助{agency}部门做好{topic}的{action}工作，发现问题及时向乡镇人民政府、街道办事处报告",
                category="assist",
                applies_to=next(kinds),
            )
        )
    return items


def load_requests() -> list[dict[str, str]]:
    with open(ROOT / "tests" / "admission" / "corpus.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checks", type=int, default=5000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from admission.engine import Approval, Engine
    from textmatch import warm_up

    t0 = time.perf_counter()
    warm_up()  # jieba and the IDF table: once per process, reported separately from the per-list build
    startup = time.perf_counter() - t0

    items = build_list()
    t0 = time.perf_counter()
    engine = Engine(items)
    build = time.perf_counter() - t0

    requests = load_requests()
    prepared = [
        (
            r["committee_kind"],
            r["title"],
            r["content"],
            Approval(r["approval_by"], r["approval_doc"]) if r["approval_by"] else None,
        )
        for r in requests
    ]
    for kind, title, content, approval in prepared:  # warm-up: regex and dictionary caches
        engine.check(kind, title, content, approval)

    latencies = []
    decisions: dict[str, int] = {}
    started = time.perf_counter()
    for kind, title, content, approval in itertools.islice(itertools.cycle(prepared), args.checks):
        t = time.perf_counter()
        result = engine.check(kind, title, content, approval)
        latencies.append(time.perf_counter() - t)
        decisions[result.decision] = decisions.get(result.decision, 0) + 1
    elapsed = time.perf_counter() - started

    latencies.sort()
    rate = args.checks / elapsed
    out = {
        "topic": "admission_check",
        "list_items": len(items),
        "distinct_requests": len(prepared),
        "checks": args.checks,
        "seconds": round(elapsed, 3),
        "checks_per_second": round(rate, 1),
        "target_checks_per_second": TARGET,
        "meets_target": rate >= TARGET,
        "latency_ms": {
            "mean": round(statistics.fmean(latencies) * 1000, 3),
            "p50": round(latencies[len(latencies) // 2] * 1000, 3),
            "p99": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 3),
            "max": round(latencies[-1] * 1000, 3),
        },
        "engine_build_seconds": round(build, 3),
        "textmatch_startup_seconds": round(startup, 3),
        "decisions": decisions,
        "rules": len(engine.rules),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processes": 1,
        # Other work on the machine slows the run: read the rate together with the load average.
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(RESULT)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return out


if __name__ == "__main__":
    main()
