"""Schemathesis against /api/v1/schema/: generated requests (valid and invalid) never produce a server error.

Bounded: a few examples per operation, so `make test` stays fast; run with more via SCHEMATHESIS_EXAMPLES.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_api_operation_answers_generated_input_with_a_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])
