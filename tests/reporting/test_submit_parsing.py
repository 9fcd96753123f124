"""parse_submit (the API's parser of a submission body) gives what SubmitSerializer gives, on any body: the same
validated data, or the same errors field by field (property test, hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from reporting.api import SubmitSerializer, parse_submit

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**20), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["2026", "2026-03", "2026-Q2", " 7 ", "1.0", "1.5", "",
                                                           "210105023201", "2026-W07", "2026-13-01x", "1_000"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                         max_size=3), max_leaves=8)
FIELDS = ["channel", "committee", "period", "values", "revision"]


def _outcome(parse):  # noqa: ANN001, ANN202
    try:
        return "valid", parse()
    except serializers.ValidationError as error:
        return "invalid", error.detail


def _by_serializer(data):  # noqa: ANN001, ANN202
    serializer = SubmitSerializer(data=data)
    if serializer.is_valid():
        return "valid", dict(serializer.validated_data)
    return "invalid", dict(serializer.errors)


@settings(max_examples=400, deadline=None)
@given(body=st.dictionaries(st.sampled_from([*FIELDS, "other"]), JSON, max_size=6))
def test_any_json_object_is_parsed_as_the_serializer_parses_it(body):
    assert _outcome(lambda: parse_submit(body)) == _by_serializer(body)


@given(body=JSON)
def test_a_body_that_is_not_an_object_is_refused_as_the_serializer_refuses_it(body):
    assert _outcome(lambda: parse_submit(body)) == _by_serializer(body)


def test_a_good_body_gives_typed_values_and_no_revision_by_default():
    body = {"channel": "12", "committee": " 210105023201 ", "period": "2026-Q2", "values": {"A01": 3}}
    assert parse_submit(body) == {"channel": 12, "committee": "210105023201", "period": "2026-Q2",
                                  "values": {"A01": 3}, "revision": None}
