"""Audit retention (at least 180 days; archived, then pruned, the chain still verifiable) and the auditors' export."""

import hashlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from core.audit import record
from core.auditchain import RetentionError, apply_retention, verify_chain
from core.auditverify import verify_file
from core.models import AuditAction, AuditAnchor, AuditEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def archive(settings, tmp_path):  # noqa: ANN001, ANN201
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    return settings.AUDIT_ARCHIVE_DIR


@pytest.fixture
def old_and_recent():  # noqa: ANN201
    """Events of today (old, seen from 181 days ahead) followed by events dated 100 days ahead (recent then)."""
    old = [record(AuditAction.WORKFLOW, step=f"old-{i}") for i in range(3)]
    later = timezone.now() + timedelta(days=100)
    recent = []
    for i in range(2):
        event = AuditEvent(at=later, action=AuditAction.WORKFLOW, detail={"step": f"recent-{i}"})
        event.save()
        recent.append(event)
    return old, recent, timezone.now() + timedelta(days=181)


def test_retention_below_180_days_is_refused(settings, archive):
    before = AuditEvent.objects.count()
    with pytest.raises(RetentionError):
        apply_retention(179)
    with pytest.raises(CommandError, match="180"):
        call_command("audit_retention", "--days", "179")
    settings.AUDIT_RETENTION_DAYS = 30
    with pytest.raises(CommandError, match="180"):
        call_command("audit_retention")
    assert AuditEvent.objects.count() == before
    assert not archive.exists()


def test_events_younger_than_the_retention_period_are_kept(archive):
    record(AuditAction.WORKFLOW, step="today")
    before = AuditEvent.objects.count()
    result = apply_retention(180, now=timezone.now() + timedelta(days=179))
    assert result.pruned == 0
    assert AuditEvent.objects.count() == before
    assert not AuditAnchor.objects.exists()


def test_old_events_are_archived_then_removed_and_the_chain_still_verifies(archive, old_and_recent):
    old, recent, now = old_and_recent
    last_old_hash = old[-1].hash
    first_id = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
    expected = AuditEvent.objects.filter(id__lte=old[-1].pk).count()

    result = apply_retention(180, now=now)

    assert result.pruned == expected
    assert not AuditEvent.objects.filter(id__lte=old[-1].pk).exists()
    assert set(AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).values_list("pk", flat=True)) == {
        e.pk for e in recent}
    anchor = AuditAnchor.objects.get()
    assert anchor.last_hash == last_old_hash and anchor.pruned_through_id == old[-1].pk
    check = verify_chain()
    assert check.ok and check.anchor == last_old_hash
    call_command("verify_audit")
    # The archive: its SHA-256 in the anchor and the sidecar, every pruned event in it, and it re-verifies offline.
    path = Path(result.archive)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == anchor.archive_sha256 == result.archive_sha256
    assert (archive / f"{path.name}.sha256").read_text().split()[0] == digest
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["id"] for r in rows][0] == first_id and rows[-1]["id"] == old[-1].pk and len(rows) == expected
    assert verify_file(str(path), first_prev="", last=anchor.last_hash).ok
    # The run is itself an audit event.
    assert AuditEvent.objects.filter(detail__what="audit_retention", detail__pruned=expected).exists()


def test_removing_an_event_after_pruning_is_still_detected(archive, old_and_recent):
    _old, recent, now = old_and_recent
    apply_retention(180, now=now)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [recent[0].pk])
    result = verify_chain()
    assert not result.ok and result.broken_at == recent[1].pk
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_a_forged_anchor_is_detected(archive, old_and_recent):
    _old, recent, now = old_and_recent
    apply_retention(180, now=now)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditanchor SET last_hash = %s", ["0" * 64])
    result = verify_chain()
    assert not result.ok and result.broken_at == recent[0].pk


def test_a_broken_chain_is_not_pruned(archive, old_and_recent):
    old, _recent, now = old_and_recent
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [old[1].pk])
    before = AuditEvent.objects.count()
    with pytest.raises(RetentionError, match="broken"):
        apply_retention(180, now=now)
    assert AuditEvent.objects.count() == before
    assert not AuditAnchor.objects.exists()


def test_the_newest_event_is_kept_so_new_events_still_chain_on(archive):
    record(AuditAction.WORKFLOW, step="last before the run")
    newest = AuditEvent.objects.order_by("-id").first()
    apply_retention(180, now=timezone.now() + timedelta(days=400))
    assert AuditEvent.objects.filter(pk=newest.pk).exists()
    record(AuditAction.WORKFLOW, step="after the run")
    assert verify_chain().ok


def test_archived_and_removed_events_cannot_be_removed_through_the_application_otherwise():
    from core.models import AppendOnlyError

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    anchor = AuditAnchor.objects.create(pruned_through_id=1, pruned_count=1, last_hash="a" * 64,
                                        cutoff=timezone.now(), archive_name="x", archive_sha256="b" * 64)
    with pytest.raises(AppendOnlyError):
        anchor.delete()
    anchor.last_hash = "c" * 64
    with pytest.raises(AppendOnlyError):
        anchor.save()


def _export(tmp_path: Path, fmt: str, *extra: str) -> Path:
    out = tmp_path / f"audit.{fmt}"
    call_command("export_audit", "--format", fmt, "--output", str(out), *extra)
    return out


def test_a_jsonl_export_reverifies_offline_and_a_tampered_line_is_detected(tmp_path):
    marker = record(AuditAction.EXPORT, what="marker", note="审计")
    today = timezone.localdate().isoformat()
    path = _export(tmp_path, "jsonl", "--since", today, "--until", today)
    lines = path.read_text(encoding="utf-8").splitlines()
    check = verify_file(str(path))
    assert check.ok and check.checked == len(lines) > 0
    assert check.last_hash == marker.hash
    rows = [json.loads(line) for line in lines]
    assert {"id", "at", "actor", "action", "detail", "prev_hash", "hash"} <= set(rows[-1])
    # The standalone verifier needs no Django: an auditor runs it on their own machine.
    offline = subprocess.run([sys.executable, "-I", str(ROOT / "core" / "auditverify.py"), str(path),
                              "--last", marker.hash], capture_output=True, text=True, cwd=tmp_path)
    assert offline.returncode == 0, offline.stdout + offline.stderr

    tampered_at = len(lines) - 1
    row = json.loads(lines[tampered_at - 1])
    row["detail"] = {**row["detail"], "note": "改过"} if row["detail"] else {"forged": True}
    forged = lines.copy()
    forged[tampered_at - 1] = json.dumps(row, ensure_ascii=False)
    (tmp_path / "forged.jsonl").write_text("\n".join(forged) + "\n", encoding="utf-8")
    result = verify_file(str(tmp_path / "forged.jsonl"))
    assert not result.ok and result.broken_line == tampered_at and "altered" in result.reason
    offline = subprocess.run([sys.executable, "-I", str(ROOT / "core" / "auditverify.py"), str(tmp_path / "forged.jsonl")],
                             capture_output=True, text=True, cwd=tmp_path)
    assert offline.returncode == 1 and f"line {tampered_at}" in offline.stdout


def test_a_line_removed_from_an_export_is_detected(tmp_path):
    for i in range(3):
        record(AuditAction.EXPORT, what="marker", n=i)
    lines = _export(tmp_path, "jsonl").read_text(encoding="utf-8").splitlines()
    del lines[-2]
    (tmp_path / "gap.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = verify_file(str(tmp_path / "gap.jsonl"))
    assert not result.ok and result.broken_line == len(lines) and "removed" in result.reason


def test_a_csv_export_is_formula_safe_and_still_reverifies(tmp_path):
    record(AuditAction.EXPORT, username="=HYPERLINK(\"http://x\")", what="@SUM(1)", note="-1+2", quote="'已引")
    path = _export(tmp_path, "csv")
    text = path.read_text(encoding="utf-8-sig")
    assert ",=HYPERLINK" not in text and ",\"=HYPERLINK" not in text
    assert verify_file(str(path)).ok
    forged = text.replace("'=HYPERLINK", "'=HYPERLINQ")
    (tmp_path / "forged.csv").write_text(forged, encoding="utf-8-sig")
    assert not verify_file(str(tmp_path / "forged.csv")).ok


def test_an_export_of_days_with_no_events_is_empty_and_itself_audited(tmp_path):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    path = _export(tmp_path, "jsonl", "--since", tomorrow)
    assert path.read_text() == ""
    assert AuditEvent.objects.filter(detail__what="audit_export", detail__count=0).exists()


def test_the_retention_run_is_scheduled_daily_in_celery_beat():
    from config.celery import app
    from core.tasks import audit_retention

    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == audit_retention.name)
    assert entry["schedule"].hour == {2}
