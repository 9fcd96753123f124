"""National division import benchmark (DESIGN.md §10: under 60 s; any subtree count under 20 ms).

Imports the national NBS file (620,572 village-level units) into a fresh database, then times the subtree counts
the app shows (``regions.services.subtree_counts``) and the plain ``Region.objects.subtree(x).count()`` for sample
regions at each level (p50 / p95 / max per level in the JSON). Each database runs in its own process
(settings are read at start-up):

    .venv/bin/python -m bench.national_import [--db sqlite|postgres|both] [--source ../shared/data/divisions]

SQLite goes to a temporary file; PostgreSQL to a fresh database on --pg-server that the bench creates and drops.
Results: bench/results/national_import.json and bench/results/national_import.md.
"""

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_SOURCE = "../shared/data/divisions"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SAMPLES_PER_LEVEL = 40
REPEATS = 5
IMPORT_TARGET_S = 60.0
SUBTREE_TARGET_MS = 20.0


# --- worker: one database, inside Django ------------------------------------------------------------------------

def run_worker(source: Path, out: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from regions.choices import Level
    from regions.models import Region
    from regions.services import import_divisions, subtree_counts

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started

    marks: list[tuple[float, str]] = []
    load_before = os.getloadavg()[0]
    server_cpu = _server_cpu_seconds(connection)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    result = import_divisions(source, progress=lambda message: marks.append((time.perf_counter() - started, message)))
    import_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu_s = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    server_cpu_s = (_server_cpu_seconds(connection) - server_cpu) if server_cpu is not None else None
    load_after = os.getloadavg()[0]
    rows = sum(result.per_level.values())
    read_s = marks[0][0] if marks else 0.0
    # After "read", one progress line per level written: the last of them ends the row inserts (then indexes,
    # counts and commit).
    levels_written = sum(1 for n in result.per_level.values() if n)
    inserted_s = marks[min(levels_written, len(marks) - 1)][0] if marks else 0.0
    print(f"[{connection.vendor}] imported {rows:,} rows in {import_s:.1f}s", file=sys.stderr)

    if connection.vendor == "postgresql":
        # What autovacuum does on a running installation: the visibility map lets the range count scan only the index.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE regions_region")

    rng = random.Random(20261127)
    subtree: dict[str, Any] = {}
    range_count: dict[str, Any] = {}
    mismatches: list[str] = []
    for level in Level:
        pks = list(Region.objects.filter(level=level).values_list("pk", flat=True))
        sample = list(Region.objects.filter(pk__in=rng.sample(pks, min(SAMPLES_PER_LEVEL, len(pks)))))
        sizes = {r.pk: Region.objects.subtree(r).count() for r in sample}
        biggest = max(sample, key=lambda r: sizes[r.pk])  # the largest subtree of the level is in every sample
        largest = {"code": biggest.code, "name": biggest.name, "units": sizes[biggest.pk]}
        # The app's count (regions.services.subtree_counts: per level, units in use; what pages and the API show)
        subtree[Level(level).name.lower()] = {**_timed(sample, subtree_counts), "largest_subtree": largest}
        # and the plain code-range count of Region.objects.subtree(x) (an index-only scan on PostgreSQL).
        range_count[Level(level).name.lower()] = {
            **_timed(sample, lambda r: Region.objects.subtree(r).count()), "largest_subtree": largest}
        for region in sample:  # the maintained counts are the live ones
            live = dict(Region.objects.subtree(region).filter(level__gt=region.level, is_active=True)
                        .values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
            if subtree_counts(region) != {Level(lv).name.lower(): n for lv, n in live.items()}:
                mismatches.append(region.code)

    explain: dict[str, str] = {}
    if connection.vendor == "postgresql":
        from django.test.utils import CaptureQueriesContext

        for code in ("440000000000", "440300000000", "440305000000", "440305001000", "440305001001"):
            region = Region.objects.filter(code=code).first()
            if region is None:
                continue
            with CaptureQueriesContext(connection) as queries:
                Region.objects.subtree(region).count()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + queries.captured_queries[0]["sql"])
                explain[f"{code} {region.name}"] = "\n".join(row[0] for row in cursor.fetchall())

    from regions.models import Region as R

    report = {
        "database": connection.vendor,
        "database_version": _db_version(connection),
        "rows": rows,
        "per_level": {Level(k).name.lower(): v for k, v in result.per_level.items()},
        "created": result.created,
        "regions_in_db": R.objects.count(),
        "history_rows": R.history.count(),
        "migrate_s": round(migrate_s, 2),
        "read_and_check_s": round(read_s, 2),
        "insert_s": round(inserted_s - read_s, 2),
        "indexes_counts_commit_s": round(import_s - inserted_s, 2),
        "import_s": round(import_s, 2),
        "rows_per_s": round(rows / import_s),
        # The machine is shared: wall time depends on the load; CPU time (getrusage of this process, and on
        # PostgreSQL the server backend of this connection) is what an idle machine would roughly need.
        "import_cpu_s": {"client": round(client_cpu_s, 2), "server": round(server_cpu_s, 2) if server_cpu_s is not None else None},
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "cpus": os.cpu_count(),
        "import_target_s": IMPORT_TARGET_S,
        "import_ok": import_s < IMPORT_TARGET_S,
        "subtree_count": subtree,
        "range_count": range_count,
        "subtree_target_ms": SUBTREE_TARGET_MS,
        "subtree_ok": all(v["max_ms"] < SUBTREE_TARGET_MS for v in subtree.values()),
        "counts_match_live_count": not mismatches,
        "counts_mismatched": mismatches[:20],
        "range_count_ok": all(v["max_ms"] < SUBTREE_TARGET_MS for v in range_count.values()),
        "explain": explain,
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))


def _timed(sample: list[Any], count: Any) -> dict[str, Any]:
    """Best of REPEATS per region, then p50 / p95 / max over the sample (ms)."""
    timings = []
    for region in sample:
        best = float("inf")
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            count(region)
            best = min(best, time.perf_counter() - t0)
        timings.append(best * 1000)
    timings.sort()
    return {"samples": len(timings), "p50_ms": round(statistics.median(timings), 3),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 3), "max_ms": round(timings[-1], 3)}


def _server_cpu_seconds(connection: Any) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (local server only), else None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _db_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        return str(cursor.fetchone()[0])


# --- driver: fresh databases, one process each ------------------------------------------------------------------

def run_one(db: str, source: Path, pg_server: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="qd-bench-") as tmp:
        env = {**os.environ, "QINGDAN_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "ERROR"}
        dbname = f"qingdan_bench_{os.getpid()}"
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            import psycopg

            with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
                conn.execute(f'CREATE DATABASE "{dbname}"')
            env["DATABASE_URL"] = f"{pg_server}/{dbname}"
        out = Path(tmp) / "result.json"
        try:
            subprocess.run([sys.executable, "-m", "bench.national_import", "--worker", "--source", str(source),
                            "--out", str(out)], env=env, cwd=ROOT, check=True)
            return json.loads(out.read_text())
        finally:
            if db == "postgres":
                import psycopg

                with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# National division import benchmark",
        "",
        f"`python -m bench.national_import` — {results['machine']}. Targets (DESIGN.md §10): import under "
        f"{IMPORT_TARGET_S:.0f} s, any subtree count under {SUBTREE_TARGET_MS:.0f} ms. The machine is shared: "
        "CPU seconds (getrusage of the importing process, plus the PostgreSQL backend's) show what the work costs "
        "whatever the load.",
        "",
        "| database | rows | history rows | read+check s | insert s | indexes+counts+commit s | import s (wall) | rows/s "
        "| CPU s client + server | load avg before/after | target met (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for db, r in results["runs"].items():
        cpu = r.get("import_cpu_s", {})
        cpu_text = f"{cpu.get('client')} + {cpu.get('server')}" if cpu.get("server") is not None else f"{cpu.get('client')}"
        load = r.get("load_average_1min", {})
        lines.append(f"| {db} {r['database_version']} | {r['rows']:,} | {r['history_rows']:,} | {r['read_and_check_s']} | "
                     f"{r.get('insert_s')} | {r.get('indexes_counts_commit_s')} | "
                     f"{r['import_s']} | {r['rows_per_s']:,} | {cpu_text} | {load.get('before')} / {load.get('after')} on "
                     f"{r.get('cpus')} CPUs | {'yes' if r['import_ok'] else 'NO'} |")
    for key, title in (
        ("subtree_count", "Subtree counts as pages and the API get them (`regions.services.subtree_counts`: units in use "
                          "per level, maintained by the import in the same transaction)"),
        ("range_count", "Plain code-range count `Region.objects.subtree(x).count()` (index-only scan on PostgreSQL "
                        "after VACUUM ANALYZE)"),
    ):
        lines += ["", f"{title}; best of {REPEATS} per region, {SAMPLES_PER_LEVEL} random regions per level, the "
                  "largest subtree of the level always included (ms):", "",
                  "| database | level | p50 | p95 | max | largest subtree sampled | target met |",
                  "|---|---|---:|---:|---:|---|---|"]
        for db, r in results["runs"].items():
            for level, t in r.get(key, {}).items():
                big = t["largest_subtree"]
                lines.append(f"| {db} | {level} | {t.get('p50_ms', t.get('median_ms'))} | {t['p95_ms']} | {t['max_ms']} | "
                             f"{big['code']} {big['name']} ({big['units']:,} units) | "
                             f"{'yes' if t['max_ms'] < SUBTREE_TARGET_MS else 'NO'} |")
    return "\n".join(lines) + "\n"


def default_source() -> str:
    """The national file lies outside the repository (DESIGN §9: ../shared/data/divisions). A clone elsewhere finds it
    beside the repository it was cloned from; NATIONAL_DIVISIONS overrides both."""
    if os.environ.get("NATIONAL_DIVISIONS"):
        return os.environ["NATIONAL_DIVISIONS"]
    candidates = [ROOT / DEFAULT_SOURCE]
    origin = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"], capture_output=True, text=True)
    if origin.returncode == 0 and Path(origin.stdout.strip()).is_dir():
        candidates.append(Path(origin.stdout.strip()) / DEFAULT_SOURCE)
    for candidate in candidates:
        if any((candidate / name).exists() for name in ("villages.csv.gz", "villages.csv")):
            return str(candidate.resolve())
    return DEFAULT_SOURCE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--source", default=default_source(),
                        help="folder of the national NBS files (absolute, or relative to the repo root)")
    parser.add_argument("--pg-server", default=os.environ.get("BENCH_PG_SERVER", DEFAULT_PG_SERVER))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    source = (ROOT / args.source).resolve()
    if args.worker:
        run_worker(source, Path(args.out))
        return
    if not (source / "villages.csv.gz").exists() and not (source / "villages.csv").exists():
        parser.error(f"no villages.csv[.gz] in {source}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "national_import.json"
    results = json.loads(path.read_text()) if path.exists() else {"runs": {}}
    results["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    results["source"] = args.source
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        results["runs"][db] = run_one(db, source, args.pg_server)
        r = results["runs"][db]
        print(f"{db}: {r['rows']:,} rows in {r['import_s']} s ({r['rows_per_s']:,} rows/s, CPU {r['import_cpu_s']}); "
              f"subtree count max {max(t['max_ms'] for t in r['subtree_count'].values())} ms, range count max "
              f"{max(t['max_ms'] for t in r['range_count'].values())} ms")
    results["runs"] = dict(sorted(results["runs"].items(), key=lambda kv: kv[0] != "sqlite"))
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    (RESULTS / "national_import.md").write_text(markdown(results))
    print(f"wrote {path} and national_import.md")


if __name__ == "__main__":
    main()
