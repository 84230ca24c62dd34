"""Under UCHAT_REQUIRE_SERVICES=1 (CI) the suite must be running on the real stack."""

import os

import pytest
from channels.layers import get_channel_layer
from django.db import connection

REQUIRED = os.environ.get("UCHAT_REQUIRE_SERVICES") == "1"


@pytest.mark.skipif(not REQUIRED, reason="only meaningful with UCHAT_REQUIRE_SERVICES=1")
def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]


@pytest.mark.skipif(not REQUIRED, reason="only meaningful with UCHAT_REQUIRE_SERVICES=1")
async def test_channel_layer_is_channels_redis():
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = get_channel_layer()
    assert isinstance(layer, RedisPubSubChannelLayer)  # the default (UCHAT_CHANNEL_LAYER)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "proof"})
    assert (await layer.receive(channel))["type"] == "proof"


def test_browser_is_present_when_required():
    if REQUIRED:
        assert os.access("/usr/bin/chromium", os.X_OK), "Debian's chromium is required"
