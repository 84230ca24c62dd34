"""Where other apps plug into the message engine. The engine names no app above it: they add
their hooks in their AppConfig.ready(), and the engine calls whatever is registered.

What happens after a message is committed is not a hook: it is a handler of
rooms.domain_events.MessageCreated, in core.domain_events' table."""

from typing import Any, Protocol

from accounts.models import User
from core.hooks import register
from rooms.models import Conversation


class MessageCheck(Protocol):
    def __call__(self, *, conversation: Conversation, sender: User) -> None: ...


class UserHook(Protocol):
    def __call__(self, *, user: User) -> None: ...


# By conversation kind. Run for each draft before its batch's transaction, with no row lock
# held: a check raises ValidationError (or PermissionDenied) to refuse that one message; the
# other messages of the batch are stored all the same.
message_checks: dict[str, list[MessageCheck]] = {}


class SocketFrame(Protocol):
    """A frame type a higher app takes on ``/ws/me/``: run in a worker thread, outside any
    transaction; raises ValidationError or PermissionDenied to answer with an error frame."""

    def __call__(self, *, user: User, socket: str, content: dict[str, Any]) -> None: ...


class SocketHook(Protocol):
    def __call__(self, *, user: User, socket: str) -> None: ...


# By frame type: what /ws/me/ does with a client frame the engine does not know (the desk's
# ticket.view). The frame counts against the socket's rate like any other.
socket_frames: dict[str, SocketFrame] = {}

# Run when a /ws/me/ socket closes (the tab closed or the network dropped it), in a worker
# thread: a higher app forgets what it kept about that socket.
socket_closed: list[SocketHook] = []


def on_socket_frame(frame_type: str, handler: SocketFrame) -> SocketFrame:
    socket_frames[frame_type] = handler
    return handler


def on_socket_closed(hook: SocketHook) -> SocketHook:
    return register(socket_closed, hook)


# Run when a person's first socket opens, outside any transaction (a higher app may hand
# them work that waited for someone to be online).
person_online: list[UserHook] = []


def on_message_check(kind: str, check: MessageCheck) -> MessageCheck:
    return register(message_checks.setdefault(kind, []), check)


def on_person_online(hook: UserHook) -> UserHook:
    return register(person_online, hook)


class ChatExtras(Protocol):
    def __call__(self, *, user: User, conversation: Conversation) -> dict[str, Any]: ...


# What higher apps add to a chat page's boot data (rooms.views.chat_context): user groups put
# the groups to suggest after "@" and the reader's own groups there.
chat_extras: list[ChatExtras] = []


def on_chat_extras(hook: ChatExtras) -> ChatExtras:
    return register(chat_extras, hook)
