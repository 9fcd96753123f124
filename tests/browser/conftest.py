"""Browser tests: a real gunicorn server on its own database with the demo loaded, driven by Debian chromium.

The server database is SQLite in a temporary folder, or a fresh PostgreSQL database when TEST_DATABASE_URL
points at PostgreSQL. Tests in one session share the server: each uses its own data.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Browser-Passw0rd!2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(tmp: Path) -> str:
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}"
    import psycopg

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"qingdan_e2e_{worker}"
    server = base.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory):  # noqa: ANN001, ANN201
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (as root).")
    tmp = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp),
        "QINGDAN_VAR_DIR": str(tmp / "var"),
        "DEMO_PASSWORD": PASSWORD,
        "QINGDAN_MANIFEST_STATIC": "0",
        "AXES_FAILURE_LIMIT": "50",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo", "--if-empty", "-v0"], env=env, check=True, cwd=ROOT)
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread", "--threads", "8", "-w", "1",
         "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 — our own local server
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("the e2e server did not start")
    yield {"url": base, "password": PASSWORD, "env": env}
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="package")
def browser():  # noqa: ANN201
    """Package-scoped: Playwright's sync API keeps an asyncio event loop running in this thread while it is open,
    and Django then keeps its database connections per async context. Were the browser open through the rest of a
    worker's session, later tests would open a second connection to the test database that nothing closes (and
    dropping the test database at the end would fail)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, e2e_server):  # noqa: ANN001, ANN201
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def login(page, e2e_server):  # noqa: ANN001, ANN201
    """login("huanggu.ca") signs the page in through the real form."""

    def do(username: str) -> None:
        page.goto(f"{e2e_server['url']}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", e2e_server["password"])
        page.click("button[type=submit].primary")
        page.wait_for_url("**/dashboard/")

    return do
