"""The public admission check through the whole stack over a fresh demo database: POST /api/v1/admission/check for
committees of 皇姑区 (list resolution + the engine cached per published version), first call vs. warm calls, and a
request submitted to every committee of 皇姑区 (one check per distinct list and committee kind).

    .venv/bin/python -m bench.admission_api   → bench/results/admission_api.json
"""

import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CALLS = 400


def setup() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qingdan-bench-admission-"))
    os.environ.update({"QINGDAN_VAR_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
                       "DEMO_PASSWORD": "Bench-Passw0rd!2026", "DJANGO_SETTINGS_MODULE": "config.settings",
                       "PUBLIC_CHECK_RATE": "1000000/min"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--if-empty", verbosity=0)


def main() -> None:
    setup()
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.models import User
    from admission import services
    from regions.models import Region

    committees = list(Region.objects.filter(code__startswith="210105", level=5).values_list("code", flat=True))
    texts = [
        ("协助开展老年人健康体检宣传", "请协助做好辖区65岁以上老年人免费健康体检的政策宣传。"),
        ("招商引资任务", "给每个村下达年度招商引资任务500万元。"),
        ("社区垃圾分类督导员服务", "由社区安排人员在垃圾投放点开展垃圾分类桶边督导，区城管局按月支付服务费用。"),
    ]
    client = APIClient()
    services.ENGINES.clear()
    started = time.perf_counter()
    first = client.post("/api/v1/admission/check", {"region": committees[0], "title": texts[0][0], "content": texts[0][1]},
                        format="json")
    cold = time.perf_counter() - started
    assert first.status_code == 200, first.content
    latencies = []
    started = time.perf_counter()
    for i in range(CALLS):
        title, content = texts[i % len(texts)]
        t0 = time.perf_counter()
        response = client.post("/api/v1/admission/check",
                               {"region": committees[i % len(committees)], "title": title, "content": content},
                               format="json")
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.content
    total = time.perf_counter() - started
    latencies.sort()

    user = User.objects.get(username="huanggu.health")
    sender = services.sender_organisations(user)[0]
    targets = services.resolve_targets(sender, subtree=sender.region)
    req = services.create_request(user, sender, kind="task", title=texts[0][0], content=texts[0][1],
                                  deadline=timezone.localdate() + timedelta(days=10), targets=targets)
    t0 = time.perf_counter()
    services.submit(user, req)
    submit_seconds = time.perf_counter() - t0

    result = {
        "committees_in_county": len(committees),
        "first_check_ms (builds the engine)": round(cold * 1000, 1),
        "warm_checks": CALLS,
        "warm_checks_per_second": round(CALLS / total, 1),
        "warm_p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "warm_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "submit_to_whole_county": {"targets": len(targets), "seconds": round(submit_seconds, 2)},
        "note": "Django test client in one process (no HTTP server, no throttling); SQLite.",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "admission_api.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
