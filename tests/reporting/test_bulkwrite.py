"""The batch writes of reporting.bulkwrite store exactly what they are given, on SQLite and on PostgreSQL (where the
rows travel as one JSON parameter): any text a value may hold, JSON data with nested text, and a history row for
each row written."""

import itertools

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regions.models import Region
from reporting import bulkwrite
from reporting.models import DataElement, ElementValue, IdempotencyRecord, ReportingChannel, Submission

pytestmark = pytest.mark.django_db
WENGUAN = "210105023201"
_periods = itertools.count(1)
# Any text a value may hold: what PostgreSQL stores in a text column (no NUL), up to the column's 500 characters.
VALUE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=500)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(VALUE_TEXT, min_size=1, max_size=4), second=VALUE_TEXT)
def test_values_of_any_text_are_stored_and_changed_exactly_with_their_history(demo_user, first, second):
    committee = Region.objects.get(code=WENGUAN)
    elements = list(DataElement.objects.order_by("pk")[:len(first)])
    user = demo_user("wenguan.village")
    period = f"P{next(_periods)}"
    now = timezone.now()
    with transaction.atomic():
        bulkwrite.write_values([(committee.pk, e.pk, period, v, user.pk) for e, v in zip(elements, first, strict=True)],
                               [], now, "entered")
    stored = {v.element_id: v for v in ElementValue.objects.filter(committee=committee, period=period)}
    assert [stored[e.pk].value for e in elements] == first
    one = stored[elements[0].pk]
    with transaction.atomic():
        bulkwrite.write_values([], [(second, user.pk, one.pk, one.lock_version)], now, "changed")
    one.refresh_from_db()
    assert (one.value, one.lock_version, one.entered_by_id) == (second, 1, user.pk)
    assert [(h.history_type, h.value, h.history_change_reason, h.history_user_id)
            for h in one.history.order_by("history_id")] == [("+", first[0], "entered", user.pk),
                                                              ("~", second, "changed", user.pk)]


def test_submissions_and_answers_keep_their_json_exactly_and_get_their_ids(demo_user):
    committee = Region.objects.get(code=WENGUAN)
    channel = ReportingChannel.objects.order_by("pk").first()
    user = demo_user("wenguan.village")
    data = {"户籍人口(人)": "1,200", "备注": 'a "quoted" \\ back\nslash 😀', "空": ""}
    now = timezone.now()
    subs = [Submission(channel=channel, committee=committee, period=p, data={**data, "期": p}, submitted_by_id=user.pk)
            for p in ("Q1", "Q2")]
    with transaction.atomic():
        bulkwrite.write_submissions(subs, [], now)
        bulkwrite.write_answers([(user.pk, "k-1", {"data": data, "n": [1, None, True]}, 201)], now)
    for sub in subs:
        stored = Submission.objects.get(pk=sub.pk)
        assert (stored.period, stored.data, stored.revision) == (sub.period, sub.data, 1)
        assert [h.history_type for h in stored.history.all()] == ["+"]
    subs[0].data, subs[0].revision = {"备注": "改'了"}, 2
    with transaction.atomic():
        bulkwrite.write_submissions([], [subs[0]], now)
    assert Submission.objects.get(pk=subs[0].pk).data == {"备注": "改'了"}
    assert [h.data for h in Submission.objects.get(pk=subs[0].pk).history.order_by("history_id")] == [
        {**data, "期": "Q1"}, {"备注": "改'了"}]
    answer = IdempotencyRecord.objects.get(user=user, key="k-1")
    assert (answer.response, answer.status_code) == ({"data": data, "n": [1, None, True]}, 201)
