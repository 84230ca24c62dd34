"""Who is told about what happens in a conversation, beyond its open sockets: the other party
of a direct message, @mentioned room members, people added to a room, and whatever the apps
above registered in rooms.hooks for a conversation kind (the desk, for tickets)."""

import re
from typing import Any

from accounts.models import User
from notifications import services as notifications
from notifications.models import Code
from rooms import hooks, payloads
from rooms.models import Conversation, Membership, Message

_MENTION = re.compile(r"(?<![\w@])@([\w.@+-]{1,150})")


def message_stored(*, conversation: Conversation, message: Message) -> None:
    """Inside the message's transaction: the kind's hooks first (they may refuse it), then
    direct messages notify the other party and @username in a room notifies that member."""
    for hook in hooks.after_message_stored.get(conversation.kind, ()):
        hook(message=message)
    if conversation.kind == Conversation.Kind.DIRECT:
        _direct_message(conversation=conversation, message=message)
    elif conversation.kind == Conversation.Kind.ROOM and "@" in message.body:
        _mentions(conversation=conversation, message=message)


def _direct_message(*, conversation: Conversation, message: Message) -> None:
    others = Membership.objects.filter(conversation=conversation).exclude(user=message.sender)
    for membership in others.select_related("user"):
        notifications.notification_create(
            user=membership.user,
            code=Code.NEW_MESSAGE,
            payload=_message_summary(message, recipient_id=membership.user_id),
        )


def _mentions(*, conversation: Conversation, message: Message) -> None:
    names = {name.rstrip(".").lower() for name in _MENTION.findall(message.body)}
    if not names:
        return
    members = Membership.objects.filter(conversation=conversation).exclude(user=message.sender)
    for membership in members.select_related("user"):
        if membership.user.username.lower() in names:
            notifications.notification_create(
                user=membership.user,
                code=Code.MENTION,
                title=f"Mentioned in {conversation.name}",
                payload=_message_summary(message, recipient_id=membership.user_id),
            )


def _message_summary(message: Message, *, recipient_id: int) -> dict[str, Any]:
    """The seed's message object, plus what a person needs to read and open it."""
    return {
        **payloads.direct_message_payload(message, recipient_id=recipient_id),
        "conversation": message.conversation_id,
        "sender_name": message.sender.name if message.sender else "deleted user",
        "text": message.body,
    }


def member_added(*, membership: Membership, actor: User) -> None:
    """Someone was added to a room by someone else."""
    room = membership.conversation
    if room.kind != Conversation.Kind.ROOM:
        return
    notifications.notification_create(
        user=membership.user,
        code=Code.ADDED_TO_ROOM,
        title=f"Added to {room.name}",
        payload={"room": dict(payloads.room_payload(room)), "added_by": actor.username},
    )
