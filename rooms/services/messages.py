"""Messages: store, edit, delete and purge. ``message_create`` is the one place a message is
stored, whichever door it comes through."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from core import domain_events, events
from core.cache import rate_take, rates_take
from core.input_limits import is_id
from rooms import content as content_rules
from rooms import frames, hooks, markup, payloads, uploads
from rooms.domain_events import MessageCreated, MessageDeleted, MessageEdited
from rooms.models import Conversation, Membership, Message
from rooms.services.conversations import require_member

logger = logging.getLogger(__name__)

# --- messages -------------------------------------------------------------------------------
#
# Every door (socket, API, page, desk, command) stores messages through ``messages_store``: a
# batch of validated drafts in one transaction. Sockets hand their drafts to the process's
# writer (rooms/writer.py), which batches whatever is waiting (group commit); the other doors
# store a batch of one through ``message_create``.


@dataclass
class Draft:
    """A validated message, not stored yet (``message_draft`` builds it)."""

    conversation: Conversation
    sender: User
    content: content_rules.Content
    client_id: str | None = None
    image: UploadedFile | None = None
    extension: str | None = None
    reply_to: int | None = None  # the id of the message this one answers (same conversation)
    html: str = ""  # the body as HTML (rooms.markup), rendered here, outside the batch
    stored_as: str = ""  # the upload's name in storage, once saved (before the batch)
    # A message of the thread this one replies in (its root or a reply: it joins the root's).
    thread: int | None = None
    also_to_room: bool = False  # a thread reply shown in the conversation's list too

    def __post_init__(self) -> None:
        self.html = markup.render(self.content.body)


# What became of one draft: the stored message and whether it was new (False: a re-send of a
# stored client_id), or why it was refused (ValidationError, PermissionDenied) or failed.
Outcome = tuple[Message, bool] | Exception


def _clean_client_id(client_id: str | None) -> str | None:
    if client_id in (None, ""):
        return None
    if not isinstance(client_id, str) or len(client_id) > 64 or "\x00" in client_id:
        raise ValidationError("client_id must be text of at most 64 characters.", code="invalid")
    return client_id


def message_draft(
    *,
    conversation: Conversation,
    sender: User,
    body: str | None = None,
    content: dict[str, Any] | None = None,
    image: UploadedFile | None = None,
    file: UploadedFile | None = None,
    client_id: str | None = None,
    reply_to: Any = None,
    thread: Any = None,
    also_to_room: Any = False,
    keep_metadata: bool = False,
) -> Draft:
    """Check a message as it came in; raises ValidationError. No database work.

    The message is text (``body``), a content object as clients send it (``content``:
    text / image by URL / video), an uploaded ``image``, or an uploaded ``file`` (an image,
    or a PDF, text, office document or archive), with ``body`` as its caption. ``reply_to``:
    the id of the message it answers (checked against the conversation when stored).
    ``thread``: the id of a message whose thread this one replies in (rooms and direct
    conversations only; checked when stored); ``also_to_room``: show it in the conversation too.
    An uploaded image loses its metadata (the GPS position above all) unless the person
    chose ``keep_metadata``.
    """
    client_id = _clean_client_id(client_id)
    if reply_to is not None and not is_id(reply_to):
        raise ValidationError("reply_to must be a message id.", code="invalid_reply")
    thread, also_to_room = _thread_clean(conversation, thread, also_to_room)
    if image is not None or file is not None:
        if image is not None:
            extension, width, height = content_rules.clean_image_file(image)
            kind: str = Message.Kind.IMAGE
            data: dict[str, Any] = {"width": width, "height": height}
            upload = image
        else:
            assert file is not None
            kind, extension, data = content_rules.clean_file(file)
            upload = file
        if kind == Message.Kind.IMAGE and not keep_metadata:
            upload, data["width"], data["height"] = content_rules.image_metadata_strip(upload)
        if kind == Message.Kind.IMAGE:  # an uploaded image is named in the file list
            data["name"] = content_rules.file_name_clean(upload.name, extension=extension)
            data["size"] = upload.size or 0
        caption = content_rules.clean_text(body) if body and body.strip() else ""
        cleaned = content_rules.Content(kind=kind, body=caption, data=data)
        return Draft(
            conversation, sender, cleaned, client_id, upload, extension, reply_to,
            thread=thread, also_to_room=also_to_room,
        )  # fmt: skip
    if content is not None:
        cleaned = content_rules.clean_content(content)
    else:
        cleaned = content_rules.Content(kind=Message.Kind.TEXT, body=content_rules.clean_text(body))
    return Draft(
        conversation, sender, cleaned, client_id, reply_to=reply_to,
        thread=thread, also_to_room=also_to_room,
    )  # fmt: skip


THREAD_KINDS = (Conversation.Kind.ROOM, Conversation.Kind.DIRECT)
INVALID_THREAD = "invalid_thread"  # the ValidationError code (API subcode 4023, socket error)


def _thread_clean(
    conversation: Conversation, thread: Any, also_to_room: Any
) -> tuple[int | None, bool]:
    """The shape of a thread reply's fields; whether the thread exists is checked when stored."""
    if not isinstance(also_to_room, bool):
        raise ValidationError("also_to_room must be true or false.", code=INVALID_THREAD)
    if thread is None:
        return None, False  # "also to the room" means nothing outside a thread
    if not is_id(thread):
        raise ValidationError("thread must be a message id.", code=INVALID_THREAD)
    if conversation.kind not in THREAD_KINDS:
        raise ValidationError("This conversation has no threads.", code=INVALID_THREAD)
    return int(thread), also_to_room


def message_create(
    *,
    conversation: Conversation,
    sender: User,
    body: str | None = None,
    content: dict[str, Any] | None = None,
    image: UploadedFile | None = None,
    file: UploadedFile | None = None,
    client_id: str | None = None,
    reply_to: int | None = None,
    thread: int | None = None,
    also_to_room: bool = False,
    keep_metadata: bool = False,
) -> tuple[Message, bool]:
    """Store one message and broadcast it once committed. Returns (message, created).

    A repeated ``client_id`` from the same sender returns the stored message, created=False,
    and broadcasts nothing: re-sends after a timeout never store twice. Refusals raise.
    """
    draft = message_draft(
        conversation=conversation,
        sender=sender,
        body=body,
        content=content,
        image=image,
        file=file,
        client_id=client_id,
        reply_to=reply_to,
        thread=thread,
        also_to_room=also_to_room,
        keep_metadata=keep_metadata,
    )
    outcome = messages_store([draft])[0]
    if isinstance(outcome, Exception):
        raise outcome
    message, created = outcome
    if created:
        # After the caller's transaction too, when there is one (a ticket's first images).
        events.broadcast_on_commit(*message_created_event(message))
    return message, created


def message_created_event(message: Message) -> tuple[str, str, payloads.MessagePayload]:
    """The broadcast of a stored message: (group, event type, payload)."""
    return (
        events.conversation_group(message.conversation_id),
        frames.MESSAGE_CREATED,
        payloads.message_payload(message),
    )


def messages_store(drafts: list[Draft]) -> list[Outcome]:
    """Store a batch of drafts; one outcome per draft, in order. Broadcasts nothing: the caller
    broadcasts what was created, after this returns (committed).

    Before the transaction, with no row lock held: the checks other apps registered for the
    conversation's kind (rooms.hooks.message_checks; a refusal refuses that draft only), and
    the uploads are written to storage. What a new message sets off (notifications, other
    apps' reactions) runs after the commit, as handlers of MessageCreated.

    Cost per batch, whatever its size: one query for re-sent client_ids, one Redis pipeline
    for the rate counters, then one transaction: the conversations' row locks (their
    ``last_seq``) with the senders' memberships in one statement, one multi-row insert, and
    the updates of the conversations and of the senders' read markers (one statement on
    PostgreSQL). If that transaction fails half-way (a ticket closed meanwhile, a concurrent
    re-send, the database), it rolls back and each draft is stored on its own: every draft
    ends stored, or refused with its reason. Nothing is half-stored, and the file of a draft
    that ends refused is deleted.
    """
    outcomes: list[Outcome | None] = [None] * len(drafts)
    repeats = _resends_find(drafts, outcomes)
    _rates_take(drafts, outcomes)
    _checks_run(drafts, outcomes)
    todo = [i for i, o in enumerate(outcomes) if o is None]
    try:
        _files_store(drafts, todo)
        _write(drafts, todo, outcomes)
    finally:
        uploads.discard(
            [
                drafts[i].stored_as
                for i in todo
                if drafts[i].stored_as and not isinstance(outcomes[i], tuple)
            ]
        )
    for repeat, first in repeats.items():  # the same client_id twice in one batch
        outcome = outcomes[first]
        outcomes[repeat] = (outcome[0], False) if isinstance(outcome, tuple) else outcome
    return outcomes  # type: ignore[return-value]  # every slot is filled by now


def _resends_find(drafts: list[Draft], outcomes: list[Outcome | None]) -> dict[int, int]:
    """Answer drafts whose (sender, client_id) is stored already; returns repeats inside the
    batch (index -> first index). The unique constraint still guards a concurrent re-send."""
    keyed = {(d.sender.pk, d.client_id) for d in drafts if d.client_id is not None}
    stored: dict[tuple[int | None, str | None], Message] = {}
    if keyed:
        senders, client_ids = list({s for s, _ in keyed}), list({c for _, c in keyed})
        found = _select(
            f"SELECT id, sender_id, client_id FROM {_table(Message)} "  # noqa: S608 - our names
            f"WHERE sender_id IN ({_marks(senders)}) AND client_id IN ({_marks(client_ids)})",
            [*senders, *client_ids],
        )
        hits = [pk for pk, sender_id, client_id in found if (sender_id, client_id) in keyed]
        if hits:  # a re-send: rare, so the whole rows only then
            resent = Message.objects.select_related("sender").filter(pk__in=hits)
            stored = {(m.sender_id, m.client_id): m for m in resent}
    first: dict[tuple[int, str], int] = {}
    repeats: dict[int, int] = {}
    for i, draft in enumerate(drafts):
        if draft.client_id is None:
            continue
        key = (draft.sender.pk, draft.client_id)
        if key in stored:
            outcomes[i] = (stored[key], False)
        elif key in first:
            repeats[i] = first[key]
            outcomes[i] = ValidationError("repeat")  # a placeholder, filled in at the end
        else:
            first[key] = i
    return repeats


def _rates_take(drafts: list[Draft], outcomes: list[Outcome | None]) -> None:
    """Count each new message against its sender's rate (shared by every door, socket and
    server process), in one round trip. While Redis is away the limit fails open."""
    todo = [i for i, o in enumerate(outcomes) if o is None]
    allowed = rates_take(
        scope="messages",
        whos=[drafts[i].sender.pk for i in todo],
        limit=settings.UCHAT_MESSAGE_RATE,
        window=settings.UCHAT_MESSAGE_RATE_WINDOW,
    )
    for i, ok in zip(todo, allowed, strict=True):
        if not ok:
            outcomes[i] = ValidationError(MESSAGE_RATE_REFUSAL, code="rate_limited")


MESSAGE_RATE_REFUSAL = "You are sending messages too fast. Wait a moment and send again."


def _checks_run(drafts: list[Draft], outcomes: list[Outcome | None]) -> None:
    """The checks registered for each draft's conversation kind, one draft at a time and
    outside any batch: a refusal (or a failing check) refuses its own draft only."""
    for i, draft in enumerate(drafts):
        if outcomes[i] is not None:
            continue
        try:
            for check in hooks.message_checks.get(draft.conversation.kind, ()):
                check(conversation=draft.conversation, sender=draft.sender)
        except (ValidationError, PermissionDenied) as exc:
            outcomes[i] = exc
        except Exception as exc:
            logger.warning("a message check failed: %r", exc)
            outcomes[i] = exc


def _files_store(drafts: list[Draft], todo: list[int]) -> None:
    """Write the uploads before the transaction: no row lock waits on storage. Each is
    recorded as pending first (rooms.uploads), for the sweep should the process die before
    the message's transaction claims it."""
    field = Message._meta.get_field("attachment")
    names: dict[int, str] = {}
    for i in todo:
        draft = drafts[i]
        if draft.image is not None and not draft.stored_as:
            # A name of our own: the uploaded name and declared type are never trusted.
            names[i] = field.generate_filename(None, f"{uuid.uuid4().hex}.{draft.extension}")
    uploads.pending_add(list(names.values()))
    for i, name in names.items():
        draft = drafts[i]
        assert draft.image is not None
        draft.stored_as = default_storage.save(name, draft.image)
        uploads.written(draft.stored_as)  # an enclosing write that fails removes it


def _write(drafts: list[Draft], todo: list[int], outcomes: list[Outcome | None]) -> None:
    if not todo:
        return
    try:
        with transaction.atomic():
            _insert(drafts, todo, outcomes)
        return
    except Exception as exc:
        if len(todo) == 1:
            outcomes[todo[0]] = _failure(drafts[todo[0]], exc)
            return
        logger.info("a batch of %d messages failed (%r); storing each alone", len(todo), exc)
    for i in todo:
        outcomes[i] = None
        _write(drafts, [i], outcomes)


def _failure(draft: Draft, exc: Exception) -> Outcome:
    if isinstance(exc, IntegrityError) and draft.client_id is not None:
        # Two concurrent sends with one client_id (another process): the stored one wins.
        existing = (
            Message.objects.select_related("sender")
            .filter(sender=draft.sender, client_id=draft.client_id)
            .first()
        )
        if existing is not None:
            return existing, False
    if not isinstance(exc, ValidationError | PermissionDenied):
        logger.warning("a message could not be stored: %r", exc)
    return exc


def _insert(drafts: list[Draft], todo: list[int], outcomes: list[Outcome | None]) -> None:
    """Inside the batch's transaction."""
    pairs = {(drafts[i].conversation.pk, drafts[i].sender.pk) for i in todo}
    # One statement: the conversations' row locks and the senders' memberships (members still
    # active: a socket opened before a deactivation holds a stale user object). The locks
    # serialise writers of one conversation, taken in id order (no deadlock between batches):
    # ids commit in increasing order and each message gets the next gap-free sequence number
    # of its conversation. The checks below read under them.
    to_lock, user_ids = sorted({c for c, _ in pairs}), list({u for _, u in pairs})
    if connection.features.has_select_for_update_of:
        lock = " FOR UPDATE OF c"
    else:
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    rows = _select(
        f"SELECT c.id, c.last_seq, c.notify_all, m.id, m.user_id FROM {_table(Conversation)} c "  # noqa: S608 - our names
        f"LEFT JOIN {_table(Membership)} m ON m.conversation_id = c.id "
        f"AND m.user_id IN ({_marks(user_ids)}) AND EXISTS (SELECT 1 FROM {_table(User)} u "
        f"WHERE u.id = m.user_id AND u.is_active) "
        f"WHERE c.id IN ({_marks(to_lock)}) ORDER BY c.id" + lock,
        [*user_ids, *to_lock],
    )
    memberships = {(c, u): m for c, _, _, m, u in rows if m is not None}
    allowed = []
    for i in todo:
        if (drafts[i].conversation.pk, drafts[i].sender.pk) in memberships:
            allowed.append(i)
        else:
            outcomes[i] = PermissionDenied("You are not a member of this conversation.")
    answered = _replies_check(drafts, allowed, outcomes)
    roots = _threads_check(drafts, allowed, outcomes)
    allowed = [i for i in allowed if outcomes[i] is None]
    if not allowed:
        return
    locked = {(c, seq, flag) for c, seq, flag, _, _ in rows}
    last_seq = {pk: seq for pk, seq, _ in locked}
    # Fresh under the lock, for rooms.services.notify's ``when`` test (no query of its own).
    notify_all = {pk: bool(flag) for pk, _, flag in locked}  # SQLite answers 0 or 1
    messages = []
    for i in allowed:
        draft = drafts[i]
        conversation_id = draft.conversation.pk
        draft.conversation.notify_all = notify_all[conversation_id]
        last_seq[conversation_id] += 1
        message = Message(
            conversation=draft.conversation,
            seq=last_seq[conversation_id],
            sender=draft.sender,
            kind=draft.content.kind,
            body=draft.content.body,
            html=draft.html,
            content=draft.content.data,
            client_id=draft.client_id,
            reply_to=answered.get(draft.reply_to) if draft.reply_to else None,
            thread_id=roots[draft.thread] if draft.thread else None,
            also_to_room=draft.also_to_room,
            attachment=draft.stored_as,
        )
        messages.append(message)
    uploads.claim([m.attachment.name for m in messages if m.attachment])
    Message.objects.bulk_create(messages)  # ids come back (RETURNING) on PostgreSQL and SQLite
    newest: dict[int, Message] = {}
    read: dict[int, int] = {}  # membership -> the sender's newest message: read by its sender
    for i, message in zip(allowed, messages, strict=True):
        newest[message.conversation_id] = message
        read[memberships[(message.conversation_id, drafts[i].sender.pk)]] = message.pk
    _rows_set(
        (
            Conversation,
            {c: (m.seq, m.pk) for c, m in newest.items()},
            ("last_seq", "last_message_id"),
        ),
        (Membership, {pk: (m,) for pk, m in read.items()}, ("last_read_message_id",)),
    )
    _thread_counters_update([m for m in messages if m.thread_id is not None])
    for i, message in zip(allowed, messages, strict=True):
        outcomes[i] = (message, True)
    # After the commit, in order; not on a rollback.
    domain_events.record_many([MessageCreated(message) for message in messages])


def _replies_check(
    drafts: list[Draft], allowed: list[int], outcomes: list[Outcome | None]
) -> dict[int, Message]:
    """The messages being answered, by id (one query, none when nothing is a reply). A reply
    to a message of another conversation, or to a deleted one, is refused."""
    ids = {drafts[i].reply_to for i in allowed if drafts[i].reply_to}
    if not ids:
        return {}
    found = Message.objects.select_related("sender").filter(pk__in=ids, deleted_at__isnull=True)
    answered = {m.pk: m for m in found}
    for i in allowed:
        wanted = drafts[i].reply_to
        if wanted is None:
            continue
        target = answered.get(wanted)
        if target is None or target.conversation_id != drafts[i].conversation.pk:
            outcomes[i] = ValidationError(
                "The message you are replying to is not in this conversation (or was deleted).",
                code="invalid_reply",
            )
    return answered


def _threads_check(
    drafts: list[Draft], allowed: list[int], outcomes: list[Outcome | None]
) -> dict[int, int]:
    """Each named thread message's root id (one query, none when nothing is a thread reply).
    A reply to a reply joins the root's thread. Refused: a message of another conversation
    or of a conversation without threads, and a deleted message that has no thread yet."""
    ids = {drafts[i].thread for i in allowed if drafts[i].thread}
    if not ids:
        return {}
    found = {
        pk: (conversation_id, thread_id, deleted_at, reply_count)
        for pk, conversation_id, thread_id, deleted_at, reply_count in Message.objects.filter(
            pk__in=ids
        ).values_list("pk", "conversation_id", "thread_id", "deleted_at", "reply_count")
    }
    roots: dict[int, int] = {}
    for i in allowed:
        wanted = drafts[i].thread
        if wanted is None:
            continue
        row = found.get(wanted)
        conversation = drafts[i].conversation
        if (
            row is None
            or row[0] != conversation.pk
            or conversation.kind not in THREAD_KINDS
            or (row[1] is None and row[2] is not None and not row[3])
        ):
            outcomes[i] = ValidationError(
                "That thread is not in this conversation (or its message was deleted).",
                code=INVALID_THREAD,
            )
            continue
        roots[wanted] = row[1] or wanted
    return roots


def _thread_counters_update(replies: list[Message]) -> None:
    """Inside the batch's transaction, under the conversations' row locks (which serialise
    every writer of a thread's counters): each root's reply count, last reply time and
    participants. One query for the roots, one UPDATE per thread."""
    if not replies:
        return
    roots = {
        pk: (count, participants, sender_id)
        for pk, count, participants, sender_id in Message.objects.filter(
            pk__in={m.thread_id for m in replies}
        ).values_list("pk", "reply_count", "thread_participants", "sender_id")
    }
    changed: dict[int, tuple[int, list[int], datetime]] = {}
    for reply in replies:
        assert reply.thread_id is not None
        stored_count, stored, author = roots[reply.thread_id]
        count, participants, _ = changed.get(reply.thread_id) or (
            stored_count,
            list(stored or ([author] if author is not None else [])),
            reply.created_at,
        )
        sender = reply.sender_id
        room_left = len(participants) < Message.THREAD_PARTICIPANTS
        if sender is not None and sender not in participants and room_left:
            participants.append(sender)
        changed[reply.thread_id] = (count + 1, participants, reply.created_at)
    for pk, (count, participants, last) in changed.items():
        Message.objects.filter(pk=pk).update(
            reply_count=count, thread_participants=participants, last_reply_at=last
        )


# The batch's reads are written out in SQL (portable: no database's own syntax; FOR UPDATE
# only where the database has it): the ORM built the same statements at several times the
# CPU, once per batch on the writer's one thread.
def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _select(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


RowsSet = tuple[type[models.Model], dict[int, tuple[int, ...]], tuple[str, ...]]


def _rows_set(*updates: RowsSet) -> None:
    """For each (model, {id: values}, columns): ``UPDATE <table> SET <column> = CASE id WHEN
    ... END, ... WHERE id IN (...)``, one statement for the whole batch (Django's bulk_update
    builds the same SQL at several times the CPU, measured in docs/performance.md). Integers
    only. On PostgreSQL the updates of several tables go in one statement (each its own
    ``WITH`` clause: one round trip); elsewhere one after another."""
    statements = [_rows_set_sql(*update) for update in updates if update[1]]
    if connection.vendor == "postgresql" and len(statements) > 1:
        clauses = ", ".join(f"u{n} AS ({sql})" for n, (sql, _) in enumerate(statements))
        statements = [(f"WITH {clauses} SELECT 1", [p for _, ps in statements for p in ps])]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _rows_set_sql(
    model: type[models.Model], values: dict[int, tuple[int, ...]], columns: tuple[str, ...]
) -> tuple[str, list[int]]:
    table = connection.ops.quote_name(model._meta.db_table)
    ids = list(values)
    cases, params = [], []
    for n, column in enumerate(columns):
        whens = " ".join(["WHEN %s THEN CAST(%s AS BIGINT)"] * len(ids))
        cases.append(f"{connection.ops.quote_name(column)} = CASE id {whens} END")
        for pk in ids:
            params += [pk, values[pk][n]]
    marks = ", ".join(["%s"] * len(ids))
    sql = f"UPDATE {table} SET {', '.join(cases)} WHERE id IN ({marks})"  # noqa: S608 - names are ours, values are parameters
    return sql, [*params, *ids]


def _message_for_change(*, message_id: int, conversation: Conversation) -> Message:
    message = (
        Message.objects.select_related("sender")
        .select_for_update(of=("self",))
        .filter(pk=message_id, conversation=conversation)
        .first()
    )
    if message is None or message.is_deleted:
        raise ValidationError("That message does not exist.", code="not_found")
    return message


@transaction.atomic
def message_edit(
    *, conversation: Conversation, message_id: int, editor: User, body: str
) -> Message:
    """Change the text of your own message; everyone in the conversation sees it live."""
    require_member(user=editor, conversation=conversation)
    body = content_rules.clean_text(body)
    # An edit reaches everyone like a message does.
    rate_take(
        scope="messages",
        who=editor.pk,
        limit=settings.UCHAT_MESSAGE_RATE,
        window=settings.UCHAT_MESSAGE_RATE_WINDOW,
        message=MESSAGE_RATE_REFUSAL,
    )
    message = _message_for_change(message_id=message_id, conversation=conversation)
    if message.sender_id != editor.pk:
        raise PermissionDenied("You can only edit your own messages.")
    if message.kind != Message.Kind.TEXT:
        raise ValidationError("Only text messages can be edited.", code="invalid")
    if message.body != body:
        message.body = body
        message.html = markup.render(body)
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "html", "edited_at"])
        domain_events.record(MessageEdited(message))
    return message


@transaction.atomic
def message_delete(*, conversation: Conversation, message_id: int, actor: User) -> Message:
    """Delete your own message (room admins may delete any). The row stays as a tombstone so
    that history pages keep their ids; the text is gone."""
    membership = require_member(user=actor, conversation=conversation)
    message = _message_for_change(message_id=message_id, conversation=conversation)
    if message.sender_id != actor.pk and not membership.is_admin:
        raise PermissionDenied("You can only delete your own messages.")
    return _message_tombstone(message)


@transaction.atomic
def message_delete_as_staff(*, message: Message) -> Message:
    """Staff moderation from the admin site: no membership needed."""
    message = _message_for_change(message_id=message.pk, conversation=message.conversation)
    return _message_tombstone(message)


def _message_tombstone(message: Message) -> Message:
    if message.thread_id is not None:
        # A deleted reply no longer counts. Under the conversation's row lock, as every
        # writer of a root's counters (messages_store).
        list(Conversation.objects.select_for_update().filter(pk=message.conversation_id))
        Message.objects.filter(pk=message.thread_id, reply_count__gt=0).update(
            reply_count=F("reply_count") - 1
        )
    if message.attachment:  # a deleted file is gone, not just hidden: once this commits
        uploads.files_delete_on_commit([message.attachment.name])
        message.attachment = ""
    message.content = {}
    message.body = message.html = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["body", "html", "content", "attachment", "deleted_at"])
    domain_events.record(MessageDeleted(message))
    return message


def messages_purge(
    *, before: datetime, conversation: Conversation | None = None, dry_run: bool = True
) -> int:
    """Hard-delete messages created before ``before``; returns how many (would be) deleted."""
    messages = Message.objects.filter(created_at__lt=before)
    if conversation is not None:
        messages = messages.filter(conversation=conversation)
    count = messages.count()
    if not dry_run and count:
        with transaction.atomic():
            files = messages.exclude(attachment="").values_list("attachment", flat=True)
            uploads.files_delete_on_commit(list(files))
            Conversation.objects.filter(last_message__in=messages).update(last_message=None)
            messages.delete()
            _last_message_repair()
    return count


def _last_message_repair() -> None:
    for conversation in Conversation.objects.filter(last_message__isnull=True).annotate(
        newest=Max("messages__id")
    ):
        if conversation.newest is not None:
            Conversation.objects.filter(pk=conversation.pk).update(
                last_message_id=conversation.newest
            )


@transaction.atomic
def message_annotate(*, message_id: int, key: str, value: dict[str, Any]) -> Message:
    """Another app links a message to something of its own (a record made from it): ``value``
    goes into the message's content under ``key``, and open pages redraw the message once
    the change commits."""
    message = (
        Message.objects.select_for_update(of=("self",)).select_related("sender").get(pk=message_id)
    )
    message.content = {**message.content, key: value}
    message.save(update_fields=["content"])
    domain_events.record(MessageEdited(message))
    return message


def message_broadcast(event: MessageEdited | MessageDeleted) -> None:
    """Handler: open pages redraw an edited, annotated or deleted message."""
    message = event.message
    events.broadcast(
        [events.conversation_group(message.conversation_id)],
        frames.MESSAGE_DELETED if isinstance(event, MessageDeleted) else frames.MESSAGE_UPDATED,
        payloads.message_payload(message),
    )
