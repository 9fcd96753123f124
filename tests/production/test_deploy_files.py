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


def test_every_phase_the_burst_bench_times_is_still_a_function_of_the_reporting_services():
    from bench.reporting_burst import SERVICE_PHASES
    from reporting import services

    assert all(callable(getattr(services, name, None)) for name in SERVICE_PHASES), [
        name for name in SERVICE_PHASES if not callable(getattr(services, name, None))]
