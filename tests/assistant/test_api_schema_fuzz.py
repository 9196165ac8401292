"""Property-based run over the API's own OpenAPI schema (schemathesis): every operation, valid and invalid input,
as a signed-in agent (a token). No answer is a server error, and every answer has a documented status code,
content type and shape. In process through WSGI, no network; a bounded, derandomized number of examples (about
200 calls, a few seconds). Schemathesis's strategies are driven by Hypothesis here: its pytest `parametrize` does not
run under pytest 9 (schemathesis 4.32.5: no `_nodeid` on the test item)."""

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from relais.accounts.models import ApiToken
from relais.assistant.models import Conversation, Exchange

EXAMPLES = 25  # per operation and mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture()
def token(db) -> str:
    agent = get_user_model().objects.create_user("agent.fuzz", password="mot-de-passe-de-test")
    # Something to find: a conversation with an exchange, for the ids the fuzzer may hit.
    conversation = Conversation.objects.create(user=agent)
    Exchange.objects.create(
        conversation=conversation, user=agent, question="VPN ?", answer="…", mode="none", confidence=0.0, latency_ms=0
    )
    return ApiToken.objects.create_for(agent, "fuzz")[1]


@pytest.fixture()
def api_schema(token):
    """The schema as the app serves it to a signed-in user.

    As Django's test client does, the requests leave the connection open: at the end of each request Django closes
    a connection whose autocommit differs from the settings, which inside the test's transaction is always the case
    (PostgreSQL then answers « the connection is closed » to the next query)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield _schema(token)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema(token: str):
    headers = {"Authorization": f"Bearer {token}"}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), headers=headers)


# Each operation, with valid then invalid input (wrong types, missing fields, out-of-range values…).
@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda mode: mode.value)
def test_the_api_answers_every_generated_call_as_documented(api_schema, token, mode):
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {f"{o.method.upper()} {o.path}" for o in operations} >= {"POST /api/v1/ask", "GET /api/v1/conversations"}
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        call()
