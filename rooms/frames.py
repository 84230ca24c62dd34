"""Every socket frame of the message engine, both ways, with its type name (docs/websocket.md
lists exactly these, and the conversation kinds' own: tests/test_frames.py checks both ways).

A frame the server sends is also the channel-layer event that carries it (core.events.event
wraps it in a ``LayerEvent``): the event's type is the frame's. A conversation kind defines its
own frames in its app (the desk's in tickets/frames.py) and lists them in ``SERVER_FRAMES`` of
that module. The lower layers' frames are defined where they are sent (accounts/frames.py,
notifications/frames.py) and listed here. Names are constants: the consumers, services and
tests use these, not strings.
"""

from typing import Any, NotRequired, TypedDict

from accounts.frames import ACCESS_REVOKED, AccessRevoked
from accounts.payloads import PersonPayload
from notifications.frames import (
    NOTIFICATION_CREATED,
    NOTIFICATION_READ,
    NotificationCreated,
    NotificationRead,
)
from rooms.payloads import MemberPayload, MessagePayload, RoomPayload

# --- client → server --------------------------------------------------------------------------

PING = "ping"
SUBSCRIBE = "subscribe"
MESSAGE_SEND = "message.send"
MESSAGE_EDIT = "message.edit"
MESSAGE_DELETE = "message.delete"
REACTION_ADD = "reaction.add"
REACTION_REMOVE = "reaction.remove"
SYNC = "sync"  # both ways: the request, and the page that answers it
READ = "read"
TYPING = "typing"  # both ways: "I am typing", and who is
PRESENCE_WATCH = "presence.watch"  # the people whose presence this socket follows


class Ping(TypedDict):
    type: str


class Subscribe(TypedDict):
    type: str
    conversation: int


class MessageSend(TypedDict):
    type: str
    body: NotRequired[str]
    content: NotRequired[dict[str, Any]]
    client_id: NotRequired[str | None]
    reply_to: NotRequired[int]
    thread: NotRequired[int]  # a message of the thread this replies in (rooms, direct)
    also_to_room: NotRequired[bool]


class MessageEdit(TypedDict):
    type: str
    id: int
    body: str


class MessageDelete(TypedDict):
    type: str
    id: int


class ReactionChange(TypedDict):
    type: str
    id: int
    emoji: str


class SyncRequest(TypedDict):
    type: str
    after_seq: NotRequired[int]
    after_id: NotRequired[int]


class Read(TypedDict):
    type: str
    id: int


class TypingRequest(TypedDict):
    type: str
    thread: NotRequired[int]  # typing in this thread's composer (its root's id)


class PresenceWatch(TypedDict):
    type: str
    users: list[int]  # replaces the socket's watched set (at most UCHAT_PRESENCE_WATCH_MAX)


CLIENT_FRAMES: dict[str, type] = {
    PING: Ping,
    SUBSCRIBE: Subscribe,
    MESSAGE_SEND: MessageSend,
    MESSAGE_EDIT: MessageEdit,
    MESSAGE_DELETE: MessageDelete,
    REACTION_ADD: ReactionChange,
    REACTION_REMOVE: ReactionChange,
    SYNC: SyncRequest,
    READ: Read,
    TYPING: TypingRequest,
    PRESENCE_WATCH: PresenceWatch,
}

# --- server → client (and the channel-layer events that carry them) ---------------------------

MESSAGE_ACK = "message.ack"
MESSAGE_CREATED = "message.created"
MESSAGE_UPDATED = "message.updated"
MESSAGE_DELETED = "message.deleted"
SUBSCRIBED = "subscribed"
REACTION_UPDATED = "reaction.updated"
PRESENCE = "presence"
PRESENCE_STATE = "presence.state"
MEMBER_ADDED = "member.added"
MEMBER_UPDATED = "member.updated"
MEMBER_REMOVED = "member.removed"
ROOM_UPDATED = "room.updated"
ROOM_DELETED = "room.deleted"
ERROR = "error"
PONG = "pong"
THREAD_UPDATED = "thread.updated"
THREAD_UNREAD = "thread.unread"


class MessageAck(TypedDict):
    type: str
    client_id: str | None
    duplicate: bool
    message: MessagePayload


class SyncPage(TypedDict):
    type: str
    after_seq: NotRequired[int]
    after_id: NotRequired[int]
    messages: list[MessagePayload]
    has_more: bool


class Subscribed(TypedDict):
    type: str
    conversation: int


class Typing(TypedDict):
    conversation: int
    user: PersonPayload
    thread: NotRequired[int]  # typing in a thread (its root's id)


class ThreadUpdated(TypedDict):
    """A thread's root changed: to the conversation, after each reply."""

    conversation: int
    message: int  # the root
    reply_count: int
    last_reply_at: str | None
    thread_participants: list[int]


class ThreadUnread(TypedDict):
    """To one person's own sockets, when their unread count of a thread changed."""

    conversation: int
    message: int  # the root
    unread: int  # unread replies in this thread (0 when not following it)
    total: int  # unread replies over every thread they follow


class ReactionUpdated(TypedDict):
    conversation: int
    message: int
    emoji: str
    count: int
    user_id: int
    added: bool


class Presence(TypedDict):
    user_id: int
    online: bool


class PresenceState(TypedDict):
    """The answer to ``presence.watch``: which of the watched people are online now."""

    type: str
    online: list[int]


class MemberChanged(TypedDict):
    room: RoomPayload
    member: MemberPayload


class MemberRemoved(TypedDict):
    room: RoomPayload
    user_id: int
    notice: str  # why, for the removed person to read; "" when nothing more is said


class Error(TypedDict):
    type: str
    code: str
    message: str


class Pong(TypedDict):
    type: str


# Broadcast frames' payloads have no "type" of their own: core.events.event adds it.
SERVER_FRAMES: dict[str, type] = {
    MESSAGE_ACK: MessageAck,
    MESSAGE_CREATED: MessagePayload,
    MESSAGE_UPDATED: MessagePayload,
    MESSAGE_DELETED: MessagePayload,
    SYNC: SyncPage,
    SUBSCRIBED: Subscribed,
    TYPING: Typing,
    REACTION_UPDATED: ReactionUpdated,
    PRESENCE: Presence,
    PRESENCE_STATE: PresenceState,
    MEMBER_ADDED: MemberChanged,
    MEMBER_UPDATED: MemberChanged,
    MEMBER_REMOVED: MemberRemoved,
    ROOM_UPDATED: RoomPayload,
    ROOM_DELETED: RoomPayload,
    THREAD_UPDATED: ThreadUpdated,
    THREAD_UNREAD: ThreadUnread,
    NOTIFICATION_CREATED: NotificationCreated,
    NOTIFICATION_READ: NotificationRead,
    ACCESS_REVOKED: AccessRevoked,
    ERROR: Error,
    PONG: Pong,
}
