"""The batched write path (rooms/writer.py, rooms.services.messages_store): what the engine
guarantees still holds when many messages share one transaction."""

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from accounts.tests.factories import UserFactory
from core import events
from rooms import hooks, services
from rooms import writer as writer_module
from rooms.models import Conversation, Membership, Message
from rooms.tests.test_consumers import connect, receive_type

pytestmark = [pytest.mark.django_db(transaction=True)]


def _draft(room, sender, body, client_id=None):
    return services.message_draft(conversation=room, sender=sender, body=body, client_id=client_id)


def _stored(room) -> list[tuple[int, int, str]]:
    return list(
        Message.objects.filter(conversation=room).order_by("id").values_list("id", "seq", "body")
    )


def test_one_batch_stores_many_rooms_and_answers_each_draft(user, other_user):
    first = services.room_create(creator=user, name="First", members=[other_user])
    second = services.room_create(creator=user, name="Second", members=[other_user])
    outsider = UserFactory(username="outsider")
    stored_before, _ = services.message_create(
        conversation=first, sender=user, body="sent once", client_id="again"
    )
    drafts = [
        _draft(first, user, "one"),
        _draft(second, other_user, "two", client_id="k2"),
        _draft(first, outsider, "not a member"),
        _draft(first, user, "sent once", client_id="again"),  # a re-send of a stored one
        _draft(first, other_user, "three"),
        _draft(second, other_user, "two", client_id="k2"),  # a repeat inside the batch
        _draft(second, user, "four"),
    ]
    outcomes: list[Any] = services.messages_store(drafts)  # each a stored pair or a refusal

    assert isinstance(outcomes[2], PermissionDenied)
    assert outcomes[3] == (stored_before, False)
    assert outcomes[5] == (outcomes[1][0], False)
    assert [o[1] for o in outcomes if isinstance(o, tuple)] == [
        True,
        True,
        False,
        True,
        False,
        True,
    ]
    # Gap-free sequence numbers in id order, per conversation; the refused one is not stored.
    assert [(seq, body) for _, seq, body in _stored(first)] == [
        (1, "sent once"), (2, "one"), (3, "three"),
    ]  # fmt: skip
    assert [(seq, body) for _, seq, body in _stored(second)] == [(1, "two"), (2, "four")]
    # The conversation's preview and the senders' read markers moved with the batch.
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.last_seq, first.last_message_id) == (3, outcomes[4][0].pk)
    assert (second.last_seq, second.last_message_id) == (2, outcomes[6][0].pk)
    marker = Membership.objects.get(conversation=second, user=other_user).last_read_message_id
    assert marker == outcomes[1][0].pk


def test_the_rate_limit_counts_each_message_of_a_batch(user, other_user, settings):
    settings.UCHAT_MESSAGE_RATE = 2
    room = services.room_create(creator=user, name="Busy", members=[other_user])
    outcomes: list[Any] = services.messages_store(
        [_draft(room, user, f"m{i}") for i in range(3)] + [_draft(room, other_user, "bob")]
    )
    assert [isinstance(o, tuple) for o in outcomes] == [True, True, False, True]
    assert outcomes[2].code == "rate_limited"
    assert [body for _, _, body in _stored(room)] == ["m0", "m1", "bob"]


def test_a_batch_that_fails_half_way_stores_each_draft_alone(user, other_user, monkeypatch):
    """A check refusing one message refuses it before the batch; a database error on another
    aborts the batch's transaction, then every draft is stored on its own or refused with its
    reason."""
    room = services.room_create(creator=user, name="Mixed", members=[other_user])
    refused = UserFactory(username="refused")
    services.members_add(conversation=room, actor=user, users=[refused])

    def refuse(*, conversation, sender):
        if sender == refused:
            raise ValidationError("This ticket is closed.", code="ticket_closed")

    bulk_create = Message.objects.bulk_create

    def breaks(messages, *args, **kwargs):
        if any(m.body == "breaks the database" for m in messages):
            raise IntegrityError("simulated")
        return bulk_create(messages, *args, **kwargs)

    monkeypatch.setitem(hooks.message_checks, Conversation.Kind.ROOM, [refuse])
    monkeypatch.setattr(Message.objects, "bulk_create", breaks)
    senders = [other_user, refused, other_user, other_user, other_user]
    bodies = ["before", "refused by a check", "middle", "breaks the database", "after"]
    outcomes: list[Any] = services.messages_store(
        [_draft(room, s, b) for s, b in zip(senders, bodies, strict=True)]
    )

    assert outcomes[1].code == "ticket_closed"
    assert isinstance(outcomes[3], IntegrityError)
    stored = _stored(room)
    assert [(seq, body) for _, seq, body in stored] == [(1, "before"), (2, "middle"), (3, "after")]
    for index in (0, 2, 4):  # each stored one is answered with what was stored
        message, created = outcomes[index]
        assert created
        assert (message.pk, message.seq, message.body) in stored


async def test_sockets_share_batches_and_keep_every_guarantee(user, settings, monkeypatch):
    """Forty senders in four rooms at once: the writer stores them in batches; every message is
    acknowledged once and broadcast once, only after it committed, in seq order per room."""
    settings.UCHAT_ROOM_MAX_ADD = 10
    people = [await sync_to_async(UserFactory.create)(username=f"sender{i}") for i in range(40)]
    rooms = [
        await sync_to_async(services.room_create)(
            creator=user, name=f"Room {r}", members=people[r * 10 : (r + 1) * 10]
        )
        for r in range(4)
    ]
    batches: list[int] = []
    real_store = writer_module.messages_store

    def counting_store(drafts):
        batches.append(len(drafts))
        return real_store(drafts)

    committed_at_broadcast: list[bool] = []
    real_broadcast = events.broadcast_many_async

    async def checking_broadcast(broadcasts):
        for _groups, event_type, payload in broadcasts:
            if event_type == "message.created":  # seen from another connection: committed?
                exists = Message.objects.filter(pk=payload["id"]).exists
                committed = await sync_to_async(exists, thread_sensitive=False)()
                committed_at_broadcast.append(committed)
        await real_broadcast(broadcasts)

    monkeypatch.setattr(writer_module, "messages_store", counting_store)
    monkeypatch.setattr(events, "broadcast_many_async", checking_broadcast)
    sockets = [
        (await connect(p, f"/ws/rooms/{rooms[i // 10].pk}/"))[0] for i, p in enumerate(people)
    ]

    async def send_and_ack(i: int) -> dict:
        await sockets[i].send_json_to(
            {"type": "message.send", "body": f"hello {i}", "client_id": f"c{i}"}
        )
        ack = await receive_type(sockets[i], "message.ack", client_id=f"c{i}")
        exists = Message.objects.filter(pk=ack["message"]["id"], body=f"hello {i}").exists
        assert await sync_to_async(exists, thread_sensitive=False)(), "acked but not stored"
        return ack

    acks = await asyncio.gather(*(send_and_ack(i) for i in range(40)))
    assert max(batches) > 1, batches  # they really shared transactions
    assert len({a["message"]["id"] for a in acks}) == 40
    for r, room in enumerate(rooms):
        stored = await sync_to_async(_stored)(room)
        assert [seq for _, seq, _ in stored] == list(range(1, 11))  # gap-free, in id order
        # Each member hears the room's ten messages once, in seq order (one process).
        for socket in sockets[r * 10 : (r + 1) * 10]:
            heard = [(await receive_type(socket, "message.created"))["seq"] for _ in range(10)]
            assert heard == list(range(1, 11))
    assert committed_at_broadcast == [True] * 40
    # A re-send after a lost ack is answered with the stored message, not stored twice.
    await sockets[0].send_json_to({"type": "message.send", "body": "hello 0", "client_id": "c0"})
    again = await receive_type(sockets[0], "message.ack", client_id="c0")
    assert again["duplicate"] is True
    assert again["message"]["id"] == acks[0]["message"]["id"]
    for socket in sockets:
        await socket.disconnect()


async def test_a_refused_draft_in_a_batch_gets_an_error_frame_and_the_rest_are_acked(
    user, other_user
):
    room = await sync_to_async(services.room_create)(
        creator=user, name="Leaving", members=[other_user]
    )
    alice, _, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    bob, _, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    # Bob is removed while his socket is open (his socket has not heard it yet).
    await sync_to_async(Membership.objects.filter(conversation=room, user=other_user).delete)()
    await bob.send_json_to({"type": "message.send", "body": "gone", "client_id": "b1"})
    await alice.send_json_to({"type": "message.send", "body": "still here", "client_id": "a1"})
    error = await receive_type(bob, "error", client_id="b1")
    assert error["code"] == "forbidden"
    assert (await receive_type(alice, "message.ack", client_id="a1"))["duplicate"] is False
    assert [body for _, _, body in await sync_to_async(_stored)(room)] == ["still here"]
    await alice.disconnect()
    await bob.disconnect()
