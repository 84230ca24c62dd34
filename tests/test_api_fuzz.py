"""Schemathesis over our own OpenAPI schema: no generated request gets a server error.
A short, derandomized run in the suite (deterministic); ``bench/run fuzz`` runs it longer and
randomized by setting UCHAT_FUZZ_EXAMPLES."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory

LONG_EXAMPLES = os.environ.get("UCHAT_FUZZ_EXAMPLES")
EXAMPLES = int(LONG_EXAMPLES or 6)


@pytest.fixture
def api_schema(token):
    """The app in-process, on the test database. As Django's test client does, the request
    signals must not close the connection that holds the test's transaction."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # The schema is for people who logged in (docs/api.md).
    headers = {"Authorization": f"Bearer {token}"}
    yield schemathesis.openapi.from_wsgi("/api/schema", get_wsgi_application(), headers=headers)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    owner = UserFactory(username="fuzzer", is_staff=True)
    other = UserFactory(username="fuzzed")
    from rooms import services

    room = services.room_create(creator=owner, name="Fuzz room", members=[other])
    services.message_create(conversation=room, sender=owner, body="seed")
    return str(RefreshToken.for_user(owner).access_token)


def test_no_request_gets_a_server_error(api_schema, token):
    """Every operation, a few generated requests each (schemathesis' strategies driven by
    hypothesis directly: its pytest plugin does not support this pytest yet)."""
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @hypothesis_settings(
            max_examples=EXAMPLES,
            derandomize=not LONG_EXAMPLES,  # a failing random run prints its seed
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            )
            headers_seen = {k.lower(): v for k, v in response.headers.items()}
            content_type = headers_seen.get("content-type", "")
            content_type = content_type[0] if isinstance(content_type, list) else content_type
            if case.path not in {"/api/schema", "/api/docs"} and response.status_code != 204:
                assert "json" in content_type, (case.path, response.status_code, content_type)

        check()
