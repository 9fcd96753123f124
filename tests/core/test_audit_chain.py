"""The audit log is append-only and hash-chained: every row carries the hash of the row before."""

import pytest

from core.audit import record, record_denial
from core.models import AppendOnlyError, AuditAction, AuditEvent
from regions.models import Organisation

pytestmark = pytest.mark.django_db


def chain_is_intact(events: list[AuditEvent]) -> bool:
    ordered = sorted(events, key=lambda e: e.pk)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.prev_hash != before.hash:
            return False
    return all(e.hash == e.compute_hash() for e in ordered)


def test_each_event_links_to_the_previous_one(demo_user):
    user = demo_user("huanggu.ca")
    organisation = Organisation.objects.get(region__code="210105023201")
    first = record(AuditAction.UPDATE, user=user, obj=organisation, field="name")
    second = record(AuditAction.EXPORT, user=user, what="test")
    third = record_denial(user, organisation, "change")
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    assert chain_is_intact(list(AuditEvent.objects.all()))
    assert first.region_code == "210105023201"
    assert first.object_type == "regions.Organisation"
    assert first.actor == user and first.actor_name == "huanggu.ca"


def test_changing_a_stored_row_breaks_the_chain_where_it_was_changed(demo_user):
    events = [record(AuditAction.EXPORT, user=demo_user("province.ca"), n=i) for i in range(3)]
    tampered = AuditEvent.objects.get(pk=events[1].pk)
    tampered.detail = {"n": 99}
    assert tampered.hash != tampered.compute_hash()
    assert not chain_is_intact([events[0], tampered, events[2]])


def test_saving_an_existing_event_is_refused():
    event = record(AuditAction.EXPORT, what="x")
    event.action = AuditAction.DELETE
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.EXPORT


def test_deleting_an_event_is_refused():
    event = record(AuditAction.EXPORT, what="x")
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_update_and_bulk_delete_are_refused_too():
    event = record(AuditAction.EXPORT, what="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.DELETE)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.EXPORT

