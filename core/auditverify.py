"""Offline re-verification of an audit export or archive (``manage.py export_audit``, ``manage.py audit_retention``).

Standard library only, so that an auditor can copy this one file to a machine without Qingdan and run

    python3 auditverify.py export.jsonl [--first-prev HASH] [--last HASH]

Each record carries ``hash = sha256(prev_hash + payload)`` where ``payload`` is the JSON object of the record's
fields ``at, actor, action, object_type, object_id, object_repr, region_code, ip, detail`` with sorted keys, no ASCII
escaping and the separators ``", "`` and ``": "`` (Python's ``json.dumps(..., sort_keys=True, ensure_ascii=False)``).
Each record's ``prev_hash`` is the ``hash`` of the record before it. A changed field breaks its own hash; a removed,
inserted or reordered line breaks the link of the line after it. The ends of an export are checked against hashes the
auditor obtains separately (``--first-prev`` / ``--last``; ``manage.py verify_audit`` prints the current head).

CSV exports: text cells that begin with ``= + - @``, a tab, a carriage return or an apostrophe are written with one
leading apostrophe (so that spreadsheets do not run them as formulas); the verifier removes it again.
"""

import csv
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

PAYLOAD_KEYS = ("at", "actor", "action", "object_type", "object_id", "object_repr", "region_code", "ip", "detail")
COLUMNS = ("id", *PAYLOAD_KEYS, "prev_hash", "hash")
CSV_ESCAPED = ("=", "+", "-", "@", "\t", "\r", "'")


@dataclass
class ExportCheck:
    ok: bool
    checked: int
    first_prev_hash: str = ""
    last_hash: str = ""
    broken_line: int | None = None
    reason: str = ""


def payload_json(fields: dict[str, Any]) -> str:
    """The hashed text of a record: its payload fields as canonical JSON."""
    return json.dumps({k: fields[k] for k in PAYLOAD_KEYS}, sort_keys=True, ensure_ascii=False, default=str)


def record_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + payload_json(fields)).encode()).hexdigest()


def csv_cell(value: Any) -> Any:
    """Formula-safe and reversible (an apostrophe is only ever added, and always removed by ``csv_uncell``)."""
    if isinstance(value, str) and value.startswith(CSV_ESCAPED):
        return "'" + value
    return value


def csv_uncell(value: str) -> str:
    return value[1:] if value.startswith("'") else value


def _records(lines: Iterable[str], fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    if fmt == "jsonl":
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, json.loads(line)
        return
    reader = csv.DictReader(lines)
    for number, row in enumerate(reader, start=2):
        record = {k: csv_uncell(v or "") for k, v in row.items() if k is not None}
        record["detail"] = json.loads(record.get("detail") or "{}")
        yield number, record


def verify_lines(lines: Iterable[str], fmt: str = "jsonl", *, first_prev: str | None = None,
                 last: str | None = None) -> ExportCheck:
    """Re-verify an export line by line; the first failure names its line number (1 = first line of the file)."""
    check = ExportCheck(True, 0)
    previous: str | None = None
    number = 0
    try:
        for number, record in _records(lines, fmt):
            if previous is None:
                check.first_prev_hash = record["prev_hash"]
                if first_prev is not None and record["prev_hash"] != first_prev:
                    return ExportCheck(False, 0, record["prev_hash"], "", number,
                                       "the first record does not follow the expected hash")
            elif record["prev_hash"] != previous:
                return ExportCheck(False, check.checked, check.first_prev_hash, previous, number,
                                   "previous hash does not match (a record was removed, inserted or reordered)")
            if record_hash(record["prev_hash"], record) != record["hash"]:
                return ExportCheck(False, check.checked, check.first_prev_hash, previous or "", number,
                                   "content does not match its hash (the record was altered)")
            previous = record["hash"]
            check.checked += 1
    except (ValueError, KeyError, TypeError) as exc:
        return ExportCheck(False, check.checked, check.first_prev_hash, previous or "", number + 1,
                           f"unreadable record: {exc!r}")
    check.last_hash = previous or ""
    if last is not None and check.last_hash != last:
        return ExportCheck(False, check.checked, check.first_prev_hash, check.last_hash, None,
                           "the export does not end at the expected hash (records missing at the end)")
    return check


def verify_file(path: str, *, first_prev: str | None = None, last: str | None = None) -> ExportCheck:
    fmt = "csv" if path.lower().endswith(".csv") else "jsonl"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return verify_lines(handle, fmt, first_prev=first_prev, last=last)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Re-verify a Qingdan audit export or archive offline.")
    parser.add_argument("file")
    parser.add_argument("--first-prev", help="the hash the first record must follow (end of the previous export)")
    parser.add_argument("--last", help="the hash the last record must have (head printed by verify_audit)")
    args = parser.parse_args(argv)
    result = verify_file(args.file, first_prev=args.first_prev, last=args.last)
    if not result.ok:
        where = f"line {result.broken_line}: " if result.broken_line else ""
        print(f"BROKEN after {result.checked} records: {where}{result.reason}")
        return 1
    print(f"OK: {result.checked} records, first prev_hash {result.first_prev_hash or '(start)'}, "
          f"last hash {result.last_hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
