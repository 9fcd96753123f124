"""The bulk write path of a submission keeps every guarantee: one value per datum with its history row (who, when,
why), one audit record per submission, the same datum sent twice stored once, a value replaced with the next history
row, no write at all when the submission is refused, and a few queries whatever the number of fields."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.api import ApiError
from core.models import AuditEvent
from regions.models import Region
from reporting import services
from reporting.models import ElementValue, IdempotencyRecord, ReportingChannel, Submission

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
    statements = [q["sql"] for q in queries.captured_queries]
    # One statement writes all the values, one their history rows (on PostgreSQL both are the same statement).
    assert sum('INSERT INTO "reporting_elementvalue" (' in s for s in statements) == 1
    assert sum('INSERT INTO "reporting_historicalelementvalue" (' in s for s in statements) == 1
    assert len(queries.captured_queries) <= 25, [q["sql"][:80] for q in queries.captured_queries]


def test_a_concurrent_first_submission_of_the_same_form_is_a_409_not_a_500_nor_a_second_row(api_for, monkeypatch):
    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    api = api_for("wenguan.village")
    assert api.post("/api/v1/reporting/submissions", _payload(channel), format="json").status_code == 201
    # A request of another process read "no submission yet" before this one committed: replay that moment, so the
    # INSERT meets the unique constraint.
    monkeypatch.setattr(services, "_current_submissions", lambda forms: {})
    late = api.post("/api/v1/reporting/submissions", _payload(channel, "9"), format="json",
                    HTTP_IDEMPOTENCY_KEY="late-1")
    monkeypatch.undo()
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"
    assert Submission.objects.filter(channel=channel, committee__code=WENGUAN).count() == 1
    assert not ElementValue.objects.filter(committee__code=WENGUAN, value="9").exists()
    assert not IdempotencyRecord.objects.filter(key="late-1").exists()


def test_the_api_answer_is_exactly_what_the_submission_serializer_gives(api_for):
    from reporting.api import SubmissionSerializer

    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    api = api_for("wenguan.village")
    for payload, status in ((_payload(channel), 201), (_payload(channel, "5", revision=1), 200)):
        answer = api.post("/api/v1/reporting/submissions", payload, format="json")
        assert answer.status_code == status
        stored = Submission.objects.select_related("channel__owner", "committee").get(pk=answer.json()["id"])
        assert answer.json() == dict(SubmissionSerializer(stored).data)


def _queued(user, period: str, key: str | None, value: str = "3", drop: int = 0, revision=None):  # noqa: ANN001, ANN202
    from reporting.api import submission_body

    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    committee = Region.objects.get(code=WENGUAN)
    values = {f.element.code: value for f in channel.fields.select_related("element")}
    for code in list(values)[:drop]:
        values.pop(code)
    prepared = services.prepare_submission(user, committee, channel, period, values)
    return services.QueuedSubmission(prepared, revision, key, "10.0.0.7", submission_body)


def test_a_batch_commits_distinct_forms_together_defers_a_second_write_of_a_form_and_refuses_only_the_bad_one(
        demo_user):
    from core.auditchain import verify_chain
    from core.groupcommit import DEFER

    village = demo_user("wenguan.village")
    audit = AuditEvent.objects.count()
    batch = [_queued(village, "2031", "b-1"), _queued(village, "2032", "b-2"), _queued(village, "2031", "b-3", "7"),
             _queued(village, "2033", "b-4", drop=1), _queued(village, "2034", None)]
    outcomes = services.commit_submissions(batch)
    assert [o[1] for o in (outcomes[0], outcomes[1], outcomes[4])] == [201, 201, 201]
    assert outcomes[2] is DEFER
    assert isinstance(outcomes[3], ApiError) and outcomes[3].fields.keys() == {"values"}
    subs = Submission.objects.filter(committee__code=WENGUAN, period__in=["2031", "2032", "2033", "2034"])
    assert sorted(s.period for s in subs) == ["2031", "2032", "2034"]
    assert {o[0]["id"] for o in (outcomes[0], outcomes[1], outcomes[4])} == {s.pk for s in subs}
    for sub in subs:
        assert [(h.history_type, h.history_user) for h in sub.history.all()] == [("+", village)]
    values = ElementValue.objects.filter(committee__code=WENGUAN, period__in=["2031", "2032", "2033", "2034"])
    fields = ReportingChannel.objects.get(name="实有人口登记台账").fields.count()
    assert values.count() == 3 * fields
    assert all(v.history.get().history_user == village for v in values)
    events = list(AuditEvent.objects.order_by("id")[audit:])
    assert sorted(e.object_id for e in events) == sorted(str(s.pk) for s in subs)
    assert all(e.ip_address == "10.0.0.7" and e.actor == village for e in events)
    assert verify_chain().ok
    assert sorted(IdempotencyRecord.objects.filter(user=village).values_list("key", flat=True)) == ["b-1", "b-2"]
    # The deferred one, in the next batch: it replaces nothing without the revision it saw, so it is a 409.
    assert services.commit_submissions([batch[2]])[0].status_code == 409


def test_a_batch_answers_a_used_key_with_the_stored_answer_and_writes_nothing_for_it(demo_user):
    village = demo_user("wenguan.village")
    first = services.commit_submissions([_queued(village, "2031", "same")])[0]
    values, audit = ElementValue.objects.count(), AuditEvent.objects.count()
    again = services.commit_submissions([_queued(village, "2031", "same", "8"), _queued(village, "2032", None)])
    assert again[0] == first and again[1][1] == 201
    assert ElementValue.objects.count() == values + ReportingChannel.objects.get(name="实有人口登记台账").fields.count()
    assert AuditEvent.objects.count() == audit + 1


def test_a_batch_of_several_submitters_keeps_each_one_in_the_history(demo_user):
    """Values and submissions of different users in one batch: each history row names its own submitter."""
    from accounts.models import Membership, User

    village = demo_user("wenguan.village")
    other = User.objects.create(username="wenguan.clerk")
    Membership.objects.create(user=other, organisation=village.cached_memberships()[0].organisation, role="editor")
    outcomes = services.commit_submissions([_queued(village, "2031", "v-1"), _queued(other, "2032", "o-1")])
    assert [o[1] for o in outcomes] == [201, 201]
    by_period = {s.period: s for s in Submission.objects.filter(committee__code=WENGUAN, period__in=["2031", "2032"])}
    assert by_period["2031"].history.get().history_user == village
    assert by_period["2032"].history.get().history_user == other
    assert {v.history.get().history_user for v in ElementValue.objects.filter(period="2032")} == {other}
    assert {v.history.get().history_user for v in ElementValue.objects.filter(period="2031")} == {village}


@pytest.mark.parametrize("bad", [None, True, {"n": 1}, [1, 2]])
def test_a_value_that_is_neither_text_nor_number_is_refused_with_its_field_named_and_nothing_written(api_for, bad):
    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    payload = _payload(channel)
    code = next(iter(payload["values"]))
    payload["values"][code] = bad
    values = ElementValue.objects.count()
    response = api_for("wenguan.village").post("/api/v1/reporting/submissions", payload, format="json")
    assert response.status_code == 400
    assert f"values.{code}" in response.json()["error"]["fields"]
    assert ElementValue.objects.count() == values


def test_numbers_are_accepted_as_numbers_and_an_over_long_text_is_refused(api_for):
    channel = ReportingChannel.objects.get(name="实有人口登记台账")
    payload = _payload(channel)
    payload["values"] = {code: 12 for code in payload["values"]}
    api = api_for("wenguan.village")
    assert api.post("/api/v1/reporting/submissions", payload, format="json").status_code == 201
    payload["values"] = {code: "9" * (services.MAX_VALUE + 1) for code in payload["values"]}
    payload["revision"] = 1
    assert api.post("/api/v1/reporting/submissions", payload, format="json").status_code == 400


class _Deadlock(Exception):
    sqlstate = "40P01"


def _failing_once(monkeypatch, error: Exception) -> list:  # noqa: ANN001
    real, calls = services._apply_submissions, []

    def apply(items):  # noqa: ANN001, ANN202
        calls.append(len(items))
        if len(calls) == 1:
            raise error
        return real(items)

    monkeypatch.setattr(services, "_apply_submissions", apply)
    return calls


def test_a_batch_chosen_as_a_deadlock_victim_is_applied_one_submission_at_a_time(demo_user, monkeypatch):
    from django.db import OperationalError

    village = demo_user("wenguan.village")
    victim = OperationalError("deadlock detected")
    victim.__cause__ = _Deadlock()
    calls = _failing_once(monkeypatch, victim)
    outcomes = services.commit_submissions([_queued(village, "2031", "d-1"), _queued(village, "2032", "d-2")])
    assert [o[1] for o in outcomes] == [201, 201] and calls == [2, 1, 1]
    assert Submission.objects.filter(committee__code=WENGUAN, period__in=["2031", "2032"]).count() == 2


def test_a_database_error_that_is_no_deadlock_reaches_every_caller_of_the_batch_and_writes_nothing(demo_user,
                                                                                                   monkeypatch):
    from django.db import OperationalError

    village = demo_user("wenguan.village")
    _failing_once(monkeypatch, OperationalError("server closed the connection unexpectedly"))
    with pytest.raises(OperationalError):
        services.commit_submissions([_queued(village, "2031", "e-1"), _queued(village, "2032", "e-2")])
    assert not Submission.objects.filter(committee__code=WENGUAN, period__in=["2031", "2032"]).exists()
