"""Every door's malformed input gets a clear 400 or error frame and changes nothing: deep JSON,
NUL characters, out-of-range ids, oversize bodies, content of the wrong type, and sockets from
a foreign origin (scheme and port included)."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from rooms import services
from rooms.models import Message
from rooms.tests.test_consumers import connect, receive_type

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Team", members=[other_user])


def _post(client: Client, path: str, raw: str | bytes):
    return client.post(path, raw, content_type="application/json")


@pytest.mark.parametrize("path", ["/api/login", "/api/rooms", "/api/tickets", "/api/messages"])
def test_deep_json_is_a_400_on_every_endpoint(auth_client, path):
    deep = "[" * 5000 + "]" * 5000
    response = _post(auth_client, path, deep)
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert "nest" in response.json()["detail"]


def test_nul_in_text_path_and_query_is_a_clear_400(auth_client, room):
    response = _post(
        auth_client, f"/api/rooms/{room.pk}/messages", json.dumps({"body": "a\u0000b"})
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert not Message.objects.filter(conversation=room).exists()
    assert auth_client.get("/api/users?start=1%00").status_code == 400
    assert auth_client.get("/api/search?q=%00").status_code == 400
    assert auth_client.get("/tickets/feedback/ab%00cd/").status_code == 400


def test_video_source_of_the_wrong_type_is_a_400(auth_client, room):
    content = {"type": "video", "url": "https://youtu.be/dQw4w9WgXcQ", "source": ["youtube"]}
    response = _post(
        auth_client, f"/api/rooms/{room.pk}/messages", json.dumps({"content": content})
    )
    assert response.status_code == 400, response.content
    assert response.json()["subcode"] == 4012


def test_an_oversize_api_body_keeps_the_json_error_shape(auth_client, room, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"body": "x" * 3000})
    response = _post(auth_client, f"/api/rooms/{room.pk}/messages", body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == 400


async def test_malformed_frames_get_error_frames_and_the_socket_lives(room, user):
    communicator, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    assert connected
    for frame, code in [
        ('{"type":"ping","x":' + "[" * 3000 + "]" * 3000 + "}", "bad_frame"),
        (json.dumps({"type": "read", "id": 2**70}), "bad_frame"),
        (json.dumps({"type": "message.edit", "id": 2**70, "body": "x"}), "bad_frame"),
        (json.dumps({"type": "sync", "after_seq": 2**70}), "bad_frame"),
        (json.dumps({"type": "message.send", "body": "a\u0000b"}), "bad_frame"),
        (json.dumps({"type": "message.send", "body": "ok", "client_id": "a\u0000"}), "bad_frame"),
    ]:
        await communicator.send_to(text_data=frame)
        error = await receive_type(communicator, "error")
        assert error["code"] == code, (frame[:60], error)
    await communicator.send_json_to({"type": "ping"})
    assert (await receive_type(communicator, "pong"))["type"] == "pong"
    assert not await sync_to_async(Message.objects.filter(conversation=room).exists)()
    await communicator.disconnect()


@pytest.mark.parametrize(
    "origin", [b"https://localhost", b"http://localhost:9999", b"http://evil.example"]
)
async def test_socket_origin_must_match_scheme_host_and_port(room, user, origin):
    communicator, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/", origin=origin)
    assert not connected
    await communicator.disconnect()
