"""Where other apps plug into the message engine. The engine names no app above it: they add
their hooks in their AppConfig.ready(), and the engine calls whatever is registered.

What happens after a message is committed is not a hook: it is a handler of
rooms.domain_events.MessageCreated, in core.domain_events' table."""

from typing import Protocol

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

# Run when a person's first socket opens, outside any transaction (a higher app may hand
# them work that waited for someone to be online).
person_online: list[UserHook] = []


def on_message_check(kind: str, check: MessageCheck) -> MessageCheck:
    return register(message_checks.setdefault(kind, []), check)


def on_person_online(hook: UserHook) -> UserHook:
    return register(person_online, hook)
