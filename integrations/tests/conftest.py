import pytest

from integrations.tests.receiver import Receiver


@pytest.fixture
def receiver(settings):
    """A receiver on loopback, which the settings allow (UCHAT_WEBHOOK_ALLOW_PRIVATE=1)."""
    settings.UCHAT_WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.close()
