"""Threads over the sockets: replies sent through the writer keep their root's counters, the
frames thread.updated and thread.unread reach who they are for, typing names its thread, and a
bad thread is refused with nothing stored."""

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Message
from rooms.tests.test_consumers import connect, receive_type

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Threads", members=[other_user])


async def test_replies_over_the_socket_reach_followers_live(room, user, other_user):
    carol = await sync_to_async(UserFactory.create)(username="carol")
    await sync_to_async(services.members_add)(conversation=room, actor=user, users=[carol])
    root, _ = await sync_to_async(services.message_create)(
        conversation=room, sender=other_user, body="Shall we ship?"
    )
    alice, ok_a, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    bob, ok_b, _ = await connect(other_user, "/ws/me/")  # the root's author: follows
    watcher, ok_c, _ = await connect(carol, "/ws/me/")  # a member who does not follow
    assert ok_a
    assert ok_b
    assert ok_c
    await alice.send_json_to({"type": "message.send", "body": "yes", "thread": root.pk})
    first = (await receive_type(alice, "message.ack"))["message"]
    assert (first["thread"], first["also_to_room"]) == (root.pk, False)
    # A reply to a reply joins the root; one goes to the room too.
    await alice.send_json_to(
        {"type": "message.send", "body": "really", "thread": first["id"], "also_to_room": True}
    )
    second = (await receive_type(alice, "message.ack"))["message"]
    assert (second["thread"], second["also_to_room"]) == (root.pk, True)
    await alice.send_json_to({"type": "message.send", "body": "now", "thread": root.pk})
    await receive_type(alice, "message.ack")
    created = await receive_type(bob, "message.created", id=second["id"])
    assert created["thread"] == root.pk
    updated = await receive_type(bob, "thread.updated", reply_count=3)
    assert updated["message"] == root.pk
    assert updated["conversation"] == room.pk
    assert updated["thread_participants"] == [other_user.pk, user.pk]
    unread = await receive_type(bob, "thread.unread", unread=3)
    assert (unread["message"], unread["total"]) == (root.pk, 3)
    await receive_type(watcher, "thread.updated", reply_count=3)
    await root.arefresh_from_db()
    assert (root.reply_count, root.thread_participants) == (3, [other_user.pk, user.pk])
    # The follower reads it: their other tabs hear the new count.
    await bob.send_json_to({"type": "ping"})
    await sync_to_async(services.thread_mark_read)(user=other_user, root=root)
    assert (await receive_type(bob, "thread.unread", unread=0))["total"] == 0
    # Carol, who does not follow, never heard a thread.unread.
    await watcher.send_json_to({"type": "ping"})
    while (frame := await watcher.receive_json_from(timeout=5))["type"] != "pong":
        assert frame["type"] != "thread.unread"
    for communicator in (alice, bob, watcher):
        await communicator.disconnect()


async def test_bad_threads_are_refused_on_the_socket(room, user):
    elsewhere = await sync_to_async(services.room_create)(creator=user, name="Elsewhere")
    foreign, _ = await sync_to_async(services.message_create)(
        conversation=elsewhere, sender=user, body="not here"
    )
    alice, ok, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    assert ok
    for wrong in ({"thread": foreign.pk}, {"thread": "1"}, {"thread": 1, "also_to_room": "yes"}):
        await alice.send_json_to({"type": "message.send", "body": "x", "client_id": "c", **wrong})
        error = await receive_type(alice, "error")
        assert (error["code"], error["client_id"]) == ("invalid_thread", "c")
    assert not await Message.objects.filter(conversation=room).aexists()
    await alice.disconnect()


async def test_typing_names_its_thread(room, user, other_user):
    root, _ = await sync_to_async(services.message_create)(
        conversation=room, sender=user, body="root"
    )
    alice, ok_a, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    bob, ok_b, _ = await connect(other_user, "/ws/me/")
    assert ok_a
    assert ok_b
    await bob.send_json_to({"type": "subscribe", "conversation": room.pk})
    await receive_type(bob, "subscribed")
    await alice.send_json_to({"type": "typing", "thread": root.pk})
    typing = await receive_type(bob, "typing")
    assert (typing["conversation"], typing["thread"], typing["user"]["id"]) == (
        room.pk,
        root.pk,
        user.pk,
    )
    await alice.send_json_to({"type": "typing", "thread": "x"})
    assert (await receive_type(alice, "error"))["code"] == "bad_frame"
    for communicator in (alice, bob):
        await communicator.disconnect()
