"""Schemathesis against /api/v1/schema/: generated requests (valid and invalid) never produce a server error.

Bounded: a few examples per operation, so `make test` stays fast; run with more via SCHEMATHESIS_EXAMPLES.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application


@pytest.fixture(autouse=True)
def _keep_the_test_transactions_connection():  # noqa: ANN202
    """Schemathesis calls the WSGI application itself, which sends request_started/finished; their
    close_old_connections would close the connection holding the test's transaction (on PostgreSQL its autocommit
    differs inside the transaction). Django's test client disconnects them the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_api_operation_answers_generated_input_with_a_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])
