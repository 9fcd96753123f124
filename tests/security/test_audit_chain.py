import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core.audit import record
from core.auditchain import verify_chain
from core.models import AuditAction, AuditEvent


@pytest.fixture
def three_events(db):
    return [record(AuditAction.WORKFLOW, step=i) for i in range(3)]


def test_an_untouched_audit_chain_verifies(three_events):
    assert verify_chain().ok
    call_command("verify_audit")


def test_altering_an_event_in_the_database_is_detected(three_events):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [three_events[1].pk])
    result = verify_chain()
    assert not result.ok
    assert result.broken_at == three_events[1].pk
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_removing_an_event_from_the_database_is_detected(three_events):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [three_events[1].pk])
    result = verify_chain()
    assert not result.ok
    assert result.broken_at == three_events[2].pk


def test_audit_events_cannot_be_changed_or_deleted_through_the_application(three_events):
    from core.models import AppendOnlyError

    event = AuditEvent.objects.get(pk=three_events[0].pk)
    event.object_repr = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
