"""Many writers at once, and a frame fuzzer: every message stored once, in one order that
everyone sees; no frame kills a socket or reaches a server error."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Message
from rooms.tests.test_consumers import connect, receive_type

pytestmark = [pytest.mark.django_db(transaction=True)]

WRITERS = 50


async def test_fifty_writers_at_once(user, settings):
    settings.UCHAT_ROOM_MAX_ADD = WRITERS
    people = [
        await sync_to_async(UserFactory.create)(username=f"writer{i}") for i in range(WRITERS)
    ]
    room = await sync_to_async(services.room_create)(creator=user, name="Stampede", members=people)
    sockets = [(await connect(person, f"/ws/rooms/{room.pk}/"))[0] for person in people[:10]]
    observer = sockets[0]

    async def write(i: int) -> None:
        await sync_to_async(services.message_create, thread_sensitive=False)(
            conversation=room, sender=people[i], body=f"hello from {i}", client_id=f"c{i}"
        )
        # a retry after a "timeout" must not store twice
        await sync_to_async(services.message_create, thread_sensitive=False)(
            conversation=room, sender=people[i], body=f"hello from {i}", client_id=f"c{i}"
        )

    await asyncio.gather(*(write(i) for i in range(WRITERS)))
    stored = [
        row
        async for row in Message.objects.filter(conversation=room)
        .order_by("id")
        .values_list("id", "body")
    ]
    assert sorted(body for _, body in stored) == sorted(f"hello from {i}" for i in range(WRITERS))
    # Sequence numbers have no gap, in id order: what a client uses to notice a missing one.
    seqs = [
        seq
        async for seq in Message.objects.filter(conversation=room)
        .order_by("id")
        .values_list("seq", flat=True)
    ]
    assert seqs == list(range(1, WRITERS + 1))
    # every socket got every message once; ordered as the page orders them, all views agree
    for communicator in sockets:
        seen: list[tuple[int, int]] = []
        while len(seen) < WRITERS:
            frame = await receive_type(communicator, "message.created")
            seen.append((frame["seq"], frame["id"]))
        assert sorted(seen) == [(seq, pk) for seq, (pk, _) in zip(seqs, stored, strict=True)]
        assert len({pk for _, pk in seen}) == WRITERS
    assert observer
    for communicator in sockets:
        await communicator.disconnect()


frames = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
fuzz_frames = st.one_of(
    frames.map(json.dumps),
    st.text(min_size=1, max_size=200),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                ["message.send", "message.edit", "message.delete", "sync", "read", "typing", "ping"]
            )
        },
        optional={
            "body": frames,
            "id": frames,
            "after_id": frames,
            "client_id": frames,
            "content": frames,
        },
    ).map(json.dumps),
)


def test_frame_fuzzer_never_kills_the_socket():
    from asgiref.sync import async_to_sync

    member = UserFactory(username="fuzzer")
    room = services.room_create(creator=member, name="Fuzz")

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(batch=st.lists(fuzz_frames, min_size=1, max_size=5))
    def check(batch: list[str]) -> None:
        async def run() -> None:
            # Each example runs on a new event loop: a new layer too (see conftest's
            # _fresh_channel_layer; channels-redis binds its locks to the first loop).
            from channels.layers import channel_layers

            channel_layers.backends.clear()
            communicator, connected, _ = await connect(member, f"/ws/rooms/{room.pk}/")
            assert connected
            for frame in batch:
                await communicator.send_to(text_data=frame)
            # the next valid frame still works
            await communicator.send_json_to({"type": "message.send", "body": "still alive"})
            ack = await receive_type(communicator, "message.ack")
            assert ack["message"]["body"] == "still alive"
            await communicator.disconnect()

        async_to_sync(run)()

    check()
