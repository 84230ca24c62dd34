"""The engine's own slash commands: /me, /topic, /mute, /unmute, /invite and /help. Each
calls the service that the pages and the API use for the same thing, so the rules are the
same whichever door (registered from RoomsConfig.ready())."""

import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.models import User
from rooms import selectors
from rooms.commands import Command, Invocation, Outcome, commands_for, register
from rooms.models import Conversation
from rooms.services.conversations import members_add
from rooms.services.messages import message_create
from rooms.services.notify_settings import membership_notify_set
from rooms.services.rooms import room_update

INVALID_COMMAND = "invalid_command"
_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|h|d|w)$", re.IGNORECASE)
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# "/mute" alone: until unmuted, stored as the longest mute there is (a year).
MUTE_FOREVER = timedelta(days=365)
_NAME = re.compile(r"^@?([\w.@+-]{1,150})$")


def _in_room(user: User, conversation: Conversation) -> bool:
    return conversation.kind == Conversation.Kind.ROOM


def _usage(usage: str) -> ValidationError:
    return ValidationError(f"Usage: {usage}", code=INVALID_COMMAND)


def me_run(invocation: Invocation) -> Outcome:
    """An action ("/me waves" shows as "Alice waves"): stored as its text, "/me " and all, and
    rendered as an action (rooms.markup)."""
    if not invocation.args:
        raise _usage(ME.usage)
    message, _ = message_create(
        conversation=invocation.conversation,
        sender=invocation.user,
        body=f"/me {invocation.args}",
        thread=invocation.thread.pk if invocation.thread else None,
    )
    return Outcome(message=message)


def topic_run(invocation: Invocation) -> Outcome:
    room = invocation.conversation
    if not invocation.args:
        return Outcome(reply=f"The topic is: {room.topic}" if room.topic else "No topic is set.")
    room_update(room=room, actor=invocation.user, name=room.name, topic=invocation.args)
    return Outcome(reply=f"Topic set to: {room.topic}")


def _duration(text: str) -> timedelta | None:
    found = _DURATION.match(text.strip())
    if found is None:
        raise ValidationError(
            "Give a duration like 30m, 1h, 8h or 1d, or nothing (until you unmute).",
            code=INVALID_COMMAND,
        )
    seconds = int(found.group(1)) * _UNITS[found.group(2).lower()]
    if not 60 <= seconds <= MUTE_FOREVER.total_seconds():
        raise ValidationError("A mute lasts from a minute to a year.", code=INVALID_COMMAND)
    return timedelta(seconds=seconds)


def _length(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds // 60} minutes"


def mute_run(invocation: Invocation) -> Outcome:
    delta = _duration(invocation.args) if invocation.args else None
    until = timezone.now() + (delta or MUTE_FOREVER)
    membership_notify_set(
        conversation=invocation.conversation,
        user=invocation.user,
        changes={"muted_until": until},
    )
    if delta is None:
        return Outcome(reply="Muted until you unmute (/unmute).")
    return Outcome(reply=f"Muted for {_length(delta)}. /unmute ends it sooner.")


def unmute_run(invocation: Invocation) -> Outcome:
    membership_notify_set(
        conversation=invocation.conversation,
        user=invocation.user,
        changes={"muted_until": None},
    )
    return Outcome(reply="Unmuted: notifications are back.")


def invite_run(invocation: Invocation) -> Outcome:
    room = invocation.conversation
    membership = selectors.membership_get(user=invocation.user, conversation=room)
    if membership is None or not membership.is_admin:
        raise PermissionDenied("Only room admins can invite people.")
    names = []
    for word in invocation.args.split():
        found = _NAME.match(word.rstrip(","))
        if found is None:
            raise _usage(INVITE.usage)
        names.append(found.group(1).rstrip("."))
    if not names:
        raise _usage(INVITE.usage)
    people, unknown = account_selectors.users_by_usernames(usernames=names)
    if unknown:
        raise ValidationError(
            f"No such people: {', '.join('@' + n for n in unknown)}. Nobody was added.",
            code="unknown_users",
        )
    with transaction.atomic():
        added = members_add(conversation=room, actor=invocation.user, users=people)
    added_ids = {m.user_id for m in added}
    already = sorted(u.username for u in people if u.pk not in added_ids)
    parts = []
    if added:
        names_added = sorted(u.username for u in people if u.pk in added_ids)
        parts.append("Added " + ", ".join("@" + n for n in names_added) + ".")
    if already:
        parts.append("Already here: " + ", ".join("@" + n for n in already) + ".")
    return Outcome(reply=" ".join(parts))


def help_run(invocation: Invocation) -> Outcome:
    lines = [
        f"{c.usage} — {c.description}"
        for c in commands_for(invocation.user, invocation.conversation)
    ]
    return Outcome(reply="\n".join(lines))


ME = Command("me", "Show an action: /me waves", "/me <action>", me_run)
TOPIC = Command("topic", "Show or set the room's topic", "/topic [new topic]", topic_run, _in_room)
MUTE = Command(
    "mute", "Mute this conversation for you (30m, 1h, 8h, 1d; none: until you unmute)",
    "/mute [duration]", mute_run,
)  # fmt: skip
UNMUTE = Command("unmute", "Turn this conversation's notifications back on", "/unmute", unmute_run)
INVITE = Command(
    "invite", "Add people to this room (room admins)", "/invite @name [@name …]", invite_run,
    _in_room,
)  # fmt: skip
HELP = Command("help", "List the commands you can use here", "/help", help_run)


def register_builtins() -> None:
    for command in (ME, TOPIC, MUTE, UNMUTE, INVITE, HELP):
        register(command)
