"""The room socket, driven through uchat.asgi.application with real session cookies and the
configured channel layer (channels-redis under bin/test)."""

import asyncio
import contextlib
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.tests.factories import UserFactory
from core import events
from rooms import services
from rooms import writer as writer_module
from rooms.models import Message, Presence
from rooms.tests.redis_server import layer_on_own_redis
from uchat.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


def _cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def connect(user, path: str, *, origin: bytes = b"http://localhost", timeout: float = 5):  # noqa: ASYNC109
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(_cookie_for)(user)))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=timeout)
    return communicator, connected, code


async def receive_type(communicator, wanted: str, timeout: float = 5, **match):  # noqa: ASYNC109
    """Next frame of type ``wanted`` (and with the ``match`` items), skipping other chatter."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == wanted and all(frame.get(k) == v for k, v in match.items()):
            return frame


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Coding Group", members=[other_user])


async def test_anonymous_and_non_members_are_refused(room):
    outsider = await sync_to_async(UserFactory.create)(username="mallory")
    for person in (None, outsider):
        communicator, connected, _code = await connect(person, f"/ws/rooms/{room.pk}/")
        assert not connected
        await communicator.disconnect()


async def test_foreign_origin_is_refused(room, user):
    communicator, connected, _ = await connect(
        user, f"/ws/rooms/{room.pk}/", origin=b"http://evil.example"
    )
    assert not connected
    await communicator.disconnect()


async def test_send_acks_with_stored_id_and_reaches_other_member(room, user, other_user):
    alice, ok_a, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    bob, ok_b, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    assert ok_a
    assert ok_b
    await alice.send_json_to(
        {"type": "message.send", "body": "Good Morning All of You", "client_id": "c1"}
    )
    ack = await receive_type(alice, "message.ack")
    stored = await sync_to_async(Message.objects.get)(body="Good Morning All of You")
    assert ack["message"]["id"] == stored.pk
    assert ack["client_id"] == "c1"
    assert ack["duplicate"] is False
    created = await receive_type(bob, "message.created")
    assert created["id"] == stored.pk
    assert created["sender"]["username"] == "alice"
    await alice.disconnect()
    await bob.disconnect()


async def test_repeated_client_id_is_stored_once(room, user):
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    for _ in range(2):
        await alice.send_json_to({"type": "message.send", "body": "again", "client_id": "same-id"})
    first = await receive_type(alice, "message.ack")
    second = await receive_type(alice, "message.ack")
    assert first["message"]["id"] == second["message"]["id"]
    assert second["duplicate"] is True
    assert await sync_to_async(Message.objects.count)() == 1
    await alice.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        (json.dumps({"type": "launch.missiles"}), "unknown_type"),
        (json.dumps({"type": "message.send", "body": ""}), "empty"),
        (json.dumps({"type": "message.send", "body": "x" * 4001}), "too_long"),
        (json.dumps({"type": "message.send", "body": 42}), "bad_frame"),
        (json.dumps({"type": "message.edit", "id": "1", "body": "x"}), "bad_frame"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(room, user, frame, code):
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    await alice.send_to(text_data=frame)
    error = await receive_type(alice, "error")
    assert error["code"] == code
    assert error["message"]
    # the same socket still works
    await alice.send_json_to({"type": "message.send", "body": "still here"})
    ack = await receive_type(alice, "message.ack")
    assert ack["message"]["body"] == "still here"
    assert await sync_to_async(Message.objects.count)() == 1
    await alice.disconnect()


async def test_binary_frame_is_refused(room, user):
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    await alice.send_to(bytes_data=b"\x00\x01")
    assert (await receive_type(alice, "error"))["code"] == "bad_frame"
    await alice.disconnect()


async def test_flood_is_rate_limited(room, user, settings):
    settings.UCHAT_WS_RATE = 3
    settings.UCHAT_WS_RATE_WINDOW = 60
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    for i in range(5):
        await alice.send_json_to({"type": "message.send", "body": f"m{i}", "client_id": f"f{i}"})
    frames: list[dict[str, Any]] = []
    while len(frames) < 5:
        frame = await alice.receive_json_from(timeout=5)
        if frame["type"] in {"message.ack", "error"}:
            frames.append(frame)
    assert [f["type"] for f in frames].count("message.ack") == 3
    errors = [f for f in frames if f["type"] == "error"]
    assert {e["code"] for e in errors} == {"rate_limited"}
    assert {e["client_id"] for e in errors} == {"f3", "f4"}
    assert await sync_to_async(Message.objects.count)() == 3
    await alice.disconnect()


async def test_removed_member_stops_receiving_at_once(room, user, other_user):
    bob, _, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    await sync_to_async(services.room_update)(
        room=room, actor=user, name=room.name, topic="", members=[user], admins=[user]
    )
    removed = await receive_type(bob, "member.removed")
    assert removed["user_id"] == other_user.pk
    closed = await bob.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}
    # and a new connection is refused
    again, connected, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    assert not connected
    await again.disconnect()


async def test_sync_returns_everything_after_the_last_id(room, user, other_user):
    ids = []
    for i in range(5):
        message, _ = await sync_to_async(services.message_create)(
            conversation=room, sender=other_user, body=f"while away {i}"
        )
        ids.append(message.pk)
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    await alice.send_json_to({"type": "sync", "after_id": ids[1]})
    sync = await receive_type(alice, "sync")
    assert [m["id"] for m in sync["messages"]] == ids[2:]
    assert sync["has_more"] is False
    await alice.disconnect()


async def test_edit_and_delete_reach_everyone(room, user, other_user):
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    bob, _, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    await alice.send_json_to({"type": "message.send", "body": "typo"})
    message_id = (await receive_type(alice, "message.ack"))["message"]["id"]
    await alice.send_json_to({"type": "message.edit", "id": message_id, "body": "fixed"})
    assert (await receive_type(bob, "message.updated"))["body"] == "fixed"
    await bob.send_json_to({"type": "message.delete", "id": message_id})
    assert (await receive_type(bob, "error"))["code"] == "forbidden"
    await alice.send_json_to({"type": "message.delete", "id": message_id})
    deleted = await receive_type(bob, "message.deleted")
    assert deleted["deleted"] is True
    await alice.disconnect()
    await bob.disconnect()


async def test_typing_reaches_others_not_the_typist(room, user, other_user):
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    bob, _, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    await alice.send_json_to({"type": "typing"})
    typing = await receive_type(bob, "typing")
    assert typing["user"]["username"] == "alice"
    await alice.send_json_to({"type": "ping"})
    # alice gets her pong, but never her own typing event
    while (frame := await alice.receive_json_from(timeout=5))["type"] != "pong":
        assert frame["type"] != "typing"
    await alice.disconnect()
    await bob.disconnect()


async def test_presence_is_recorded_and_announced(room, user, other_user):
    bob, _, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    await bob.send_json_to({"type": "presence.watch", "users": [user.pk]})
    await receive_type(bob, "presence.state")
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    online = await receive_type(bob, "presence", user_id=user.pk)
    assert online == {"type": "presence", "user_id": user.pk, "online": True}
    assert await sync_to_async(Presence.objects.filter(user=user).count)() == 1
    await alice.disconnect()
    offline = await receive_type(bob, "presence", user_id=user.pk)
    assert offline == {"type": "presence", "user_id": user.pk, "online": False}
    assert await sync_to_async(Presence.objects.filter(user=user).count)() == 0
    await bob.disconnect()


async def test_dashboard_socket_sees_new_room_and_its_messages(user, other_user):
    bob, connected, _ = await connect(other_user, "/ws/me/")
    assert connected
    room = await sync_to_async(services.room_create)(creator=user, name="New", members=[other_user])
    added = await receive_type(bob, "member.added")
    assert added["room"]["id"] == room.pk
    await sync_to_async(services.message_create)(conversation=room, sender=user, body="welcome")
    created = await receive_type(bob, "message.created")
    assert created["conversation"] == room.pk
    await bob.disconnect()


async def test_an_event_named_like_a_socket_method_is_forwarded_not_called(room, user):
    """The hub calls only a socket's ``event_<type>`` handlers: an event whose type names
    another of its methods (close, leave_all_groups, unsubscribe), or no method at all
    (``_close``), reaches the client as a frame, and the socket stays open, in its groups."""
    conversation, ok, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    person, ok_person, _ = await connect(user, "/ws/me/")
    assert ok
    assert ok_person
    kinds = ["close", "leave.all.groups", "unsubscribe", "_close"]
    for kind in kinds:
        await events.broadcast_async([events.conversation_group(room.pk)], kind, {"n": 1})
    for socket in (conversation, person):
        for kind in kinds:
            assert await receive_type(socket, kind) == {"type": kind, "n": 1}
    await sync_to_async(services.message_create)(conversation=room, sender=user, body="still")
    for socket in (conversation, person):
        assert (await receive_type(socket, "message.created"))["body"] == "still"
    await conversation.disconnect()
    await person.disconnect()


async def test_dashboard_socket_refuses_anonymous():
    communicator, connected, _ = await connect(None, "/ws/me/")
    assert not connected
    await communicator.disconnect()


async def test_sync_after_removal_says_why_and_closes(room, user, other_user):
    bob, _, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    from rooms.models import Membership

    await sync_to_async(Membership.objects.filter(user=other_user).delete)()
    await bob.send_json_to({"type": "sync", "after_id": 0})
    error = await receive_type(bob, "error")
    assert error["code"] == "not_member"
    while (output := await bob.receive_output(timeout=5))["type"] != "websocket.close":
        pass
    assert output["code"] == 4403


async def test_a_program_connects_with_a_jwt_and_no_origin(room, user):
    from rest_framework_simplejwt.tokens import RefreshToken

    token = await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/?token={token}")
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    await communicator.send_json_to({"type": "message.send", "body": "from a bot"})
    ack = await receive_type(communicator, "message.ack")
    assert ack["message"]["sender"]["id"] == user.pk
    await communicator.disconnect()
    bad = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/?token=not-a-token")
    connected, _ = await bad.connect(timeout=5)
    assert not connected
    await bad.disconnect()


async def test_video_content_frame(room, user, other_user):
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    bob, _, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    await alice.send_json_to(
        {
            "type": "message.send",
            "content": {"type": "video", "url": "https://youtu.be/dQw4w9WgXcQ"},
        }
    )
    created = await receive_type(bob, "message.created")
    assert created["content"]["embed_url"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    await alice.send_json_to(
        {"type": "message.send", "content": {"type": "video", "url": "https://evil.example/x"}}
    )
    error = await receive_type(alice, "error")
    assert error["code"] == "invalid_video"
    await alice.disconnect()
    await bob.disconnect()


async def test_badge_socket_gets_notifications_but_not_room_traffic(room, user, other_user):
    bob, connected, _ = await connect(other_user, "/ws/me/?rooms=0")
    assert connected
    await sync_to_async(services.message_create)(conversation=room, sender=user, body="no mention")
    await sync_to_async(services.message_create)(conversation=room, sender=user, body="hi @bob")
    notification = await receive_type(bob, "notification.created")
    assert notification["code"] == 10097
    assert notification["unread"] == 2  # being added to the room, then the mention
    assert await bob.receive_nothing(timeout=0.3)
    await bob.disconnect()


async def test_a_server_fault_gets_an_error_frame_and_the_socket_lives(room, user, monkeypatch):
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")

    def broken(drafts):
        raise RuntimeError("database went away")

    monkeypatch.setattr(writer_module, "messages_store", broken)
    await alice.send_json_to({"type": "message.send", "body": "hello", "client_id": "k1"})
    error = await receive_type(alice, "error")
    assert (error["code"], error["client_id"]) == ("server_error", "k1")
    monkeypatch.undo()
    await alice.send_json_to({"type": "message.send", "body": "hello", "client_id": "k1"})
    assert (await receive_type(alice, "message.ack"))["duplicate"] is False
    await alice.disconnect()


async def test_sync_by_sequence_number(room, user, other_user):
    sent = []
    for i in range(4):
        message, _ = await sync_to_async(services.message_create)(
            conversation=room, sender=other_user, body=f"m{i}"
        )
        sent.append(message)
    assert [m.seq for m in sent] == [1, 2, 3, 4]
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    await alice.send_json_to({"type": "sync", "after_seq": 2})
    sync = await receive_type(alice, "sync")
    assert [m["seq"] for m in sync["messages"]] == [3, 4]
    await alice.send_json_to({"type": "sync", "after_seq": -1})
    assert (await receive_type(alice, "error"))["code"] == "bad_frame"
    await alice.disconnect()


async def test_message_rate_is_per_person_across_sockets_and_the_api(room, user, settings):
    settings.UCHAT_MESSAGE_RATE = 4
    settings.UCHAT_MESSAGE_RATE_WINDOW = 3600
    first, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    second, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    outcomes = []
    for i in range(6):  # alternating sockets: each one alone is far below its own flood guard
        socket = (first, second)[i % 2]
        await socket.send_json_to({"type": "message.send", "body": f"m{i}", "client_id": f"r{i}"})
        while True:
            frame = await socket.receive_json_from(timeout=5)
            if frame["type"] in {"message.ack", "error"}:
                outcomes.append((frame["type"], frame.get("code"), frame.get("client_id")))
                break
    assert outcomes == [("message.ack", None, f"r{i}") for i in range(4)] + [
        ("error", "rate_limited", "r4"),
        ("error", "rate_limited", "r5"),
    ]
    # A re-send of a stored message is not a new message: it is answered, not refused.
    await first.send_json_to({"type": "message.send", "body": "m0", "client_id": "r0"})
    ack = await receive_type(first, "message.ack")
    assert ack["duplicate"] is True
    # The API shares the same budget: 429, nothing stored.
    response = await sync_to_async(_api_post)(user, room.pk, "from the API")
    assert response.status_code == 429
    assert response.json()["subcode"] == 4008
    bodies = await sync_to_async(lambda: list(Message.objects.values_list("body", flat=True)))()
    assert sorted(bodies) == ["m0", "m1", "m2", "m3"]
    await first.disconnect()
    await second.disconnect()


def _api_post(user, conversation_id: int, body: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/rooms/{conversation_id}/messages", {"body": body}, format="json")


async def test_no_presence_row_outlives_a_socket_cancelled_while_it_was_written(
    room, user, monkeypatch
):
    """Daphne cancels a socket's task when its disconnect waits too long (a busy database after
    a Redis restart): the presence write already under way must not leave a row behind."""
    import time

    real = services.socket_open

    def slow(**kwargs):
        time.sleep(1.0)
        return real(**kwargs)

    monkeypatch.setattr(services, "socket_open", slow)
    cookie = await sync_to_async(_cookie_for)(user)
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)]
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers)
    handshake = asyncio.create_task(communicator.connect(timeout=5))
    await asyncio.sleep(0.3)  # the handshake's presence write is under way
    communicator.future.cancel()  # as the server's application_close_timeout does
    await asyncio.gather(handshake, return_exceptions=True)
    await asyncio.sleep(3)  # the write finishes (1 s), then the row is removed
    assert await sync_to_async(Presence.objects.filter(user=user).count)() == 0


async def test_no_presence_row_outlives_a_handshake_cancelled_while_joining_groups(
    room, user, monkeypatch
):
    """The presence row is written before the groups are joined: a handshake the server gives
    up on while the channel layer is stalled must take its row away with it."""
    from core import fanout

    joined = asyncio.Event()

    async def stalled_join(self, groups, member):
        joined.set()
        await asyncio.sleep(30)  # Redis stopped (SIGSTOP)

    monkeypatch.setattr(fanout.Hub, "join_many", stalled_join)  # join is join_many of one
    cookie = await sync_to_async(_cookie_for)(user)
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)]
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers)
    handshake = asyncio.create_task(communicator.connect(timeout=10))
    await asyncio.wait_for(joined.wait(), 5)
    assert await sync_to_async(Presence.objects.filter(user=user).count)() == 1
    communicator.future.cancel()  # the server's application_close_timeout
    await asyncio.gather(handshake, return_exceptions=True)
    await asyncio.sleep(1)
    assert await sync_to_async(Presence.objects.filter(user=user).count)() == 0


async def test_a_frame_to_a_client_that_left_does_not_skip_the_disconnect(room, user, monkeypatch):
    """ASGI servers raise an OSError when a frame goes to a client that just left (uvicorn's
    ClientDisconnected). Raised out of a handler it ended the consumer before its disconnect,
    and the presence row stayed (the soak's 203 rows for 200 sockets)."""
    from channels.generic.websocket import AsyncWebsocketConsumer

    communicator, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    assert connected

    async def gone(self, text_data=None, bytes_data=None, close=False):
        raise OSError("client disconnected")  # every frame from now on, error frames too

    monkeypatch.setattr(AsyncWebsocketConsumer, "send", gone)
    await communicator.send_json_to({"type": "ping"})  # the pong finds the client gone
    await asyncio.sleep(0.5)
    assert await sync_to_async(Presence.objects.filter(user=user).count)() == 1
    await communicator.disconnect()
    await asyncio.sleep(0.5)
    assert await sync_to_async(Presence.objects.filter(user=user).count)() == 0


async def test_someone_whose_server_died_is_shown_offline_by_the_sweep(room, user, other_user):
    """Issue 14: a person whose window closed while the server was down stayed "online" on
    open pages: no offline event was ever sent. Every process now sweeps stale rows."""
    from datetime import timedelta

    from django.utils import timezone

    from rooms.sweeper import sweep_once

    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    await alice.send_json_to({"type": "presence.watch", "users": [other_user.pk]})
    await receive_type(alice, "presence.state")
    long_ago = timezone.now() - timedelta(seconds=settings.UCHAT_PRESENCE_TTL + 10)
    create = Presence.objects.create
    await sync_to_async(create)(channel_name="socket.dead", user=other_user, last_seen=long_ago)
    assert await sweep_once() == 1
    frame = await receive_type(alice, "presence", user_id=other_user.pk)
    assert frame["online"] is False
    assert not await sync_to_async(Presence.objects.filter(user=other_user).exists)()
    # Alice's own fresh row stays, and nobody is told twice.
    assert await sync_to_async(Presence.objects.filter(user=user).count)() == 1
    assert await sweep_once() == 0
    await alice.disconnect()


@pytest.fixture
def own_redis(tmp_path, settings, monkeypatch):
    """The channel layer on a Redis this test may stall, with the hub's clocks shortened
    (beats every 0.25 s; raising=False: the same test runs against code without them)."""
    from core import fanout

    monkeypatch.setattr(fanout, "BEAT_SECONDS", 0.25)
    monkeypatch.setattr(fanout, "ANSWER_TIMEOUT", 1.0, raising=False)
    monkeypatch.setattr(fanout, "HANDSHAKE_TIMEOUT", 2.0, raising=False)
    with layer_on_own_redis(tmp_path, settings) as server:
        yield server


async def test_a_handshake_is_refused_while_redis_is_stalled(room, user, other_user, own_redis):
    """Issue 24 N11: a stalled Redis takes subscriptions into its buffers without a word, so a
    socket connecting during the stall was accepted and heard nothing. The handshake is now
    refused (4013, the client retries with back-off) until the layer carries a beat again."""
    path = f"/ws/rooms/{room.pk}/"
    alice, connected, _ = await connect(user, path)
    assert connected  # the process's hub listens and beats
    with own_redis.stalled():
        await asyncio.sleep(1.0)  # several beats late
        handshake = asyncio.create_task(connect(other_user, path, timeout=15))
        await asyncio.sleep(3.0)  # Redis comes back before any read times out
    bob, connected, code = await handshake
    assert (connected, code) == (False, 4013)
    await bob.disconnect()
    bob, connected, _ = await connect(other_user, path, timeout=15)
    assert connected  # Redis answers again: the retry gets in
    await bob.disconnect()
    await alice.disconnect()


async def test_a_socket_that_missed_a_broadcast_in_a_redis_stall_is_told_to_sync(
    room, user, other_user, own_redis
):
    """Issue 24 N11: a message stored while Redis was stalled was never pushed, and with a stall
    shorter than the read timeout no beat went missing, so no 4011 came either. A socket now
    gets the message or is closed with 4011 (its page reconnects and syncs)."""
    from channels.db import database_sync_to_async

    alice, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    assert connected
    with own_redis.stalled():
        await asyncio.sleep(0.75)  # a beat waits in Redis' buffers, holding the layer's connection
        await database_sync_to_async(services.message_create)(
            conversation=room, sender=other_user, body="stored during the stall"
        )  # its broadcast fails after 2 s
    told = None
    with contextlib.suppress(TimeoutError):
        while told is None:
            output = await alice.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                told = output.get("code")
            elif json.loads(output["text"]).get("body") == "stored during the stall":
                told = "message"
    assert told in (4011, "message"), "the socket neither got the message nor was told to sync"
    await alice.disconnect()


async def test_a_direct_message_notifies_no_one_reading_the_conversation(room, user, other_user):
    """B7: a direct message made a notification even while its recipient was reading it."""
    from notifications.models import Code, Notification

    dm = await sync_to_async(services.direct_conversation_get_or_create)(
        user=user, other=other_user
    )
    bob, connected, _ = await connect(other_user, "/ws/me/")
    assert connected
    await bob.send_json_to({"type": "subscribe", "conversation": dm.pk})
    await receive_type(bob, "subscribed")
    await sync_to_async(services.message_create)(conversation=dm, sender=user, body="seen live")
    assert (await receive_type(bob, "message.created"))["body"] == "seen live"
    bobs = Notification.objects.filter(user=other_user, code=Code.NEW_MESSAGE)
    assert await sync_to_async(bobs.count)() == 0

    # The same page turned to another conversation: the next one is a notification again.
    await bob.send_json_to({"type": "subscribe", "conversation": room.pk})
    await receive_type(bob, "subscribed")
    await sync_to_async(services.message_create)(conversation=dm, sender=user, body="elsewhere")
    await receive_type(bob, "notification.created")
    assert await sync_to_async(bobs.count)() == 1
    await bob.disconnect()

    # A socket for the one conversation (/ws/rooms/<id>/) reads it too.
    program, connected, _ = await connect(other_user, f"/ws/rooms/{dm.pk}/")
    assert connected
    await sync_to_async(services.message_create)(conversation=dm, sender=user, body="bot reads")
    await receive_type(program, "message.created")
    assert await sync_to_async(bobs.count)() == 1
    await program.disconnect()
