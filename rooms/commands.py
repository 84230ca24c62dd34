"""Slash commands: the registry the composer's "/" asks, and the one place that runs them.

An app registers its commands from its ``AppConfig.ready()``: fixed ones with ``register``
(rooms: ``/me``, ``/topic``, ``/mute``, ``/invite``; the desk: ``/ticket``), and commands that
depend on the conversation (a bot's, registered with a URL) with a provider in ``providers``.
A command decides itself who may run it where (``available``); the engine never names the
app behind it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import User
from core.cache import rate_take

if TYPE_CHECKING:
    from rooms.models import Conversation, Message


@dataclass(frozen=True)
class Invocation:
    """One run of a command: who, where, and the rest of the line after the name."""

    user: User
    conversation: Conversation
    name: str  # lower case, without the slash
    args: str  # stripped
    thread: Message | None = None  # the thread's root when typed in a thread's composer


@dataclass(frozen=True)
class Outcome:
    """What a command did: ``reply`` is text shown only to the caller (null: nothing to say);
    ``message`` is what it stored in the conversation, if anything."""

    reply: str | None = None
    message: Message | None = None


def _anyone(user: User, conversation: Conversation) -> bool:
    return True


@dataclass(frozen=True)
class Command:
    name: str  # lower case letters, digits and "-", without the slash
    description: str  # one line for the suggestion list
    usage: str  # "/topic <new topic>"
    # Raises PermissionDenied or ValidationError (with a code) to refuse, as services do.
    run: Callable[[Invocation], Outcome]
    available: Callable[[User, Conversation], bool] = _anyone


commands: dict[str, Command] = {}
# Commands that exist only in some conversations (a bot's, for the rooms it is in).
providers: list[Callable[[User, Conversation], list[Command]]] = []


def register(command: Command) -> Command:
    commands[command.name] = command
    return command


def commands_for(user: User, conversation: Conversation) -> list[Command]:
    """Every command ``user`` may run in ``conversation``, by name (a fixed command wins over
    a provider's of the same name)."""
    found = {c.name: c for p in providers for c in p(user, conversation)}
    found.update(commands)
    return sorted(
        (c for c in found.values() if c.available(user, conversation)), key=lambda c: c.name
    )


def command_find(user: User, conversation: Conversation, name: str) -> Command | None:
    return next((c for c in commands_for(user, conversation) if c.name == name.lower()), None)


_LINE = re.compile(r"^/([a-z0-9][a-z0-9-]{0,31})(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
UNKNOWN_COMMAND = "unknown_command"
RATE_REFUSAL = "You have run many commands in the last minute. Wait a little and try again."


def command_run(
    *, user: User, conversation: Conversation, text: str, thread: Message | None = None
) -> Outcome:
    """Run the command line ``text`` ("/topic Launch day") for ``user``, a member of
    ``conversation`` (the caller checked). Raises ValidationError ``unknown_command`` for a
    name that is not a command here (nothing happens), and whatever the command raises."""
    rate_take(
        scope="commands",
        who=user.pk,
        limit=settings.UCHAT_COMMANDS_PER_MINUTE,
        window=60,
        message=RATE_REFUSAL,
    )
    found = _LINE.match(text.strip())
    if found is None:
        raise ValidationError(
            "A command starts with / and a name, e.g. /help.", code=UNKNOWN_COMMAND
        )
    name = found.group(1).lower()
    command = command_find(user, conversation, name)
    if command is None:
        raise ValidationError(
            f"/{name} is not a command. Send it as a message with //{name}", code=UNKNOWN_COMMAND
        )
    args = (found.group(2) or "").strip()
    return command.run(Invocation(user, conversation, name, args, thread))
