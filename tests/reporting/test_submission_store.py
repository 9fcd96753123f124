"""The bulk write path of a submission keeps every guarantee: one value per datum with its history row (who, when,
why), one audit record per submission, the same datum sent twice stored once, a value replaced with the next history
row, no write at all when the submission is refused, and a few queries whatever the number of fields."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from reporting import services
from reporting.models import ElementValue, ReportingChannel, Submission

pytestmark = pytest.mark.django_db
WENGUAN = "210105023201"


def _payload(channel: ReportingChannel, value: str = "3", **extra) -> dict:  # noqa: ANN003
    period = services.period_key(channel.frequency, timezone.localdate())
    return {"channel": channel.pk, "committee": WENGUAN, "period": period,
            "values": {f.element.code: value for f in channel.fields.all()}, **extra}


def test_a_submission_stores_each_value_once_with_one_history_row_and_one_audit_record(api_for, demo_user):
    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    audit = AuditEvent.objects.count()
    response = api_for("wenguan.village").post("/api/v1/reporting/submissions", _payload(channel), format="json")
    assert response.status_code == 201
    values = ElementValue.objects.filter(committee__code=WENGUAN, period=response.json()["period"])
    assert values.count() == channel.fields.count()
    village = demo_user("wenguan.village")
    for value in values:
        rows = list(value.history.all())
        assert len(rows) == 1 and rows[0].history_type == "+" and rows[0].history_user == village
        assert rows[0].history_change_reason == "submitted" and rows[0].value == "3" == value.value
    events = AuditEvent.objects.order_by("id")[audit:]
    assert [e.detail.get("step") for e in events] == ["submit"]
    assert events[0].object_id == str(response.json()["id"])


def test_a_replaced_submission_writes_the_next_history_row_of_each_changed_value(api_for):
    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    api = api_for("wenguan.village")
    assert api.post("/api/v1/reporting/submissions", _payload(channel), format="json").status_code == 201
    again = api.post("/api/v1/reporting/submissions", _payload(channel, "4", revision=1), format="json")
    assert again.status_code == 200 and again.json()["revision"] == 2
    value = ElementValue.objects.filter(committee__code=WENGUAN, period=again.json()["period"]).first()
    assert value.value == "4" and value.lock_version == 1
    assert [(h.history_type, h.value) for h in value.history.order_by("history_id")] == [("+", "3"), ("~", "4")]
    assert set(again.json()["data"].values()) == {"4"}


def test_the_same_datum_by_code_and_by_field_name_is_stored_once(api_for):
    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    payload = _payload(channel)
    first = channel.fields.select_related("element").first()
    payload["values"][first.name] = "3"
    response = api_for("wenguan.village").post("/api/v1/reporting/submissions", payload, format="json")
    assert response.status_code == 201
    assert ElementValue.objects.filter(committee__code=WENGUAN, element=first.element).count() == 1


def test_a_refused_submission_writes_nothing(api_for):
    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    payload = _payload(channel)
    payload["values"].pop(next(iter(payload["values"])))  # one datum missing: the form cannot be assembled
    values, subs, audit = ElementValue.objects.count(), Submission.objects.count(), AuditEvent.objects.count()
    response = api_for("wenguan.village").post("/api/v1/reporting/submissions", payload, format="json",
                                               HTTP_IDEMPOTENCY_KEY="refused-1")
    assert response.status_code == 400
    assert (ElementValue.objects.count(), Submission.objects.count()) == (values, subs)
    assert AuditEvent.objects.count() == audit


def test_a_submission_costs_a_fixed_number_of_queries_whatever_the_number_of_fields(api_for):
    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    api = api_for("wenguan.village")
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/reporting/submissions", _payload(channel), format="json",
                            HTTP_IDEMPOTENCY_KEY="q-1")
    assert response.status_code == 201
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT INTO")]
    assert sum('"reporting_elementvalue"' in s.split("(")[0] for s in inserts) == 1
    assert sum('"reporting_historicalelementvalue"' in s.split("(")[0] for s in inserts) == 1
    assert len(queries.captured_queries) <= 25, [q["sql"][:80] for q in queries.captured_queries]


def test_a_concurrent_first_submission_of_the_same_form_is_a_409_not_a_500_nor_a_second_row(api_for, monkeypatch):
    from django.db.models import QuerySet

    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    api = api_for("wenguan.village")
    assert api.post("/api/v1/reporting/submissions", _payload(channel), format="json").status_code == 201
    # The other request read "no submission yet" before this one committed: replay that moment.
    first = QuerySet.first
    monkeypatch.setattr(QuerySet, "first", lambda qs: None if qs.model is Submission else first(qs))
    late = api.post("/api/v1/reporting/submissions", _payload(channel, "9"), format="json",
                    HTTP_IDEMPOTENCY_KEY="late-1")
    monkeypatch.setattr(QuerySet, "first", first)
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"
    assert Submission.objects.filter(channel=channel, committee__code=WENGUAN).count() == 1
    assert not ElementValue.objects.filter(committee__code=WENGUAN, value="9").exists()
