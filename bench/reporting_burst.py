"""A burst of every Liaoning committee (16,727) submitting a 50-field report through the real API, on SQLite and on
PostgreSQL (DESIGN.md §10: 300 submissions/s sustained, none lost).

One gunicorn as deployed (bench/server.py: gthread, 2 workers x 16 threads) on 127.0.0.1 over a fresh demo database; 32 client threads with
keep-alive connections, each committee authenticating with its own API token and sending an Idempotency-Key. A
request that fails (timeout, 5xx, 429) is retried with the same key, at most 5 times; at the end the database is
counted: one submission per committee, none lost, none doubled. Bounded: --max-seconds per database (default 300).

    .venv/bin/python -m bench.reporting_burst --db sqlite|postgres|both [--committees N] [--clients 32]
        [--service N]

Two paths are measured. "service": first, the first N committees (default 3,000) submit the previous year's report
one after another in one Django process through exactly what the API view calls (token → user,
committee_for_submission, channel_for_submission, submit: prepare, then the group commit with a batch of one, and
the API's answer), with wall and CPU time: the cost of a submission on one core without HTTP and without batching;
then 500 more, phase by phase. "http", the burst itself: every committee (16,727) submits this year's report through
gunicorn as described above, where concurrent requests of a worker process share their transaction (group commit,
core/groupcommit.py). Only this year's forms are counted for lost and doubled.

Setup (not timed): one 50-field channel per county, approved and covered by an exception the county government
approved for the year (一事一报), so that it may reach every committee of the county; one user and token per
committee. Writes bench/results/reporting_burst.json and .md.
"""

import argparse
import http.client
import json
import os
import queue
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.procmem import named_cpu_seconds, tree_cpu_seconds
from bench.server import DESCRIPTION as SERVER
from bench.server import GUNICORN_FLAGS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_PER_SECOND = 300
FIELDS = 50
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


# The functions of reporting.services the phases worker times (a test checks that each still exists).
SERVICE_PHASES = {"prepare_submission": "prepare: may the channel reach it (read with the channel), cached fields, "
                                        "50 values",
                  "_apply_submissions": "batch: reads (keys, submission, values; locking) and checks",
                  "write_values": "batch: 50 values + history rows (1 statement on PostgreSQL, 2 on SQLite)",
                  "write_submissions": "batch: submission + history row (1 statement on PostgreSQL, 2 on SQLite)",
                  "record_many": "batch: audit record (hash chain)",
                  "write_answers": "batch: answer to the idempotency key stored",
                  "commit_submissions": "batch: BEGIN, write lock, COMMIT"}


def setup_worker(out: Path, limit: int | None) -> None:
    """Inside a Django process on the bench database: channels, exceptions, users and tokens."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import Membership, User
    from regions.choices import Level, OrganisationKind
    from regions.models import Organisation, Region
    from regions.services import ensure_committee_organisations
    from reporting import services
    from reporting.choices import ChannelStatus, ExceptionStatus
    from reporting.models import ChannelField, DataElement, PlanException, ReportingChannel

    services.sync_elements()
    ensure_committee_organisations()
    numeric = list(DataElement.objects.filter(type="int").order_by("code")[:FIELDS])
    assert len(numeric) == FIELDS, "the dictionary needs 50 integer elements"
    year = timezone.localdate().year
    committees = list(Region.objects.committees().filter(is_active=True).order_by("code")[:limit])
    counties = {c.code[:6] + "000000" for c in committees}
    channel_of: dict[str, int] = {}
    for county in Region.objects.filter(code__in=counties, level=Level.COUNTY):
        owner = Organisation.objects.filter(region=county).exclude(kind=OrganisationKind.COMMITTEE).first()
        if owner is None:
            owner = Organisation.objects.create(name=f"{county.name}统计局", kind=OrganisationKind.DEPARTMENT,
                                                region=county)
        channel = ReportingChannel.objects.create(
            owner=owner, region=county, name="基层基础数据综合报表（压测）", kind="report", frequency="annual",
            notice_days=15, minutes_per_filing=30, list_items=["A12"], status=ChannelStatus.APPROVED)
        ChannelField.objects.bulk_create(ChannelField(channel=channel, position=i, name=e.name, element=e,
                                                      resolution="dictionary") for i, e in enumerate(numeric))
        PlanException.objects.create(channel=channel, year=year, reason="压测", status=ExceptionStatus.APPROVED)
        channel_of[county.code] = channel.pk
    orgs = dict(Organisation.objects.filter(kind=OrganisationKind.COMMITTEE, region__in=committees)
                .values_list("region_id", "pk"))
    users = User.objects.bulk_create([User(username=f"bench.{c.code}", is_demo=True) for c in committees],
                                     batch_size=2000)
    users = list(User.objects.filter(username__startswith="bench.").order_by("username"))
    Membership.objects.bulk_create([Membership(user=u, organisation_id=orgs[c.pk], role="editor")
                                    for u, c in zip(users, committees, strict=True)], batch_size=2000)
    tokens = [Token(key=secrets.token_hex(20), user=u) for u in users]
    Token.objects.bulk_create(tokens, batch_size=2000)
    jobs = [{"committee": c.code, "token": t.key, "channel": channel_of[c.code[:6] + "000000"]}
            for c, t in zip(committees, tokens, strict=True)]
    out.write_text(json.dumps({"year": year, "elements": [e.code for e in numeric], "jobs": jobs}))


def service_worker(setup_file: Path, out: Path, count: int) -> None:
    """The service path of one submission, in this process, one after another (no HTTP, no client threads): the
    previous year's report of the first committees, so that the burst's own forms and values stay untouched."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from core.tokenauth import TokenAuthentication
    from reporting import services
    from reporting.api import submission_body

    setup = json.loads(setup_file.read_text())
    period = str(setup["year"] - 1)
    values = {code: str(i + 7) for i, code in enumerate(setup["elements"])}
    jobs = setup["jobs"][:count]
    failed = 0
    wall, cpu = time.perf_counter(), time.process_time()
    tokens = TokenAuthentication()
    for job in jobs:
        user = tokens.authenticate_credentials(job["token"])[0]
        committee = services.committee_for_submission(user, job["committee"])
        channel = services.channel_for_submission(user, job["channel"], committee)
        _body, code = services.submit(user, committee, channel, period, values, render=submission_body,
                                      key=f"late-{job['committee']}", ip="127.0.0.1")
        failed += code != 201
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    out.write_text(json.dumps({"submissions": len(jobs), "failed": failed, "seconds": round(wall, 2),
                               "per_second": round(len(jobs) / wall, 1), "cpu_seconds": round(cpu, 2),
                               "per_cpu_second": round(len(jobs) / cpu, 1),
                               "ms_per_submission_cpu": round(cpu * 1000 / len(jobs), 2)}))


def phases_worker(setup_file: Path, out: Path, count: int, skip: int = 0) -> None:
    """Where the CPU time of the service path goes, phase by phase (process time, so other load matters less).
    One submission per batch here: under concurrency the transaction's fixed costs are shared by the batch."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection

    from core.tokenauth import TokenAuthentication
    from reporting import services
    from reporting.api import submission_body

    setup = json.loads(setup_file.read_text())
    period = str(setup["year"] - 1)
    values = {code: str(i + 7) for i, code in enumerate(setup["elements"])}
    jobs = setup["jobs"][skip:count]
    spent: dict[str, float] = {}
    clock = time.process_time

    def timed(name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + clock() - start

    names = SERVICE_PHASES
    saved = {name: getattr(services, name) for name in names}
    for name, label in names.items():
        setattr(services, name, lambda *a, _f=saved[name], _l=label, **k: timed(_l, _f, *a, **k))
    services._SUBMISSIONS.apply = services.commit_submissions
    render = lambda sub: timed("answer (the API's JSON)", submission_body, sub)  # noqa: E731
    tokens = TokenAuthentication()
    try:
        for job in jobs:
            user = timed("token → user and memberships (the API's token authentication, 1 prepared query)",
                         lambda job=job: tokens.authenticate_credentials(job["token"])[0])
            committee = timed("committee (among the memberships read with the token)",
                              services.committee_for_submission, user, job["committee"])
            channel = timed("channel lookup (scoped) and whether it may reach the committee, 1 query",
                            services.channel_for_submission, user, job["channel"], committee)
            services.submit(user, committee, channel, period, values, render=render, key=f"late-{job['committee']}",
                            ip="127.0.0.1")
    finally:
        for name, func in saved.items():
            setattr(services, name, func)
        services._SUBMISSIONS.apply = services.commit_submissions
    # Nested timers: report each outer phase net of the phases timed inside it.
    inner = [names["write_values"], names["write_submissions"], names["record_many"], names["write_answers"],
             "answer (the API's JSON)"]
    spent[names["_apply_submissions"]] -= sum(spent.get(n, 0.0) for n in inner)
    spent[names["commit_submissions"]] -= sum(spent.get(n, 0.0) for n in inner) + spent[names["_apply_submissions"]]
    total = sum(spent.values())
    out.write_text(json.dumps({
        "vendor": connection.vendor, "submissions": len(jobs),
        "ms_cpu_per_submission": round(total * 1000 / len(jobs), 2),
        "per_cpu_second": round(len(jobs) / total, 1),
        "phases_ms": {name: round(s * 1000 / len(jobs), 2) for name, s in spent.items()},
        "phases_share": {name: round(s / total, 3) for name, s in spent.items()},
    }, ensure_ascii=False, indent=2))


def count_worker(out: Path, period: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection
    from django.db.models import Count

    from reporting.models import ElementValue, Submission

    subs = Submission.objects.filter(period=period)
    doubled = subs.values("channel", "committee", "period").annotate(n=Count("id")).filter(n__gt=1)
    out.write_text(json.dumps({"submissions": subs.count(), "values": ElementValue.objects.filter(period=period).count(),
                               "doubled": doubled.count(), "vendor": connection.vendor}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def burst(port: int, setup: dict[str, Any], clients: int, max_seconds: float) -> dict[str, Any]:
    jobs: queue.Queue = queue.Queue()
    for job in setup["jobs"]:
        jobs.put(job)
    period = str(setup["year"])
    latencies: list[float] = []
    outcome = {"ok": 0, "retries": 0, "failed": 0, "status": {}}
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            try:
                job = jobs.get_nowait()
            except queue.Empty:
                break
            body = json.dumps({"channel": job["channel"], "committee": job["committee"], "period": period,
                               "values": {code: str(i + 7) for i, code in enumerate(setup["elements"])}})
            headers = {"Content-Type": "application/json", "Authorization": f"Token {job['token']}",
                       "Idempotency-Key": f"burst-{job['committee']}"}
            for attempt in range(6):
                start = time.perf_counter()
                try:
                    conn.request("POST", "/api/v1/reporting/submissions", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    code = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    code = 0
                elapsed = time.perf_counter() - start
                with lock:
                    outcome["status"][str(code)] = outcome["status"].get(str(code), 0) + 1
                    if code in (200, 201):
                        outcome["ok"] += 1
                        latencies.append(elapsed)
                    elif attempt < 5:
                        outcome["retries"] += 1
                if code in (200, 201) or (400 <= code < 500 and code != 429):
                    break
                time.sleep(0.05 * (attempt + 1))
            else:
                with lock:
                    outcome["failed"] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0] * 99
    return {**outcome, "seconds": round(seconds, 2), "per_second": round(outcome["ok"] / seconds, 1),
            "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "unsent": jobs.qsize(), "timed_out": time.monotonic() >= deadline}


def run_one(db: str, committees: int | None, clients: int, max_seconds: float, service: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="qingdan-burst-"))
    env = {**os.environ, "QINGDAN_VAR_DIR": str(tmp), "DEMO_PASSWORD": "Bench-Passw0rd!2026",
           "QINGDAN_MANIFEST_STATIC": "0"}
    dbname = "qingdan_bench_burst"
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        env["DATABASE_URL"] = f"{PG_SERVER}/{dbname}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    py = [sys.executable]
    server = None
    try:
        subprocess.run([*py, "manage.py", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*py, "manage.py", "load_demo", "--if-empty", "-v0"], env=env, check=True, cwd=ROOT)
        setup_file = tmp / "setup.json"
        t0 = time.perf_counter()
        subprocess.run([*py, "-m", "bench.reporting_burst", "--setup-worker", str(setup_file),
                        *(["--committees", str(committees)] if committees else [])], env=env, check=True, cwd=ROOT)
        setup_seconds = time.perf_counter() - t0
        setup = json.loads(setup_file.read_text())
        service = min(service, len(setup["jobs"]))
        service_result = None
        if service:
            service_file = tmp / "service.json"
            subprocess.run([*py, "-m", "bench.reporting_burst", "--service-worker", str(setup_file), "--service-out",
                            str(service_file), "--service", str(service)], env=env, check=True, cwd=ROOT)
            service_result = json.loads(service_file.read_text())
            # Then where the CPU time goes, on the next 500 committees (also through the service path).
            phases_file = tmp / "phases.json"
            subprocess.run([*py, "-m", "bench.reporting_burst", "--phases-worker", str(setup_file), "--service-out",
                            str(phases_file), "--service", str(service + 500), "--skip", str(service)], env=env,
                           check=True, cwd=ROOT)
            service_result["phases"] = json.loads(phases_file.read_text())
            service += service_result["phases"]["submissions"]
        port = free_port()
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b",
                                   f"127.0.0.1:{port}", *GUNICORN_FLAGS,  # as deployed (bench/server.py)
                                   "--log-level", "warning"], env=env, cwd=ROOT)
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310 — local server
                break
            except OSError:
                time.sleep(0.2)
        server_cpu, client_cpu = tree_cpu_seconds(server.pid), time.process_time()
        database_cpu = named_cpu_seconds("postgres") if db == "postgres" else 0.0
        result = burst(port, setup, clients, max_seconds)
        server_cpu, client_cpu = tree_cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu
        sent = max(result["ok"], 1)
        result["server_cpu_ms_per_submission"] = round(server_cpu * 1000 / sent, 2)
        result["client_cpu_ms_per_submission"] = round(client_cpu * 1000 / sent, 2)
        if db == "postgres":  # the database's own processes (backends that ended during the burst are missed)
            database_cpu = named_cpu_seconds("postgres") - database_cpu
            result["database_cpu_ms_per_submission"] = round(database_cpu * 1000 / sent, 2)
        count_file = tmp / "count.json"
        subprocess.run([*py, "-m", "bench.reporting_burst", "--count-worker", str(count_file), "--period",
                        str(setup["year"])], env=env, check=True, cwd=ROOT)
        counted = json.loads(count_file.read_text())
        expected = len(setup["jobs"])
        accepted = result["ok"]
        result.update({
            "db": db, "committees": expected, "fields": FIELDS, "setup_seconds": round(setup_seconds, 1),
            "http_committees": expected, "service": service_result,
            "submissions_in_db": counted["submissions"], "values_in_db": counted["values"],
            "doubled": counted["doubled"], "lost": expected - counted["submissions"] if not result["unsent"] else None,
            "meets_target": result["per_second"] >= TARGET_PER_SECOND,
            "none_lost": counted["submissions"] == expected and counted["doubled"] == 0,
            # Of the submissions the server accepted before the time bound: every one stored, none twice.
            "accepted_all_stored": counted["submissions"] == accepted and counted["doubled"] == 0,
            "values_all_stored": counted["values"] == counted["submissions"] * FIELDS,
        })
        return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
        if db == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def reference_seconds() -> float:
    """How fast this machine runs Python today: the best of 3 runs of a fixed loop (10 million additions). The
    machines these benchmarks run on differ from day to day; compare results through this number."""
    best = float("inf")
    for _ in range(3):
        start, total = time.process_time(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.process_time() - start)
    return round(best, 2)


def markdown(report: dict[str, Any]) -> str:
    lines = ["# Reporting burst", "", f"{report['note']}", "",
             f"Machine speed: the reference loop (bench/reporting_burst.py, reference_seconds) took "
             f"{report.get('reference_seconds', '–')} s; smaller is faster.", "",
             "| DB | committees | service path /s (wall) | service path /s per CPU s | ms CPU each | HTTP /s | p50 ms "
             "| p99 ms | server ms CPU each | DB ms CPU each | retries | in DB | doubled | none lost "
             "| target 300/s (HTTP) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["results"]:
        s = r.get("service") or {}
        lines.append(f"| {r['db']} | {r['committees']} | {s.get('per_second', '–')} | {s.get('per_cpu_second', '–')} | "
                     f"{s.get('ms_per_submission_cpu', '–')} | {r['per_second']} | {r['p50_ms']} | {r['p99_ms']} | "
                     f"{r.get('server_cpu_ms_per_submission', '–')} | {r.get('database_cpu_ms_per_submission', '–')} | "
                     f"{r['retries']} | {r['submissions_in_db']} | {r['doubled']} | {r['none_lost']} | "
                     f"{'yes' if r['meets_target'] else 'no'} |")
    for r in report["results"]:
        phases = (r.get("service") or {}).get("phases")
        if not phases:
            continue
        lines += ["", f"## Where the CPU time of one submission goes ({r['db']}, service path, "
                      f"{phases['ms_cpu_per_submission']} ms = {phases['per_cpu_second']}/s per core)", "",
                  "| phase | ms CPU | share |", "|---|---|---|"]
        for name, ms in sorted(phases["phases_ms"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {name} | {ms} | {round(phases['phases_share'][name] * 100, 1)}% |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--committees", type=int, default=None, help="limit (default: every committee, 16,727)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--setup-worker", type=Path)
    parser.add_argument("--count-worker", type=Path)
    parser.add_argument("--service", type=int, default=3000,
                        help="committees submitting through the service path first (0: none)")
    parser.add_argument("--service-worker", type=Path)
    parser.add_argument("--service-out", type=Path)
    parser.add_argument("--phases-worker", type=Path)
    parser.add_argument("--skip", type=int, default=0)
    parser.add_argument("--period", default="")
    args = parser.parse_args()
    if args.service_worker:
        service_worker(args.service_worker, args.service_out, args.service)
        return
    if args.phases_worker:
        phases_worker(args.phases_worker, args.service_out, args.service, args.skip)
        return
    if args.setup_worker:
        setup_worker(args.setup_worker, args.committees)
        return
    if args.count_worker:
        count_worker(args.count_worker, args.period)
        return
    reference = reference_seconds()
    results = []
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        result = run_one(db, args.committees, args.clients, args.max_seconds, args.service)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    report = {"topic": "reporting_burst", "target_per_second": TARGET_PER_SECOND, "clients": args.clients,
              "server": SERVER, "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
              "reference_seconds": reference,
              "note": "Each submission stores 50 values (with history) and assembles one form; retries reuse the "
                      "Idempotency-Key. Service path: the first committees submit the previous year's report one "
                      "after another in one process (what the API view calls, without HTTP, one submission per "
                      "commit); HTTP: every committee submits this year's report through gunicorn as deployed, 32 "
                      "client threads on the same machine, concurrent submissions of a worker committed together. "
                      "none_lost needs every committee sent (not timed_out); accepted_all_stored: every submission "
                      "answered 201 is in the database, none twice, each with its 50 values. CPU per submission: "
                      "the app server's, the client's and (PostgreSQL) the database's. The machine is shared: see "
                      "load_average_1min.",
              "results": results}
    RESULTS.mkdir(parents=True, exist_ok=True)
    previous = RESULTS / "reporting_burst.json"
    if args.db != "both" and previous.exists():  # keep the other database's last run
        kept = [r for r in json.loads(previous.read_text()).get("results", []) if r.get("db") != args.db]
        report["results"] = kept + results
    (RESULTS / "reporting_burst.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "reporting_burst.md").write_text(markdown(report))


if __name__ == "__main__":
    main()
