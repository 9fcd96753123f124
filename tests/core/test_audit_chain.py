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



def test_events_written_together_are_chained_in_their_order_and_the_chain_verifies(demo_user):
    from core.audit import event, record_many
    from core.auditchain import verify_chain

    user = demo_user("huanggu.ca")
    before = record(AuditAction.EXPORT, user=user, what="before")
    written = record_many([event(AuditAction.WORKFLOW, user=user, ip="127.0.0.1", step="submit", n=i)
                           for i in range(5)])
    after = record(AuditAction.EXPORT, user=user, what="after")
    stored = list(AuditEvent.objects.filter(pk__gt=before.pk).order_by("id"))
    assert [e.detail.get("n") for e in stored] == [0, 1, 2, 3, 4, None]
    assert stored[0].prev_hash == before.hash and after.prev_hash == stored[4].hash
    assert [e.pk for e in written] == [e.pk for e in stored[:5]]
    assert stored[2].ip_address == "127.0.0.1" and stored[2].actor == user
    assert verify_chain().ok


def test_events_cannot_be_bulk_created_around_the_chain(demo_user):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(action=AuditAction.EXPORT)])
    with pytest.raises(AppendOnlyError):
        AuditEvent.append_many([AuditEvent.objects.create(action=AuditAction.EXPORT)])


def test_events_written_together_store_what_was_hashed_ipv6_chinese_and_exact_times_included(demo_user):
    from core.audit import event, record_many
    from core.auditchain import verify_chain

    user = demo_user("huanggu.ca")
    written = record_many([event(AuditAction.WORKFLOW, user=user, ip="2001:DB8:0:0:0:0:0:1", step="提交", note='引号"\\'),
                           event(AuditAction.WORKFLOW, user=None, ip=None, step="submit")])
    stored = AuditEvent.objects.get(pk=written[0].pk)
    assert stored.ip_address == "2001:db8::1" and stored.detail == {"step": "提交", "note": '引号"\\'}
    assert stored.at == written[0].at and stored.hash == stored.compute_hash()
    assert AuditEvent.objects.get(pk=written[1].pk).actor_id is None
    assert verify_chain().ok
