"""The one wire shape of each object, shared by pages, the API and WebSocket frames."""

from typing import Any, TypedDict

from django.urls import reverse

from accounts.payloads import PersonPayload, person_payload
from rooms import kinds
from rooms.models import Conversation, Membership, Message
from rooms.notify_levels import membership_level
from rooms.search import Hit as SearchHit
from rooms.selectors import DirectoryRoom


class MessagePayload(TypedDict):
    id: int
    conversation: int
    seq: int
    sender: PersonPayload | None
    body: str
    html: str
    content: dict[str, Any] | None
    client_id: str | None
    created_at: str
    edited_at: str | None
    deleted: bool
    reactions: list[dict[str, Any]]
    reply_to: dict[str, Any] | None
    thread: int | None  # the thread's root message (null: not a thread reply)
    also_to_room: bool
    # A thread's root (0, null and [] for any other message): kept live by thread.updated.
    reply_count: int
    last_reply_at: str | None
    thread_participants: list[int]


class MemberPayload(TypedDict):
    user: PersonPayload
    is_admin: bool
    online: bool


class RoomPayload(TypedDict):
    id: int
    kind: str
    name: str
    topic: str
    visibility: str  # "public" or "private" (rooms.models.Visibility; other kinds: private)
    open_to_customers: bool


def message_payload(
    message: Message, *, reactions: list[dict[str, Any]] | None = None
) -> MessagePayload:
    """Needs ``sender`` loaded (select_related) to avoid a query per message. ``reactions``:
    this message's for one reader (rooms.selectors.reactions_for); broadcasts leave them out
    (empty), and clients keep what they have (docs/websocket.md)."""
    deleted = message.deleted_at is not None
    payload: MessagePayload = {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": person_payload(message.sender) if message.sender is not None else None,
        "body": "" if deleted else message.body,
        # The body as sanitised HTML (rooms.markup): what pages show. ``body`` stays raw.
        "html": "" if deleted else message.html,
        "content": None if deleted else content_payload(message),
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
        "reactions": [] if deleted or reactions is None else reactions,
        "reply_to": None if deleted else reply_payload(message),
        # A deleted root keeps its thread: these stay.
        "thread": message.thread_id,
        "also_to_room": message.also_to_room,
        "reply_count": message.reply_count,
        "last_reply_at": message.last_reply_at.isoformat() if message.last_reply_at else None,
        "thread_participants": list(message.thread_participants or []),
    }
    # Fields the conversation kinds add (rooms.kinds), after the engine's own: a kind cannot
    # overwrite those.
    for key, value in kinds.message_extras(message, deleted=deleted).items():
        payload.setdefault(key, value)  # type: ignore[misc]
    return payload


def reply_payload(message: Message) -> dict[str, Any] | None:
    """What a reply quotes of the message it answers: who, and the start of what they said.
    Needs ``reply_to__sender`` loaded (select_related) when listing."""
    if message.reply_to_id is None or message.reply_to is None:
        return None
    quoted = message.reply_to
    gone = quoted.deleted_at is not None
    text = "message deleted" if gone else (quoted.body or f"[{quoted.kind}]")
    return {
        "id": quoted.pk,
        "sender": person_payload(quoted.sender) if quoted.sender is not None else None,
        "text": text[:140] + ("…" if len(text) > 140 else ""),
    }


def message_payloads(
    messages: list[Message], *, reactions: dict[int, list[dict[str, Any]]]
) -> list[MessagePayload]:
    """A page of messages for one reader, with their reactions."""
    return [message_payload(m, reactions=reactions.get(m.pk, [])) for m in messages]


def member_payload(membership: Membership, *, online: bool) -> MemberPayload:
    return {
        "user": person_payload(membership.user),
        "is_admin": membership.is_admin,
        "online": online,
    }


def room_payload(conversation: Conversation) -> RoomPayload:
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "name": conversation.name,
        "topic": conversation.topic,
        "visibility": conversation.visibility,
        "open_to_customers": conversation.open_to_customers,
    }


class DirectoryRoomPayload(TypedDict):
    id: int
    name: str
    topic: str
    members: int
    last_activity: str
    joined: bool
    url: str


def directory_room_payload(entry: DirectoryRoom) -> DirectoryRoomPayload:
    """A row of the room directory (rooms.selectors.directory_rooms)."""
    room = entry.room
    return {
        "id": room.pk,
        "name": room.name,
        "topic": room.topic,
        "members": entry.members,
        "last_activity": entry.last_activity.isoformat(),
        "joined": entry.joined,
        "url": reverse("rooms:detail", args=[room.pk]),
    }


def content_payload(message: Message) -> dict[str, Any]:
    """The seed chat server's content object: {"type": "text", "text"} and so on."""
    if message.kind == Message.Kind.TEXT:
        return {"type": "text", "text": message.body}
    data: dict[str, Any] = {"type": message.kind, **message.content}
    if message.attachment:
        data["url"] = reverse("attachment", args=[message.pk])
    if message.body:
        data["caption"] = message.body
    return data


class DirectMessagePayload(TypedDict):
    id: int
    sender: int | None
    recipient: int
    timestamp: str
    content: dict[str, Any] | None
    html: str


def direct_message_payload(message: Message, *, recipient_id: int) -> DirectMessagePayload:
    """The seed chat server's message shape (ids for people), used by /api/messages."""
    full = message_payload(message)
    return {
        "id": full["id"],
        "sender": message.sender_id,
        "recipient": recipient_id,
        "timestamp": full["created_at"],
        "content": full["content"],
        "html": full["html"],
    }


def search_hit_payload(hit: SearchHit) -> dict[str, Any]:
    """One search result: where it is, who wrote it, and the highlighted snippet (``html``,
    escaped text with <mark> around matches). ``url`` opens the conversation around it; a
    thread reply's opens its thread too (``thread``: the root's id)."""
    message = hit.message
    url = reverse("conversation", args=[message.conversation_id])
    if message.thread_id is not None:
        url += f"?thread={message.thread_id}&around={message.pk}"
    else:
        url += f"?around={message.pk}"
    return {
        "conversation": message.conversation_id,
        "conversation_kind": message.conversation.kind,
        "conversation_name": hit.title,
        "id": message.pk,
        "seq": message.seq,
        "sender": person_payload(message.sender) if message.sender is not None else None,
        "created_at": message.created_at.isoformat(),
        "html": hit.html,
        "thread": message.thread_id,
        "url": url,
    }


class NotifyPayload(TypedDict):
    level: str
    muted_until: str | None


def membership_notify_payload(membership: Membership, *, kind: str | None = None) -> NotifyPayload:
    """A member's notification setting in one conversation (the effective level; ``kind``
    saves looking the conversation up)."""
    return {
        "level": membership_level(membership, kind=kind),
        "muted_until": membership.muted_until.isoformat() if membership.muted_until else None,
    }
