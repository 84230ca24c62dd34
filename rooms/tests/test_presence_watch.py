"""Presence by watching (issue 31): a person's coming and going is published to their own
presence group, and only sockets that sent ``presence.watch`` for them hear it."""

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services, sweeper
from rooms.models import Presence
from rooms.sockets import base
from rooms.tests.test_consumers import connect, receive_type

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


@pytest.fixture
def room(user, other_user, carol):
    return services.room_create(creator=user, name="Coding Group", members=[other_user, carol])


@pytest.fixture
def stranger(db):
    """Online, but shares no conversation with anyone here."""
    return UserFactory(username="mallory")


@pytest.fixture
def no_watch_limit(monkeypatch):
    monkeypatch.setattr(base, "WATCH_EVERY", 0.0)


async def frames_until_pong(communicator) -> list[dict]:
    """Every frame the socket has received, up to the answer to a ping sent now."""
    await communicator.send_json_to({"type": "ping"})
    seen = []
    while (frame := await communicator.receive_json_from(timeout=5))["type"] != "pong":
        seen.append(frame)
    return seen


async def watch(communicator, users: Any) -> dict:
    await communicator.send_json_to({"type": "presence.watch", "users": users})
    while (frame := await communicator.receive_json_from(timeout=5))["type"] not in (
        "presence.state",
        "error",
    ):
        pass
    return frame


async def test_presence_reaches_watchers_only(room, user, other_user, carol):
    bob, _, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    carol_socket, _, _ = await connect(carol, "/ws/me/")
    assert await watch(bob, [user.pk]) == {"type": "presence.state", "online": []}
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    online = await receive_type(bob, "presence")
    assert online == {"type": "presence", "user_id": user.pk, "online": True}
    await alice.disconnect()
    offline = await receive_type(bob, "presence")
    assert offline == {"type": "presence", "user_id": user.pk, "online": False}
    # Carol shares the room but watches nobody: neither frame reached her.
    assert not [f for f in await frames_until_pong(carol_socket) if f["type"] == "presence"]
    await bob.disconnect()
    await carol_socket.disconnect()


async def test_the_snapshot_says_who_is_online_and_strangers_are_dropped(
    room, user, other_user, stranger
):
    alice, _, _ = await connect(user, "/ws/me/")
    mallory, _, _ = await connect(stranger, "/ws/me/")
    bob, _, _ = await connect(other_user, "/ws/me/")
    state = await watch(bob, [user.pk, stranger.pk, 987654, other_user.pk])
    assert state == {"type": "presence.state", "online": sorted([user.pk, other_user.pk])}
    await mallory.disconnect()  # the stranger's going offline is not told either
    assert not [f for f in await frames_until_pong(bob) if f["type"] == "presence"]
    await alice.disconnect()
    await bob.disconnect()


async def test_a_guest_watches_only_the_people_of_their_rooms(room, user, carol):
    guest = await sync_to_async(UserFactory.create)(username="gus", is_guest=True)
    other_room = await sync_to_async(services.room_create)(
        creator=user, name="Guests", members=[guest]
    )
    carol_socket, _, _ = await connect(carol, "/ws/me/")
    alice, _, _ = await connect(user, "/ws/me/")
    gus, _, _ = await connect(guest, f"/ws/rooms/{other_room.pk}/")
    assert await watch(gus, [user.pk, carol.pk]) == {"type": "presence.state", "online": [user.pk]}
    for socket in (gus, alice, carol_socket):
        await socket.disconnect()


async def test_rewatching_replaces_the_set(room, user, other_user, carol, no_watch_limit):
    bob, _, _ = await connect(other_user, "/ws/me/")
    alice, _, _ = await connect(user, "/ws/me/")
    await watch(bob, [user.pk])
    assert await watch(bob, [carol.pk]) == {"type": "presence.state", "online": []}
    await alice.disconnect()  # no longer watched
    carol_socket, _, _ = await connect(carol, "/ws/me/")
    heard = [f for f in await frames_until_pong(bob) if f["type"] == "presence"]
    assert heard == [{"type": "presence", "user_id": carol.pk, "online": True}]
    await carol_socket.disconnect()
    await bob.disconnect()


async def test_refused_watches_change_nothing(room, user, other_user, settings):
    settings.UCHAT_PRESENCE_WATCH_MAX = 2
    bob, _, _ = await connect(other_user, "/ws/me/")
    await watch(bob, [user.pk])
    for users, code in (
        ([user.pk, other_user.pk, 3], "too_many"),
        ([user.pk, "1"], "bad_frame"),
        ([0], "bad_frame"),
        ([True], "bad_frame"),
        ({"1": 1}, "bad_frame"),
        ([other_user.pk], "rate_limited"),  # a second watch within the second
    ):
        frame = await watch(bob, users)
        assert (frame["type"], frame["code"]) == ("error", code)
    alice, _, _ = await connect(user, "/ws/me/")  # still watched: nothing was replaced
    assert (await receive_type(bob, "presence"))["user_id"] == user.pk
    await alice.disconnect()
    await bob.disconnect()


async def test_the_sweeps_tell_the_watchers(room, user, other_user):
    from datetime import timedelta

    from django.conf import settings

    alice, _, _ = await connect(user, "/ws/me/")
    long_ago = timezone.now() - timedelta(seconds=settings.UCHAT_PRESENCE_TTL + 10)
    create = Presence.objects.create
    await sync_to_async(create)(channel_name="socket.stale.1", user=other_user, last_seen=long_ago)
    assert (await watch(alice, [other_user.pk]))["online"] == []
    assert await sweeper.sweep_once() == 1
    frame = await receive_type(alice, "presence")
    assert frame == {"type": "presence", "user_id": other_user.pk, "online": False}
    # A dead process's rows: gone at once, and told the same way.
    await sync_to_async(create)(
        channel_name="socket.deadproc.1", user=other_user, last_seen=timezone.now()
    )
    gone = await database_sync_to_async(services.process_presence_sweep)(dead=["deadproc"])
    assert gone == [other_user.pk]
    await sweeper._tell_gone(gone)
    assert (await receive_type(alice, "presence"))["user_id"] == other_user.pk
    await alice.disconnect()


def test_a_conversation_socket_looks_up_no_conversations(room, user):
    opened = services.socket_open(user=user, channel_name="socket.x.1", conversation_id=room.pk)
    assert opened.came_online
    assert opened.conversation_ids == []
    assert services.presence_event(user_id=user.pk, online=False) == (
        [f"presence.{user.pk}"],
        "presence",
        {"user_id": user.pk, "online": False},
    )
