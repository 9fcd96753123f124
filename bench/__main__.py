"""`make bench`: run every benchmark in its own process, then write bench/results/summary.md from their JSON.

Each benchmark compares against a target or a baseline measured in the same run; none is a timed test.
    .venv/bin/python -m bench [--only name ...] [--summary-only]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import headline

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Order: cheap first. Each is `python -m bench.<name>` writing bench/results/<name>.json.
BENCHMARKS = [
    "admission_check",
    "worklist",
    "worklist_diff",
    "reporting_analysis",
    "certificates",
    "supervision",
    "http_throughput",
    "reporting_burst",
    "national_import",
]
INTERESTING = ("per_second", "seconds", "_ms", "_s", "_mb", "meets", "ratio", "target", "p99", "rows")


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list):
        return out
    else:
        out[prefix] = data
    return out


def summary() -> str:
    lines = ["# Benchmark results", "", f"Written {time.strftime('%Y-%m-%d %H:%M')} by `make bench` on "
             f"{sys.platform}, Python {sys.version.split()[0]}. Each number comes from the JSON beside this file.", ""]
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        rows = [(k, v) for k, v in flatten(data).items() if any(word in k for word in INTERESTING)
                and isinstance(v, int | float | bool)]
        if not rows:
            continue
        lines += [f"## {path.stem}", "", "| metric | value |", "|---|---|"]
        lines += [f"| {key} | {value} |" for key, value in rows[:40]]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    failed = []
    if not args.summary_only:
        for name in args.only or BENCHMARKS:
            if not (ROOT / "bench" / f"{name}.py").exists():
                print(f"-- {name}: not present, skipped")
                continue
            print(f"== {name}", flush=True)
            if subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT).returncode != 0:
                failed.append(name)
    (RESULTS / "summary.md").write_text(summary())
    headline.write()
    print(f"wrote {RESULTS / 'summary.md'}, {RESULTS / 'headline.md'} and the table in README.md")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
