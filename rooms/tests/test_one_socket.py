"""One socket per tab: /ws/me/ subscribes to the conversation a page shows and takes its
frames, while still carrying every other conversation's messages for the sidebar."""

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.tests.test_consumers import connect, receive_type

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rooms(user, other_user):
    first = services.room_create(creator=user, name="First", members=[other_user])
    second = services.room_create(creator=user, name="Second", members=[other_user])
    return first, second


async def test_subscribe_then_send_edit_react_sync_and_typing(rooms, user, other_user):
    first, second = rooms
    alice, connected, _ = await connect(user, "/ws/me/")
    assert connected
    bob, connected, _ = await connect(other_user, "/ws/me/")
    assert connected
    await alice.send_json_to({"type": "message.send", "body": "too early", "client_id": "x"})
    assert (await receive_type(alice, "error"))["code"] == "not_subscribed"

    for socket in (alice, bob):
        await socket.send_json_to({"type": "subscribe", "conversation": first.pk})
        assert (await receive_type(socket, "subscribed"))["conversation"] == first.pk
    await alice.send_json_to({"type": "message.send", "body": "hello", "client_id": "c1"})
    ack = await receive_type(alice, "message.ack")
    assert ack["message"]["conversation"] == first.pk
    created = await receive_type(bob, "message.created")
    assert created["id"] == ack["message"]["id"]

    await bob.send_json_to({"type": "typing"})
    typing = await receive_type(alice, "typing")
    assert typing["conversation"] == first.pk
    await bob.send_json_to({"type": "reaction.add", "id": created["id"], "emoji": "👍"})
    reaction = await receive_type(alice, "reaction.updated")
    assert (reaction["conversation"], reaction["count"]) == (first.pk, 1)

    # The sidebar's view: a message in another conversation still arrives...
    await sync_to_async(services.message_create)(conversation=second, sender=user, body="elsewhere")
    other = await receive_type(bob, "message.created")
    assert other["conversation"] == second.pk
    # ... but its typing does not (only the subscribed conversation's).
    await bob.send_json_to({"type": "subscribe", "conversation": second.pk})
    await receive_type(bob, "subscribed")
    await bob.send_json_to({"type": "typing"})
    await alice.send_json_to({"type": "sync", "after_seq": 0})
    sync = await receive_type(alice, "sync")
    assert [m["body"] for m in sync["messages"]] == ["hello"]
    assert await alice.receive_nothing(timeout=0.5)
    await alice.disconnect()
    await bob.disconnect()


async def test_subscribing_to_someone_elses_conversation_is_refused(rooms, user):
    first, _ = rooms
    mallory = await sync_to_async(UserFactory.create)(username="mallory")
    socket, connected, _ = await connect(mallory, "/ws/me/?rooms=0")
    assert connected
    await socket.send_json_to({"type": "subscribe", "conversation": first.pk})
    assert (await receive_type(socket, "error"))["code"] == "not_member"
    await socket.send_json_to({"type": "sync", "after_seq": 0})
    assert (await receive_type(socket, "error"))["code"] == "not_subscribed"
    await socket.send_json_to({"type": "subscribe", "conversation": "1; drop"})
    assert (await receive_type(socket, "error"))["code"] == "bad_frame"
    await socket.disconnect()


async def test_a_badge_only_socket_hears_the_conversation_it_subscribes_to(rooms, user, other_user):
    first, _ = rooms
    socket, connected, _ = await connect(other_user, "/ws/me/?rooms=0")
    assert connected
    await socket.send_json_to({"type": "subscribe", "conversation": first.pk})
    await receive_type(socket, "subscribed")
    await sync_to_async(services.message_create)(conversation=first, sender=user, body="hi")
    assert (await receive_type(socket, "message.created"))["body"] == "hi"
    await socket.disconnect()


async def test_removal_ends_the_subscription(rooms, user, other_user):
    first, _ = rooms
    socket, connected, _ = await connect(other_user, "/ws/me/")
    assert connected
    await socket.send_json_to({"type": "subscribe", "conversation": first.pk})
    await receive_type(socket, "subscribed")
    await sync_to_async(services.room_leave)(room=first, user=other_user)
    await receive_type(socket, "member.removed", user_id=other_user.pk)
    await socket.send_json_to({"type": "message.send", "body": "still here?"})
    assert (await receive_type(socket, "error"))["code"] == "not_subscribed"
    await socket.disconnect()
