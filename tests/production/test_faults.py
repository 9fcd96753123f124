"""Faults, from outside the code: the app killed with SIGKILL in a report burst, PostgreSQL stopped and started under
load, and two people saving the same work list at the same moment (issue 10, item 4).

Each test runs real gunicorn processes on a database of its own and talks to them over HTTP only; the database is
read directly at the end to count what was stored. A submission carries an Idempotency-Key, so a client that got no
answer sends it again with the same key.
"""

import html.parser
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from glob import glob
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.production.processes import free_port, wait_http

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "Faults-Passw0rd!2026"
PERIOD = "2026"


# --- processes ------------------------------------------------------------------------------------------------------



def _env(var: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "QINGDAN_VAR_DIR": str(var), "DEMO_PASSWORD": PASSWORD,
           "QINGDAN_MANIFEST_STATIC": "0", "DJANGO_SETTINGS_MODULE": "config.settings", "AXES_FAILURE_LIMIT": "50",
           **extra}
    for name in ("TEST_DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


class App:
    """A gunicorn app (master and workers in a process group of their own, so that SIGKILL reaches all at once)."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1, threads: int = 8) -> None:
        self.env, self.log, self.workers, self.threads = env, log, workers, threads
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "App":
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-k", "gthread",
                 "-w", str(self.workers), "--threads", str(self.threads), "--timeout", "60", "--log-level", "warning"],
                env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        try:
            wait_http(f"{self.base}/healthz")
        except AssertionError:
            self.stop()
            raise AssertionError(f"the app did not start: {self.log.read_text()[-2000:]}") from None
        return self

    def workers_pids(self) -> set[int]:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(p) for p in path.read_text().split()} if path.exists() else set()

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


# --- data -----------------------------------------------------------------------------------------------------------

# A minimal region tree (one county, one township, N committees) for databases that do not hold the demo.
REGIONS = """
from regions.choices import CommitteeKind, Level
from regions.models import Region
p = Region.objects.create(code="210000000000", name="辽宁省", level=Level.PROVINCE)
c = Region.objects.create(code="210100000000", name="沈阳市", level=Level.CITY, parent=p)
k = Region.objects.create(code="210105000000", name="皇姑区", level=Level.COUNTY, parent=c)
t = Region.objects.create(code="210105001000", name="测试街道", level=Level.TOWNSHIP, parent=k)
for i in range(1, {n} + 1):
    Region.objects.create(code=f"210105001{{i:03d}}", name=f"测试{{i}}社区居委会", level=Level.VILLAGE, parent=t,
                          committee_kind=CommitteeKind.RESIDENTS)
"""


def _burst_setup(env: dict[str, str], var: Path, committees: int) -> dict[str, Any]:
    """One approved 50-field channel per county, one user and API token per committee (bench/reporting_burst.py)."""
    out = var / "setup.json"
    subprocess.run([sys.executable, "-m", "bench.reporting_burst", "--setup-worker", str(out), "--committees",
                    str(committees)], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    setup = json.loads(out.read_text())
    setup["period"] = PERIOD
    return setup


def _values(setup: dict[str, Any], committee: str) -> dict[str, str]:
    """Different numbers for every committee and field, so that a mix-up shows."""
    return {code: str(int(committee[-6:]) * 100 + i) for i, code in enumerate(setup["elements"])}


def _submit(base: str, setup: dict[str, Any], job: dict[str, Any], timeout: float = 20) -> tuple[int, Any, float]:
    started = time.monotonic()
    try:
        response = requests.post(
            f"{base}/api/v1/reporting/submissions", timeout=timeout,
            json={"channel": job["channel"], "committee": job["committee"], "period": setup["period"],
                  "values": _values(setup, job["committee"])},
            headers={"Authorization": f"Token {job['token']}", "Idempotency-Key": f"fault-{job['committee']}"})
    except requests.RequestException as exc:
        return 0, repr(exc), time.monotonic() - started
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body, time.monotonic() - started


def _rows(database_url: str, sql: str) -> list[tuple]:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(sql).fetchall()


def _stored(database_url: str, setup: dict[str, Any]) -> tuple[dict[str, list[dict]], dict[str, dict[str, str]]]:
    """Per committee: its submissions (data) and its stored element values (code → value) for the period."""
    subs: dict[str, list[dict]] = {}
    for code, data in _rows(database_url, "SELECT r.code, s.data FROM reporting_submission s JOIN regions_region r "
                                          f"ON r.id = s.committee_id WHERE s.period = '{PERIOD}'"):
        subs.setdefault(code, []).append(json.loads(data) if isinstance(data, str) else data)
    values: dict[str, dict[str, str]] = {}
    for code, element, value in _rows(
            database_url, "SELECT r.code, e.code, v.value FROM reporting_elementvalue v JOIN regions_region r ON "
                          "r.id = v.committee_id JOIN reporting_dataelement e ON e.id = v.element_id "
                          f"WHERE v.period = '{PERIOD}'"):
        values.setdefault(code, {})[element] = value
    return subs, values


def _assert_nothing_partial(database_url: str, setup: dict[str, Any]) -> set[str]:
    """Every committee has either nothing or the whole submission with its own values; returns those complete."""
    names = dict(_rows(database_url, "SELECT code, name FROM reporting_dataelement"))
    subs, values = _stored(database_url, setup)
    complete = set()
    for job in setup["jobs"]:
        committee = job["committee"]
        expected = _values(setup, committee)
        if committee not in subs and committee not in values:
            continue
        assert len(subs.get(committee, [])) == 1, f"{committee}: {len(subs.get(committee, []))} submissions"
        assert values.get(committee) == expected, f"{committee}: partial or wrong values"
        assert subs[committee][0] == {names[code]: value for code, value in expected.items()}, committee
        complete.add(committee)
    return complete


# --- 1. SIGKILL during a report burst -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):  # noqa: ANN001, ANN201
    """A SQLite database with the Liaoning demo, built once and copied by each test."""
    var = tmp_path_factory.mktemp("faults-template")
    env = _env(var, f"sqlite:///{var / 'db.sqlite3'}")
    _manage(env, "migrate", "-v0")
    _manage(env, "load_demo", "--if-empty", "-v0")
    return var


def _copy_template(template: Path, var: Path) -> str:
    for name in os.listdir(template):
        if name.startswith("db.sqlite3") or name == "secret_key":
            shutil.copy2(template / name, var / name)
    return f"sqlite:///{var / 'db.sqlite3'}"


SHARED_PG = os.environ.get("FAULTS_PG", "postgres://postgres@127.0.0.1:5432")


# The burst runs on the database the suite runs on (`.ci/run` runs the suite once on each), not on both every time.
SUITE_DATABASE = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


@pytest.fixture(params=[SUITE_DATABASE])
def burst_database(request, tmp_path):  # noqa: ANN001, ANN201
    """SQLite: a copy of the demo database. PostgreSQL: a database of this test's own on the shared server (never the
    server itself: others use it), migrated, with a minimal region tree."""
    if request.param == "sqlite":
        yield _copy_template(request.getfixturevalue("demo_template"), tmp_path)
        return
    try:
        import psycopg

        admin = psycopg.connect(f"{SHARED_PG}/postgres", autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 — any failure to connect means: no PostgreSQL here
        pytest.skip(f"PostgreSQL does not answer at {SHARED_PG}: {exc}")
    name = f"qingdan_fault_kill_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{SHARED_PG}/{name}"
    env = _env(tmp_path, url)
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", REGIONS.format(n=120))
    yield url
    with psycopg.connect(f"{SHARED_PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_app_killed_mid_burst_loses_nothing_and_retries_store_each_submission_exactly_once(burst_database, tmp_path):
    database_url = burst_database
    env = _env(tmp_path, database_url)
    setup = _burst_setup(env, tmp_path, committees=120)
    app = App(env, tmp_path / "gunicorn.log", workers=2, threads=4).start()
    acked: dict[str, Any] = {}
    unacked: list[dict[str, Any]] = []
    lock = threading.Lock()
    queue = list(setup["jobs"])
    killed = threading.Event()

    in_flight = [0, 0]  # now, at the kill

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
                in_flight[0] += 1
            code, body, _elapsed = _submit(app.base, setup, job)
            with lock:
                in_flight[0] -= 1
                if code in (200, 201):
                    acked[job["committee"]] = body
                else:
                    unacked.append(job)
                if len(acked) >= 30 and not killed.is_set():
                    killed.set()
                    in_flight[1] = in_flight[0]
                    app.kill9()  # master and workers at once, with requests in flight

    try:
        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert killed.is_set(), "the burst ended before the kill"
        assert in_flight[1] > 0 and unacked, "the kill hit no request"
        # After the crash, before any retry: whatever was written is whole; every acknowledged submission is there.
        complete = _assert_nothing_partial(database_url, setup)
        assert set(acked) <= complete
        print(f"killed after {len(acked)} acknowledged with {in_flight[1]} in flight; {len(unacked)} unacknowledged, of which "
              f"{len({j['committee'] for j in unacked} & complete)} had been stored whole")
        app.start()
        for job in unacked:
            for _attempt in range(5):
                code, body, _elapsed = _submit(app.base, setup, job)
                if code in (200, 201):
                    acked[job["committee"]] = body
                    break
                time.sleep(0.5)
        # Sending an acknowledged submission again with its key creates nothing and answers as the first time.
        again = next(iter(acked))
        job = next(j for j in setup["jobs"] if j["committee"] == again)
        code, body, _elapsed = _submit(app.base, setup, job)
        assert code in (200, 201) and body["id"] == acked[again]["id"]
    finally:
        app.stop()
    assert set(acked) == {j["committee"] for j in setup["jobs"]}
    assert _assert_nothing_partial(database_url, setup) == set(acked)
    ids = {c: b["id"] for c, b in acked.items()}
    stored = dict(_rows(database_url, "SELECT r.code, s.id FROM reporting_submission s JOIN regions_region r "
                                      "ON r.id = s.committee_id"))
    assert all(stored[c] == ids[c] for c in ids)


# --- 2. PostgreSQL stopped (immediate) and started again under load ---------------------------------------------------

def _pg_bin() -> Path | None:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivateCluster:
    """A throw-away PostgreSQL cluster on its own port (never the shared one on 5432), run as the postgres user."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="qingdan-faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/qingdan"
        # PostgreSQL refuses to run as root: as root, run it as the postgres user; otherwise as ourselves.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.dir, "postgres", "postgres")

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, *args], check=check, capture_output=True, text=True, cwd=self.dir,
                              timeout=60)

    def init(self) -> None:
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self.start()
        self._as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                          "qingdan")

    def start(self) -> None:
        # fsync off: only the server process is crashed here, never the machine, so the OS keeps every write.
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30", "-l",
                          str(self.dir / "server.log"), "-o",
                          f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop_immediately(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def destroy(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_cluster():  # noqa: ANN201
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing")
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres system user to run a private cluster")
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser to start PostgreSQL as the postgres user")
    cluster = PrivateCluster(bin_dir)
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.destroy()


def test_postgresql_stopped_under_load_gives_clean_errors_and_the_same_app_recovers_without_restart(
        private_cluster, tmp_path):
    env = _env(tmp_path, private_cluster.url, DB_CONN_MAX_AGE="600")
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", REGIONS.format(n=80))
    setup = _burst_setup(env, tmp_path, committees=80)
    app = App(env, tmp_path / "gunicorn.log", workers=1, threads=4).start()
    pids = app.workers_pids()
    outcomes: list[tuple[str, int, Any, float, str]] = []  # (committee, status, body, seconds, phase)
    phase = ["up"]
    queue = list(setup["jobs"])
    lock = threading.Lock()
    gate = threading.Event()  # cleared: clients finish what they sent and wait
    gate.set()
    idle = threading.Semaphore(0)

    def client() -> None:
        while True:
            if not gate.is_set():
                idle.release()
                gate.wait()
            with lock:
                if not queue:
                    idle.release()
                    return
                job = queue.pop(0)
            code, body, elapsed = _submit(app.base, setup, job, timeout=15)
            with lock:
                outcomes.append((job["committee"], code, body, elapsed, phase[0]))
            time.sleep(0.05 if code in (200, 201) else 0.5)  # a client backs off after an error

    clients = 3
    try:
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while sum(1 for o in outcomes if o[1] in (200, 201)) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        private_cluster.stop_immediately()
        phase[0] = "down"
        time.sleep(3)
        gate.clear()
        for _ in range(clients):
            assert idle.acquire(timeout=30), "a client hung"
        private_cluster.start()
        # Before any retry: nothing half-written, every acknowledged submission stored whole.
        complete = _assert_nothing_partial(private_cluster.url, setup)
        acked = {o[0]: o[2] for o in outcomes if o[1] in (200, 201)}
        assert set(acked) <= complete
        phase[0] = "back"
        gate.set()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "a client hung"

        down = [o for o in outcomes if o[4] == "down"]
        assert down, "no request was made while PostgreSQL was down"
        print(f"{len(acked)} acknowledged before the stop, {len(down)} requests while down "
              f"({sum(1 for o in down if o[1] in (200, 201))} answered 2xx), errors "
              f"{sorted({o[1] for o in outcomes if o[1] not in (200, 201)})}, slowest {max(o[3] for o in outcomes):.1f}s")
        for committee, code, body, seconds, _phase in outcomes:
            if code in (200, 201):
                continue
            # While the database is away: a JSON error in the API's format, quickly; never a hang or an HTML page.
            assert code in (500, 503), (committee, code, body)
            assert isinstance(body, dict) and body["error"]["code"], body
            assert seconds < 10, (committee, seconds)
        # The same worker process serves again, without a restart or a respawn, and at once.
        assert app.workers_pids() == pids
        back = [o for o in outcomes if o[4] == "back"]
        assert len(back) >= 5 and all(o[1] in (200, 201) for o in back[1:]), [o[:2] for o in back]
        acked.update({o[0]: o[2] for o in outcomes if o[1] in (200, 201)})
        # The clients retry what failed, with the same keys.
        for job in setup["jobs"]:
            if job["committee"] not in acked:
                code, body, _elapsed = _submit(app.base, setup, job)
                assert code in (200, 201), body
                acked[job["committee"]] = body
    finally:
        app.stop()
    assert _assert_nothing_partial(private_cluster.url, setup) == {j["committee"] for j in setup["jobs"]} == set(acked)


# --- 3. Two people save the same work list at the same moment ---------------------------------------------------------

class _FormReader(html.parser.HTMLParser):
    """The values a browser would send back for the first form with a `lock` field."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields.setdefault(a["name"], "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.fields):
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data.lstrip("\n") if not self.fields[self._textarea] else data


def _signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(f"{base}/accounts/login/", timeout=10, allow_redirects=False,
                            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.text[:500]
    return session


def _read_form(session: requests.Session, url: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(session.get(url, timeout=10).text)
    assert "lock" in reader.fields, "the item form has no edit counter"
    return reader.fields


def test_two_people_saving_the_same_list_at_once_one_wins_and_the_other_gets_409(demo_template, tmp_path):
    env = _env(tmp_path, _copy_template(demo_template, tmp_path))
    app = App(env, tmp_path / "gunicorn.log", workers=2, threads=4).start()
    try:
        api = requests.post(f"{app.base}/api/v1/auth/token/", json={"username": "huanggu.ca", "password": PASSWORD},
                            timeout=10)
        headers = {"Authorization": f"Token {api.json()['token']}"}
        versions = requests.get(f"{app.base}/api/v1/worklists/versions/", params={"region": "210105000000"},
                                headers=headers, timeout=10).json()["results"]
        published = next(v for v in versions if v["status"] == "published")
        draft = requests.post(f"{app.base}/api/v1/worklists/versions/{published['id']}/adjust",
                              json={"source": "previous", "comments": "并发测试"}, headers=headers, timeout=30)
        assert draft.status_code == 200, draft.text
        draft_id = draft.json()["id"]
        first, second = _signed_in(app.base, "huanggu.ca"), _signed_in(app.base, "huanggu.ca")
        page = first.get(f"{app.base}/worklists/work/v/{draft_id}/", timeout=10).text
        item_url = f"{app.base}" + re.search(rf'href="(/worklists/work/v/{draft_id}/item/\d+/)"', page).group(1)

        rounds = 5
        lock_before = int(_read_form(first, item_url)["lock"])
        winners = []
        for n in range(rounds):
            forms = [_read_form(first, item_url), _read_form(second, item_url)]
            assert forms[0]["lock"] == forms[1]["lock"]
            barrier = threading.Barrier(2)
            results: list[tuple[str, int]] = [("", 0), ("", 0)]

            def save(i: int, session: requests.Session, form: dict[str, str], n: int = n,
                     barrier: threading.Barrier = barrier, results: list = results) -> None:
                agency = f"第{n}轮-{'甲乙'[i]}"
                data = {**form, "agency": agency}
                barrier.wait()
                response = session.post(item_url, data=data, timeout=30, allow_redirects=False)
                results[i] = (agency, response.status_code)

            threads = [threading.Thread(target=save, args=(i, s, f)) for i, (s, f) in
                       enumerate(zip((first, second), forms, strict=True))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert sorted(code for _agency, code in results) == [302, 409], results
            winners.append(next(agency for agency, code in results if code == 302))
            # No lost update: the list holds the winner's change, and the loser was told rather than overwritten.
            assert _read_form(second, item_url)["agency"] == winners[-1]
        assert int(_read_form(first, item_url)["lock"]) == lock_before + rounds
    finally:
        app.stop()
