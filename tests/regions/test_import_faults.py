"""Faults during a national-scale import (issue 10 item 4): kill -9 mid-way leaves nothing behind, a rerun completes.

The import runs as `manage.py import_divisions` in a subprocess against a database of its own on the engine the suite
runs with (a SQLite file, or a fresh PostgreSQL database on the suite's server), so the kill hits a real connection
and the check afterwards reads what another process would see. The generated file has more new rows than
regions.services.BULK_ROWS, so the kill lands in the bulk path (indexes dropped, rebuilt after the load).
"""

import csv
import gzip
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from regions.services import BULK_ROWS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LIAONING = ROOT / "data" / "divisions"
CITIES, COUNTIES, TOWNSHIPS, VILLAGES = 4, 10, 25, 105  # per parent: 4 · 10 · 25 · 105 = 105,000 committees
GENERATED = 1 + CITIES + CITIES * COUNTIES + CITIES * COUNTIES * TOWNSHIPS + CITIES * COUNTIES * TOWNSHIPS * VILLAGES
TABLES = ("regions_region", "regions_historicalregion", "regions_subtreecount")


def generate_province(directory: Path) -> Path:
    """Province 98 with 105,000 committees, in the NBS layout (villages gzipped like the national file)."""
    directory.mkdir()
    files = {
        "provinces": (["code", "name"], [["98", "故障测试省"]]),
        "cities": (["code", "name", "provinceCode"], []),
        "areas": (["code", "name", "cityCode", "provinceCode"], []),
        "streets": (["code", "name", "areaCode", "provinceCode", "cityCode"], []),
        "villages": (["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"], []),
    }
    for c in range(1, CITIES + 1):
        city = f"98{c:02d}"
        files["cities"][1].append([city, f"测试{c}市", "98"])
        for a in range(1, COUNTIES + 1):
            area = f"{city}{a:02d}"
            files["areas"][1].append([area, f"测试{a}县", city, "98"])
            for s in range(1, TOWNSHIPS + 1):
                street = f"{area}{s:03d}"
                files["streets"][1].append([street, f"测试{s}镇", area, "98", city])
                files["villages"][1].extend(
                    [f"{street}{v:03d}", f"测试{v}村村民委员会", street, "98", city, area] for v in range(1, VILLAGES + 1))
    for stem, (header, rows) in files.items():
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        data = buffer.getvalue().encode()
        if stem == "villages":
            (directory / "villages.csv.gz").write_bytes(gzip.compress(data, compresslevel=1))
        else:
            (directory / f"{stem}.csv").write_bytes(data)
    return directory


class Database:
    """The fault test's own database on the suite's engine, read through a plain driver connection."""

    def __init__(self, tmp_path: Path) -> None:
        default = settings.DATABASES["default"]
        self.postgres = default["ENGINE"].endswith("postgresql")
        if self.postgres:
            auth = default["USER"] + (f":{default['PASSWORD']}" if default.get("PASSWORD") else "")
            self.server = f"postgres://{auth}@{default.get('HOST') or '127.0.0.1'}:{default.get('PORT') or 5432}"
            self.name = f"qingdan_faults_{os.getpid()}"
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')
            self.url = f"{self.server}/{self.name}"
        else:
            self.path = tmp_path / "faults.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.postgres:
            import psycopg

            # A killed client's backend may still be rolling back: wait for its locks rather than fail.
            with psycopg.connect(self.url, autocommit=True) as conn:
                return conn.execute(sql).fetchall()
        with sqlite3.connect(self.path, timeout=30) as conn:
            return conn.execute(sql).fetchall()

    def state(self) -> dict[str, Any]:
        """Row counts of the region tables and the indexes on them: what a rerun and every reader depend on."""
        counts = {table: self.query(f"SELECT COUNT(*) FROM {table}")[0][0] for table in TABLES}  # noqa: S608
        names = ", ".join(f"'{t}'" for t in TABLES)
        if self.postgres:
            indexes = self.query(f"SELECT indexname FROM pg_indexes WHERE tablename IN ({names})")  # noqa: S608
            indexes += self.query(f"SELECT conname FROM pg_constraint WHERE conrelid::regclass::text IN ({names})")  # noqa: S608
        else:
            indexes = self.query(f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({names})")  # noqa: S608
        return {**counts, "indexes": sorted(row[0] for row in indexes)}

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def fault_db(tmp_path: Path) -> Iterator[tuple[Database, dict[str, str]]]:
    database = Database(tmp_path)
    env = {**os.environ, "DATABASE_URL": database.url, "QINGDAN_VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "ERROR", "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DATABASE_URL", None)
    try:
        # The region tables and what they depend on (users, for history): the import needs no other app.
        subprocess.run([sys.executable, "manage.py", "migrate", "regions", "-v0"], env=env, cwd=ROOT, check=True, timeout=300)
        yield database, env
    finally:
        database.drop()


def manage(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def test_an_import_killed_mid_way_leaves_nothing_and_a_rerun_completes_with_the_exact_count(tmp_path, fault_db):
    database, env = fault_db
    assert GENERATED - 1 - CITIES >= BULK_ROWS, "the kill must land in the bulk path"
    # Data already there (Liaoning) must come through untouched.
    done = manage(env, "import_divisions", str(LIAONING), "--province", "21")
    _out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    before = database.state()
    assert before["regions_region"] == 1 + 14 + 100 + 1406 + 16727

    source = generate_province(tmp_path / "national")
    importer = manage(env, "import_divisions", str(source))
    # Progress lines: "read N rows", then one per level written. After the fourth level the 105,000 committees and
    # their history rows are being written, with the secondary indexes dropped: kill it there.
    lines = []
    while len(lines) < 5:
        line = importer.stdout.readline()
        assert line, f"the import ended early: {lines} {importer.stderr.read()}"
        lines.append(line)
    time.sleep(0.2)
    assert importer.poll() is None, "the import finished before it could be killed; make the file bigger"
    os.kill(importer.pid, signal.SIGKILL)
    assert importer.wait(timeout=30) == -signal.SIGKILL
    importer.stdout.close()
    importer.stderr.close()

    assert database.state() == before, "nothing of the killed import is visible, and no index is missing"
    if not database.postgres:
        assert database.query("PRAGMA integrity_check") == [("ok",)]

    rerun = manage(env, "import_divisions", str(source))
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    after = database.state()
    assert after["regions_region"] == before["regions_region"] + GENERATED
    assert after["regions_historicalregion"] == before["regions_historicalregion"] + GENERATED
    assert after["indexes"] == before["indexes"], "the dropped indexes are all back"
    committees = database.query(
        "SELECT s.units FROM regions_subtreecount s JOIN regions_region r ON r.id = s.region_id "
        "WHERE r.code = '980000000000' AND s.level = 5")
    assert committees == [(CITIES * COUNTIES * TOWNSHIPS * VILLAGES,)]
    assert database.query("SELECT COUNT(*) FROM regions_region WHERE code LIKE '98%' AND parent_id IS NULL") == [(1,)]
