"""The production topology on this machine: PostgreSQL, Redis (cache), RabbitMQ (jobs), two app processes, one worker.

Skipped when the services do not answer; `.ci/run` starts them.
"""

import functools
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.production.processes import free_port, wait_http

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("TOPOLOGY_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("TOPOLOGY_REDIS", "redis://127.0.0.1:6379/3")
AMQP = os.environ.get("TOPOLOGY_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
PASSWORD = "Topology-Passw0rd!2026"
OTP_KEY = "3132333435363738393031323334353637383930"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False




def _poll_job(base: str, token: str, job_id: int, until: set[str], seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = requests.get(f"{base}/api/v1/jobs/{job_id}", headers={"Authorization": f"Token {token}"}, timeout=5).json()
        if job["status"] in until:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {until}: {job}")


@pytest.fixture(scope="module")
def topology(tmp_path_factory):  # noqa: ANN001, ANN201
    if not all(_answers(p) for p in (5432, 6379, 5672)):
        pytest.skip("PostgreSQL, Redis and RabbitMQ must answer on 127.0.0.1 (.ci/run starts them)")
    import psycopg

    name = f"qingdan_topology_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("topology")
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{name}",
        "REDIS_URL": REDIS,
        "CELERY_BROKER_URL": AMQP,
        "CELERY_QUEUE": f"qingdan-test-{uuid.uuid4().hex[:8]}",
        "QINGDAN_VAR_DIR": str(tmp),
        "DEMO_PASSWORD": PASSWORD,
        "QINGDAN_MANIFEST_STATIC": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("TEST_DATABASE_URL", None)
    bin_dir = Path(sys.executable).parent
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo", "--if-empty", "-v0"], env=env, check=True, cwd=ROOT)
    # The system administrator's second factor (administrators need TOTP for tokens too).
    subprocess.run([*manage, "shell", "-c",
                    "from django_otp.plugins.otp_totp.models import TOTPDevice; from accounts.models import User; "
                    f"TOTPDevice.objects.create(user=User.objects.get(username='system.admin'), key='{OTP_KEY}', confirmed=True)"],
                   env=env, check=True, cwd=ROOT)
    processes: dict[str, subprocess.Popen] = {}
    ports = [free_port(), free_port()]
    for i, port in enumerate(ports):
        processes[f"web{i}"] = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread", "--threads", "4",
             "-w", "1", "--log-level", "warning"], env=env, cwd=ROOT)

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(
            [str(bin_dir / "celery"), "-A", "config", "worker", "-Q", env["CELERY_QUEUE"], "--concurrency", "1",
             "--prefetch-multiplier", "1", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    processes["worker"] = start_worker()
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    for base in bases:
        wait_http(f"{base}/healthz", seconds=30)
    yield {"bases": bases, "processes": processes, "start_worker": start_worker, "env": env}
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in processes.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@functools.cache
def _token(base: str) -> str:
    """One token per run: a TOTP code is accepted once (replay protection), and tokens are shared by all processes."""
    from django_otp.oath import totp

    code = f"{totp(bytes.fromhex(OTP_KEY)):06d}"
    response = requests.post(f"{base}/api/v1/auth/token/", json={"username": "system.admin", "password": PASSWORD, "otp": code},
                             timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def test_a_token_issued_by_one_process_works_on_the_other(topology):
    first, second = topology["bases"]
    token = _token(topology["bases"][0])
    response = requests.get(f"{second}/api/v1/me", headers={"Authorization": f"Token {token}"}, timeout=10)
    assert response.status_code == 200
    assert response.json()["username"] == "system.admin"


def test_a_job_submitted_through_one_process_finishes_on_the_worker_and_shows_on_the_other(topology):
    first, second = topology["bases"]
    token = _token(topology["bases"][0])
    response = requests.post(f"{first}/api/v1/jobs", json={"kind": "core.sleep", "params": {"seconds": 0.2}},
                             headers={"Authorization": f"Token {token}"}, timeout=10)
    assert response.status_code == 202, response.text
    job = _poll_job(second, token, response.json()["id"], {"done", "failed"})
    assert job["status"] == "done"
    assert job["completions"] == 1


def test_a_worker_killed_mid_job_leaves_the_job_to_complete_exactly_once_after_restart(topology):
    first, second = topology["bases"]
    token = _token(topology["bases"][0])
    marker = uuid.uuid4().hex
    response = requests.post(f"{first}/api/v1/jobs", json={"kind": "core.sleep", "params": {"seconds": 4, "marker": marker}},
                             headers={"Authorization": f"Token {token}"}, timeout=10)
    job_id = response.json()["id"]
    _poll_job(second, token, job_id, {"running"})
    time.sleep(1)
    topology["processes"]["worker"].kill()  # SIGKILL mid-job: no clean shutdown, no acknowledgement
    topology["processes"]["worker"].wait(timeout=10)
    assert _poll_job(second, token, job_id, {"done", "failed", "running"})["status"] == "running"
    topology["processes"]["worker"] = topology["start_worker"]()
    job = _poll_job(second, token, job_id, {"done", "failed"}, seconds=90)
    assert job["status"] == "done"
    assert job["attempts"] == 2
    assert job["completions"] == 1
    # The job's one side effect (an audit event carrying the marker) exists exactly once.
    import psycopg

    with psycopg.connect(topology["env"]["DATABASE_URL"]) as conn:
        count = conn.execute("SELECT count(*) FROM core_auditevent WHERE detail->>'marker' = %s", (marker,)).fetchone()[0]
    assert count == 1
