import pytest
from channels.layers import channel_layers
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("method", ["get", "post"])
def test_healthy(client, method):
    response = getattr(client, method)("/check")
    assert response.status_code == 200
    assert response.json() == {"health": "ok"}


def test_unhealthy_when_the_channel_layer_does_not_answer(client, settings):
    if django_settings.REDIS_URL:
        broken = {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:9/0"]},
        }
    else:
        broken = {"BACKEND": "channels.layers.BaseChannelLayer"}  # cannot send or receive
    settings.CHANNEL_LAYERS = {"default": broken}
    channel_layers.backends.clear()
    response = client.post("/check")
    assert response.status_code == 503
    assert response.json() == {
        "code": 503,
        "subcode": 5002,
        "error": "App Not Healthy",
        "checks": {"database": True, "channel_layer": False},
    }


def test_unhealthy_when_the_database_does_not_answer(client, monkeypatch):
    from uchat import health

    def broken_cursor():
        raise OSError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/check")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": False, "channel_layer": True}
