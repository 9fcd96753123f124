"""The headline table: each number DESIGN.md §10 holds us to, next to what the latest `make bench` measured.

`make bench` writes it to bench/results/headline.md and between the bench markers in README.md, so the README always shows
the latest run. A missing result shows as "not measured"; nothing here is typed in by hand.
"""

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
MISSING = "not measured"


def _load(name: str) -> dict[str, Any]:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _get(data: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _number(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return MISSING
    return f"{value:,.{digits}f}{unit}" if isinstance(value, int | float) else str(value)


def _verdict(value: Any, ok: bool | None) -> str:
    if value is None or ok is None:
        return "—"
    return "yes" if ok else "**no**"


def _burst(db: str) -> dict[str, Any]:
    for run in _load("reporting_burst").get("results", []):
        if run.get("db") == db:
            return run
    return {}


def rows() -> list[tuple[str, str, str, str]]:
    """(what, target, measured, met?) for every §10 number."""
    out: list[tuple[str, str, str, str]] = []
    http = _load("http_throughput")
    db = http.get("db", "sqlite")
    for name, label in (("committee_page", "Committee page"), ("worklist_api", "Worklist API")):
        result = _get(http, "results", name) or {}
        ratio, p99 = result.get("ratio_to_trivial"), result.get("p99_ms")
        out.append((f"{label}: throughput vs a trivial JSON view, 32 connections ({db})", "≥ 0.5",
                    _number(ratio, digits=2), _verdict(ratio, ratio is not None and ratio >= 0.5)))
        out.append((f"{label}: p99 at 32 connections ({db})", "< 100 ms", _number(p99, " ms"),
                    _verdict(p99, p99 is not None and p99 < 100)))
    admission = _load("admission_check")
    rate = admission.get("checks_per_second")
    out.append(("Admission checks per second, one process, 500-item list", "≥ 200", _number(rate),
                _verdict(rate, rate is not None and rate >= 200)))
    imports = _load("national_import")
    for db_name in ("sqlite", "postgres"):
        run = _get(imports, "runs", db_name) or {}
        seconds = run.get("import_s")
        out.append((f"National import, 620,572 committees ({db_name})", "< 60 s", _number(seconds, " s"),
                    _verdict(seconds, seconds is not None and seconds < 60)))
        levels = run.get("subtree_count") or {}
        worst = max((level.get("max_ms") or 0 for level in levels.values()), default=None) if levels else None
        out.append((f"Slowest subtree count at national scale ({db_name})", "< 20 ms", _number(worst, " ms", 2),
                    _verdict(worst, worst is not None and worst < 20)))
    for db_name in ("sqlite", "postgres"):
        run = _burst(db_name)
        rate = run.get("per_second")
        out.append((f"Reporting burst, 16,727 committees × 50 fields, over HTTP ({db_name})", "≥ 300/s",
                    _number(rate, "/s"), _verdict(rate, rate is not None and rate >= 300)))
        lost = run.get("lost")
        out.append((f"Reporting burst: submissions lost or doubled ({db_name})", "0",
                    MISSING if lost is None else f"{lost} lost, {run.get('doubled')} doubled",
                    _verdict(lost, lost == 0 and run.get("doubled") == 0)))
    analysis = _load("reporting_analysis")
    warm = analysis.get("warm_seconds_median")
    out.append(("Overlap analysis of 2,000 forms × 40 fields (warm median)", "< 2 s", _number(warm, " s", 2),
                _verdict(warm, warm is not None and warm < 2)))
    certificates = _load("certificates")
    for kind in ("wall", "cpu"):
        value = _get(certificates, "issue_pdf_qr_signature_ms", kind, "p50")
        out.append((f"Certificate PDF with QR and signature (p50, {kind} time)", "< 50 ms", _number(value, " ms"),
                    _verdict(value, value is not None and value < 50)))
    verify = _get(certificates, "verify_ms", "wall", "p50")
    out.append(("Certificate verification (p50)", "< 5 ms", _number(verify, " ms", 2),
                _verdict(verify, verify is not None and verify < 5)))
    memory = http.get("memory_after_load") or {}
    workers = [v for k, v in memory.items() if "worker" in k]
    out.append(("Memory of one app process after the HTTP bench (largest gunicorn worker)", "—",
                _number(max(workers) if workers else None, " MiB"), "—"))
    return out


def table() -> str:
    loads = sorted({round(v, 1) for v in _loads() if isinstance(v, int | float)})
    lines = ["| what | target | measured | met |", "|---|---|---|---|"]
    lines += [f"| {what} | {target} | {measured} | {met} |" for what, target, measured, met in rows()]
    trivial = _get(_load("http_throughput"), "results", "trivial_json", "requests_per_second")
    reference = _load("reporting_burst").get("reference_seconds")
    lines += ["", f"Load average (1 min) during the runs: {', '.join(map(str, loads)) or MISSING} on 2 cores. "
              f"Machine speed (the machines differ from day to day): a trivial JSON view served "
              f"{_number(trivial, ' requests/s')} in the HTTP bench; the burst bench's reference loop took "
              f"{_number(reference, ' s', 2)}. Details and every other number: `bench/results/summary.md` and the "
              "JSON beside it."]
    return "\n".join(lines)


def _loads() -> list[Any]:
    found: list[Any] = []

    def walk(data: Any) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                if key.startswith("load_average") and isinstance(value, int | float):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(data, list):
            for value in data:
                walk(value)

    for path in RESULTS.glob("*.json"):
        walk(json.loads(path.read_text()))
    return found


def write() -> None:
    """bench/results/headline.md, and the README's table between the bench markers (when the markers are there)."""
    text = table()
    (RESULTS / "headline.md").write_text("# Headline numbers (DESIGN.md §10)\n\n" + text + "\n")
    readme = README.read_text()
    if START in readme and END in readme:
        pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
        README.write_text(pattern.sub(lambda _: f"{START}\n{text}\n{END}", readme))
