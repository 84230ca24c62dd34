"""Where other apps plug into the message engine. The engine names no app above it: the desk
adds its hooks in TicketsConfig.ready(), and the engine calls whatever is registered."""

from typing import Protocol

from accounts.models import User
from core.hooks import register
from rooms.models import Conversation, Message


class MessageHook(Protocol):
    def __call__(self, *, message: Message) -> None: ...


class UserHook(Protocol):
    def __call__(self, *, user: User) -> None: ...


# By conversation kind. Run inside the message's transaction once it is stored (``sender``
# loaded): a hook may write, notify, or raise ValidationError to refuse the message, which is
# then not stored.
after_message_stored: dict[str, list[MessageHook]] = {}

# Run when an agent's first socket opens, outside any transaction (the desk hands out queued
# tickets).
agent_online: list[UserHook] = []


def on_message_stored(kind: Conversation.Kind, hook: MessageHook) -> MessageHook:
    return register(after_message_stored.setdefault(kind, []), hook)


def on_agent_online(hook: UserHook) -> UserHook:
    return register(agent_online, hook)
