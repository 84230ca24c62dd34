"""Who is told about what happens in a conversation, beyond its open sockets: the other party
of a direct message, @mentioned room members, people added to a room. Handlers of
rooms.domain_events, registered in RoomsConfig.ready(): they run after the commit."""

import re
from typing import Any

from notifications import services as notifications
from notifications.models import Code
from rooms import payloads, selectors
from rooms.domain_events import MemberAdded, MessageCreated
from rooms.models import Conversation, Membership, Message

_MENTION = re.compile(r"(?<![\w@])@([\w.@+-]{1,150})")


def message_concerns_others(event: MessageCreated) -> bool:
    """Whether ``message_created`` may tell anyone: asked before its transaction opens."""
    kind = event.message.conversation.kind
    return kind == Conversation.Kind.DIRECT or (
        kind == Conversation.Kind.ROOM and "@" in event.message.body
    )


def message_created(event: MessageCreated) -> None:
    """Direct messages notify the other party and @username in a room notifies that member."""
    message = event.message
    conversation = message.conversation
    # A thread reply kept in its thread notifies its followers instead (services.threads).
    in_thread_only = message.thread_id is not None and not message.also_to_room
    if conversation.kind == Conversation.Kind.DIRECT and not in_thread_only:
        _direct_message(conversation=conversation, message=message)
    elif conversation.kind == Conversation.Kind.ROOM:
        _mentions(conversation=conversation, message=message)


def _direct_message(*, conversation: Conversation, message: Message) -> None:
    """The other party is told, unless they have the conversation open: they see it arrive
    (a background tab's title counts it) and their read marker keeps the unread count."""
    others = list(
        Membership.objects.filter(conversation=conversation)
        .exclude(user=message.sender)
        .select_related("user")
    )
    reading = selectors.viewing_user_ids(
        conversation=conversation, user_ids=[m.user_id for m in others]
    )
    for membership in others:
        if membership.user_id in reading:
            continue
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
        **({"thread": message.thread_id} if message.thread_id is not None else {}),
    }


def member_added(event: MemberAdded) -> None:
    """Someone was added to a room by someone else."""
    membership, actor = event.membership, event.actor
    room = membership.conversation
    if not event.notify or room.kind != Conversation.Kind.ROOM or membership.user_id == actor.pk:
        return
    notifications.notification_create(
        user=membership.user,
        code=Code.ADDED_TO_ROOM,
        title=f"Added to {room.name}",
        payload={"room": dict(payloads.room_payload(room)), "added_by": actor.username},
    )
