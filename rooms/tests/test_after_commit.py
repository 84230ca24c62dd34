"""Side effects run after the commit, from one table (core.domain_events), and the batch's
transaction holds no row lock while files are written."""

import asyncio
import logging
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from core import domain_events
from notifications.models import Code, Notification
from rooms import services
from rooms import writer as writer_module
from rooms.domain_events import MessageCreated
from rooms.models import Message
from rooms.services import notify
from rooms.tests.test_consumers import connect, receive_type
from rooms.tests.test_direct import png_bytes

pytestmark = [pytest.mark.django_db(transaction=True)]  # real commits: on_commit runs


def test_a_failing_handler_neither_undoes_the_write_nor_stops_the_others(
    user, other_user, monkeypatch, caplog
):
    """A handler that raises is logged and tried again; what it wrote is rolled back alone,
    the message stays stored, and the handlers after it (the direct message's notification)
    still run."""
    dm = services.direct_conversation_get_or_create(user=user, other=other_user)
    calls = []

    def broken(event: MessageCreated) -> None:
        calls.append(event.message.pk)
        Notification.objects.create(user=user, code=Code.MENTION, title="half-done", payload={})
        raise RuntimeError("the handler's service is down")

    monkeypatch.setitem(domain_events._table, MessageCreated, [])
    domain_events.on(MessageCreated, broken, retries=1)
    domain_events.on(MessageCreated, notify.message_created)
    with caplog.at_level(logging.ERROR, logger="core.domain_events"):
        message, created = services.message_create(conversation=dm, sender=user, body="hello")

    assert created
    assert Message.objects.filter(pk=message.pk, body="hello").exists()
    assert calls == [message.pk, message.pk]  # tried, then tried once more
    assert "failed" in caplog.text
    assert not Notification.objects.filter(title="half-done").exists()  # its own write undone
    assert Notification.objects.filter(user=other_user, code=Code.NEW_MESSAGE).exists()


def test_a_failing_handler_is_tried_again_after_a_growing_pause(monkeypatch, caplog):
    """Retries wait a little (a broker restarting gets a moment), longer each time."""
    tries: list[float] = []
    pauses: list[float] = []

    def broken(event: MessageCreated) -> None:
        tries.append(time.monotonic())
        raise RuntimeError("the broker is restarting")

    monkeypatch.setitem(domain_events._table, MessageCreated, [])
    domain_events.on(MessageCreated, broken, retries=2)
    monkeypatch.setattr(domain_events.time, "sleep", pauses.append)
    with caplog.at_level(logging.CRITICAL, logger="core.domain_events"):
        domain_events.dispatch(MessageCreated(Message(pk=1)))

    assert len(tries) == 3
    assert len(pauses) == 2  # between the tries, none after the last
    assert 0 < pauses[0] < pauses[1] <= 1


def test_a_handlers_test_is_asked_first_and_outside_any_transaction(
    user, other_user, monkeypatch, caplog
):
    """A handler whose ``when`` says no is not called and opens no transaction (the writer's
    batch paid an empty one per handler per message); one whose test raises is logged and
    skipped, and the handlers after it still run."""
    room = services.room_create(creator=user, name="Quiet", members=[other_user])
    calls: list[str] = []
    in_transaction: list[bool] = []

    def skipped(event: MessageCreated) -> None:
        calls.append("skipped")

    def mentioned(event: MessageCreated) -> bool:
        in_transaction.append(connection.in_atomic_block)
        return "@" in event.message.body

    def broken_test(event: MessageCreated) -> bool:
        raise RuntimeError("a test that reads what is not there")

    monkeypatch.setitem(domain_events._table, MessageCreated, [])
    domain_events.on(MessageCreated, skipped, when=mentioned)
    domain_events.on(MessageCreated, lambda event: calls.append("never"), when=broken_test)
    domain_events.on(MessageCreated, lambda event: calls.append(event.message.body))
    with caplog.at_level(logging.ERROR, logger="core.domain_events"):
        services.message_create(conversation=room, sender=user, body="plain")
        services.message_create(conversation=room, sender=user, body="hi @bob")

    assert calls == ["plain", "skipped", "hi @bob"]
    assert in_transaction == [False, False]
    assert caplog.text.count("the test of handler") == 2


def test_room_messages_without_a_mention_open_no_handler_transaction(user, other_user):
    """With the real table, every MessageCreated handler declines a room message that mentions
    nobody before its transaction (the engine's notifications and the desk's reaction), and
    the mention handler takes one that may tell someone."""
    room = services.room_create(creator=user, name="Busy", members=[other_user])
    plain, _ = services.message_create(conversation=room, sender=user, body="nothing to see")
    mention, _ = services.message_create(conversation=room, sender=user, body="@bob look")
    registrations = domain_events._table[MessageCreated]
    assert len(registrations) >= 2

    def taken(message: Message) -> list[str]:
        event = MessageCreated(message)
        return [r.handler.__name__ for r in registrations if not r.when or r.when(event)]

    assert taken(plain) == []
    assert taken(mention) == ["message_created"]


def test_no_file_is_written_while_a_row_lock_is_held(
    user, other_user, monkeypatch, settings, tmp_path
):
    """The uploads of a batch are stored before its transaction takes the conversations' row
    locks (SELECT ... FOR UPDATE holds RowShareLock on the table until the commit)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    room = services.room_create(creator=user, name="Pictures", members=[other_user])
    storage = Message._meta.get_field("attachment").storage
    real_save = storage._save  # type: ignore[attr-defined]  # FileSystemStorage's own
    locks_at_save: list[int] = []

    def save(name, content):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()"
                " AND mode = 'RowShareLock'"
            )
            locks_at_save.append(cursor.fetchone()[0])
        return real_save(name, content)

    monkeypatch.setattr(storage, "_save", save)
    drafts = [
        services.message_draft(conversation=room, sender=user, body="first"),
        services.message_draft(
            conversation=room,
            sender=other_user,
            image=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"),
        ),
    ]
    outcomes = services.messages_store(drafts)

    stored = [o for o in outcomes if isinstance(o, tuple)]
    assert len(stored) == len(outcomes)
    assert all(new for _, new in stored)
    assert locks_at_save == [0]
    assert stored[1][0].attachment.name
    assert storage.exists(stored[1][0].attachment.name)


def test_a_refused_drafts_file_is_deleted(user, other_user, settings, tmp_path):
    """The file is stored before the batch: a draft refused in it leaves no file behind."""
    settings.MEDIA_ROOT = tmp_path / "media"
    room = services.room_create(creator=user, name="Pictures", members=[other_user])
    draft = services.message_draft(
        conversation=room,
        sender=other_user,
        image=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"),
        reply_to=10**9,  # refused inside the batch: no such message
    )
    [outcome] = services.messages_store([draft])

    assert getattr(outcome, "code", None) == "invalid_reply"
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]


def test_another_apps_link_goes_into_the_message_through_the_engine(user, other_user, sent):
    """message_annotate: the engine writes another app's key into a message's content (its
    own keys stay) and open pages redraw the message once that commits."""
    room = services.room_create(creator=user, name="Links", members=[other_user])
    message, _ = services.message_create(
        conversation=room,
        sender=user,
        content={
            "type": "video",
            "source": "youtube",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
    )
    before = dict(message.content)
    services.message_annotate(message_id=message.pk, key="record", value={"id": 7})

    message.refresh_from_db()
    assert message.content == {**before, "record": {"id": 7}}
    [updated] = [p for _g, kind, p in sent if kind == "message.updated"]
    assert updated["id"] == message.pk


async def test_a_slow_failing_handler_delays_no_other_conversations_ack(monkeypatch):
    """A MessageCreated handler that is slow and fails (tried three times) for one room: a
    message sent meanwhile in another room is acknowledged and broadcast at once, and the
    handlers still run, each after the commit of the message they are given."""
    monkeypatch.setattr(domain_events, "RETRY_BACKOFF", 0.01)
    alice = await sync_to_async(UserFactory.create)(username="alice")
    bob = await sync_to_async(UserFactory.create)(username="bob")
    slow = await sync_to_async(services.room_create)(creator=alice, name="Slow", members=[])
    quick = await sync_to_async(services.room_create)(creator=bob, name="Quick", members=[])
    seen: list[tuple[str, bool]] = []

    def stalls(event: MessageCreated) -> None:
        seen.append((event.message.body, Message.objects.filter(pk=event.message.pk).exists()))
        if event.message.conversation_id == slow.pk:
            time.sleep(0.6)
            raise RuntimeError("the handler's service is down")

    monkeypatch.setitem(domain_events._table, MessageCreated, [])
    domain_events.on(MessageCreated, stalls, retries=2)
    first, ok_first, _ = await connect(alice, f"/ws/rooms/{slow.pk}/")
    second, ok_second, _ = await connect(bob, f"/ws/rooms/{quick.pk}/")
    assert ok_first
    assert ok_second

    started = time.monotonic()
    await first.send_json_to({"type": "message.send", "body": "stalls", "client_id": "s"})
    await receive_type(first, "message.ack")
    assert time.monotonic() - started < 0.3  # its own ack does not wait for its handler
    await asyncio.sleep(0.1)  # the handler is asleep now
    started = time.monotonic()
    await second.send_json_to({"type": "message.send", "body": "quick", "client_id": "q"})
    await receive_type(second, "message.ack")
    acked = time.monotonic() - started
    await receive_type(second, "message.created", body="quick")
    assert acked < 0.3

    await writer_module.writer().settled()
    # Stored before any handler saw it; three tries for the failing one, in order.
    assert seen == [("stalls", True)] * 3 + [("quick", True)]
    await first.disconnect()
    await second.disconnect()


async def test_the_writer_waits_when_handlers_fall_too_far_behind(monkeypatch):
    """Handlers stuck for longer than HANDLER_BACKLOG batches hold the next batch back (memory
    stays bounded); once they catch up, the waiting message is stored and acknowledged."""
    monkeypatch.setattr(writer_module, "HANDLER_BACKLOG", 1)
    alice = await sync_to_async(UserFactory.create)(username="alice")
    room = await sync_to_async(services.room_create)(creator=alice, name="Backlog", members=[])
    release = threading.Event()

    def stuck(event: MessageCreated) -> None:
        release.wait(5)

    monkeypatch.setitem(domain_events._table, MessageCreated, [])
    domain_events.on(MessageCreated, stuck)
    socket, ok, _ = await connect(alice, f"/ws/rooms/{room.pk}/")
    assert ok
    for n in range(2):  # one batch's handlers run (stuck), the next one's wait: backlog full
        await socket.send_json_to({"type": "message.send", "body": f"m{n}", "client_id": f"{n}"})
        await receive_type(socket, "message.ack")
    sending = writer_module.writer().sending
    assert sending is not None
    await asyncio.wait([sending])  # the second batch's broadcast has ended
    assert len(writer_module.writer().backlog) == 2
    while not await socket.receive_nothing(0.1):  # the earlier messages' broadcasts
        await socket.receive_json_from()
    await socket.send_json_to({"type": "message.send", "body": "m2", "client_id": "2"})
    assert await socket.receive_nothing(0.5)  # no ack: m2 waits for the handlers
    stored = await sync_to_async(Message.objects.filter(conversation=room).count)()
    assert stored == 2
    release.set()
    ack = await receive_type(socket, "message.ack")
    assert ack["client_id"] == "2"
    await writer_module.writer().settled()
    await socket.disconnect()


def test_a_batchs_events_run_in_order_after_its_commit_and_never_after_a_rollback(monkeypatch):
    """record_many: one commit callback for a batch, its events dispatched in order; a rolled
    back batch dispatches none."""
    seen: list[int] = []
    monkeypatch.setitem(domain_events._table, MessageCreated, [])
    domain_events.on(MessageCreated, lambda event: seen.append(event.message.pk))
    batch = [MessageCreated(Message(pk=n)) for n in (3, 1, 2)]

    def failing_batch() -> None:
        with transaction.atomic():
            domain_events.record_many(batch)
            raise RuntimeError("the batch fails")

    with pytest.raises(RuntimeError):
        failing_batch()
    assert seen == []
    with transaction.atomic():
        domain_events.record_many(batch)
        assert seen == []  # not before the commit
    assert seen == [3, 1, 2]
