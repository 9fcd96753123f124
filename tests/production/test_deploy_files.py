"""The benchmarks measure the app server as it is deployed: the flags of bench/server.py are those of the systemd
unit."""

from pathlib import Path

from bench.server import THREADS, WORKERS

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmarked_app_server_is_the_deployed_one():
    unit = (ROOT / "deploy" / "systemd" / "qingdan-web@.service").read_text()
    command = " ".join(line.strip().rstrip("\\") for line in unit.splitlines() if not line.startswith("#"))
    assert f"--workers {WORKERS} " in command and f"--threads {THREADS} " in command
    assert "--reuse-port" in command and "--worker-class gthread" in command
