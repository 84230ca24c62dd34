"""Who is told about what happens in a conversation, beyond its open sockets: the other party
of a direct message, @mentioned room members, a room's members who chose every message,
people added to a room. Handlers of rooms.domain_events, registered in RoomsConfig.ready():
they run after the commit. Each notification carries its reason and the member's Scope;
notifications.rules decides what is recorded and how loudly."""

import re
from collections.abc import Callable
from typing import Any

from notifications import rules
from notifications import services as notifications
from notifications.models import Code
from rooms import markup, payloads, selectors
from rooms.domain_events import MemberAdded, MessageCreated
from rooms.models import Conversation, Membership, Message, NotifyLevel
from rooms.notify_levels import membership_scope

_MENTION = re.compile(r"(?<![\w@])@([\w.@+-]{1,150})")
# Mentions of the whole room ("mentions" level lets them through, as a mention of you).
EVERYONE = frozenset({"everyone", "all", "room", "channel"})
HERE = "here"  # the room's members online now

# Groups (issue 29): each resolver takes the conversation and the mentioned names and answers
# the ids of the users those names stand for (members of the mentioned groups). None yet; a
# groups app registers one in its AppConfig.ready(). Those users are told under "mention".
MentionResolver = Callable[[Conversation, set[str]], set[int]]
mention_resolvers: list[MentionResolver] = []


def message_concerns_others(event: MessageCreated) -> bool:
    """Whether ``message_created`` may tell anyone: asked before its transaction opens, and
    reads no database (``notify_all`` came with the writer's row lock)."""
    message = event.message
    kind = message.conversation.kind
    return kind == Conversation.Kind.DIRECT or (
        kind == Conversation.Kind.ROOM and ("@" in message.body or message.conversation.notify_all)
    )


def message_created(event: MessageCreated) -> None:
    """Direct messages notify the other party; in a room, a mention notifies those it names
    and every other message the members whose level is "all"."""
    message = event.message
    conversation = message.conversation
    # A thread reply kept in its thread notifies its followers instead (services.threads).
    in_thread_only = message.thread_id is not None and not message.also_to_room
    if conversation.kind == Conversation.Kind.DIRECT and not in_thread_only:
        _direct_message(conversation=conversation, message=message)
    elif conversation.kind == Conversation.Kind.ROOM:
        told = (
            _mentions(conversation=conversation, message=message) if "@" in message.body else set()
        )
        # "Every message" means the room's own: a thread reply reaches its followers (threads),
        # and one also sent to the room reaches them there too, so nobody hears it twice.
        if conversation.notify_all and message.thread_id is None:
            _every_message(conversation=conversation, message=message, told=told)


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
            reason=rules.DIRECT,
            scope=membership_scope(membership, kind=conversation.kind),
        )


def _mentions(*, conversation: Conversation, message: Message) -> set[int]:
    """@username, @everyone (@all, @room, @channel), @here (those online) and, once groups
    exist, @group: each member named is told once. Answers who was told."""
    names = {name.rstrip(".").lower() for name in _MENTION.findall(message.body)}
    if not names:
        return set()
    members = list(
        Membership.objects.filter(conversation=conversation)
        .exclude(user=message.sender)
        .select_related("user")
    )
    named: set[int] = set()
    for resolve in mention_resolvers:
        named |= resolve(conversation, names)
    if names & EVERYONE:
        named |= {m.user_id for m in members}
    elif HERE in names:
        named |= selectors.online_user_ids(user_ids=[m.user_id for m in members])
    told = set()
    for membership in members:
        if membership.user_id in named or membership.user.username.lower() in names:
            notifications.notification_create(
                user=membership.user,
                code=Code.MENTION,
                title=f"Mentioned in {conversation.name}",
                payload=_message_summary(message, recipient_id=membership.user_id),
                reason=rules.MENTION,
                scope=membership_scope(membership, kind=conversation.kind),
            )
            told.add(membership.user_id)
    return told


def _every_message(*, conversation: Conversation, message: Message, told: set[int]) -> None:
    """The members who chose "all" here, in one query on a small partial index; not those
    already told of a mention, nor those with the room open (they see it arrive)."""
    members = [
        m
        for m in Membership.objects.filter(conversation=conversation, notify_level=NotifyLevel.ALL)
        .exclude(user=message.sender)
        .select_related("user")
        if m.user_id not in told and m.user.is_active
    ]
    if not members:
        return
    reading = selectors.viewing_user_ids(
        conversation=conversation, user_ids=[m.user_id for m in members]
    )
    for membership in members:
        if membership.user_id in reading:
            continue
        notifications.notification_create(
            user=membership.user,
            code=Code.NEW_MESSAGE,
            title=f"New message in {conversation.name}",
            payload=_message_summary(message, recipient_id=membership.user_id),
            reason=rules.MESSAGE,
            scope=membership_scope(membership, kind=conversation.kind),
        )


def _message_summary(message: Message, *, recipient_id: int) -> dict[str, Any]:
    """The seed's message object, plus what a person needs to read and open it. An action
    ("/me waves") reads as one: "Alice waves"."""
    sender_name = message.sender.name if message.sender else "deleted user"
    action = markup.me_action(message.body)
    return {
        **payloads.direct_message_payload(message, recipient_id=recipient_id),
        "conversation": message.conversation_id,
        "sender_name": sender_name,
        "text": message.body if action is None else f"{sender_name} {action}",
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
        reason=rules.SYSTEM,
        scope=membership_scope(membership, kind=room.kind),
    )
