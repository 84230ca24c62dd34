"""Every write of the message engine and of rooms. Views, the API, consumers, the admin and
management commands call these; none of them saves a Message or a Membership itself.

Order inside each write: check permission and rules -> validate -> save -> (commit) -> broadcast.
"""

import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from rooms import content as content_rules
from rooms import events, payloads, selectors, uploads
from rooms.models import Conversation, Membership, Message, Presence
from uchat.cache import rate_take

# --- messages -------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    return content_rules.clean_text(body)


def _clean_client_id(client_id: str | None) -> str | None:
    if client_id in (None, ""):
        return None
    if not isinstance(client_id, str) or len(client_id) > 64 or "\x00" in client_id:
        raise ValidationError("client_id must be text of at most 64 characters.", code="invalid")
    return client_id


def _message_rate_take(*, sender: User) -> None:
    """Count one message (or edit) against the sender's rate, shared by every door, socket and
    server process. Refused sends raise before anything is stored; while Redis is away the
    limit fails open."""
    rate_take(
        scope="messages",
        who=sender.pk,
        limit=settings.UCHAT_MESSAGE_RATE,
        window=settings.UCHAT_MESSAGE_RATE_WINDOW,
        message="You are sending messages too fast. Wait a moment and send again.",
    )


def _require_member(*, user: User, conversation: Conversation) -> Membership:
    membership = selectors.membership_get(user=user, conversation=conversation)
    if membership is None:
        raise PermissionDenied("You are not a member of this conversation.")
    return membership


def message_create(
    *,
    conversation: Conversation,
    sender: User,
    body: str | None = None,
    content: dict[str, Any] | None = None,
    image: UploadedFile | None = None,
    client_id: str | None = None,
) -> tuple[Message, bool]:
    """Store a message and broadcast it once committed. Returns (message, created).

    The message is text (``body``), a content object as clients send it (``content``:
    text / image by URL / video), or an uploaded ``image`` with ``body`` as its caption.
    A repeated ``client_id`` from the same sender returns the stored message, created=False,
    and broadcasts nothing: re-sends after a timeout never store twice.
    """
    client_id = _clean_client_id(client_id)
    cleaned, extension = _clean_message_content(body=body, content=content, image=image)
    if image is not None:
        # Checked first only for uploads (no file written for a re-send). Text re-sends are
        # caught by the unique (sender, client_id) constraint below: one query less per message.
        existing = _message_by_client_id(sender=sender, client_id=client_id)
        if existing is not None:
            return existing, False
    try:
        _message_rate_take(sender=sender)
    except ValidationError:
        existing = _message_by_client_id(sender=sender, client_id=client_id)
        if existing is None:
            raise
        return existing, False  # a re-send of a stored message is answered, not refused
    try:
        with uploads.removed_on_error(), transaction.atomic():
            message = _message_insert(
                conversation=conversation,
                sender=sender,
                cleaned=cleaned,
                image=image,
                extension=extension,
                client_id=client_id,
            )
    except IntegrityError:
        # A re-send, or two concurrent sends, with one client_id: the stored one wins.
        existing = _message_by_client_id(sender=sender, client_id=client_id)
        if existing is None:
            raise
        return existing, False
    return message, True


def _clean_message_content(
    *, body: str | None, content: dict[str, Any] | None, image: UploadedFile | None
) -> tuple[content_rules.Content, str | None]:
    if image is not None:
        extension, width, height = content_rules.clean_image_file(image)
        caption = content_rules.clean_text(body) if body and body.strip() else ""
        data = {"width": width, "height": height}
        return content_rules.Content(kind=Message.Kind.IMAGE, body=caption, data=data), extension
    if content is not None:
        return content_rules.clean_content(content), None
    return content_rules.Content(kind=Message.Kind.TEXT, body=_clean_body(body)), None


def _message_by_client_id(*, sender: User, client_id: str | None) -> Message | None:
    """The sender's stored message with this client_id (none without a client_id)."""
    if client_id is None:
        return None
    return (
        Message.objects.select_related("sender").filter(sender=sender, client_id=client_id).first()
    )


def _message_insert(
    *,
    conversation: Conversation,
    sender: User,
    cleaned: content_rules.Content,
    image: UploadedFile | None,
    extension: str | None,
    client_id: str | None,
) -> Message:
    # The row lock serialises writers of one conversation: ids commit in increasing order and
    # each message gets the next gap-free sequence number of its conversation. The same query
    # checks membership and that the account is still active (a socket opened before a
    # deactivation holds a stale user object); the lock is taken only if both hold.
    locked = (
        Conversation.objects.select_for_update(of=("self",))
        .filter(pk=conversation.pk, memberships__user=sender, memberships__user__is_active=True)
        .only("last_seq")
        .first()
    )
    if locked is None:
        raise PermissionDenied("You are not a member of this conversation.")
    message = Message(
        conversation=conversation,
        seq=locked.last_seq + 1,
        sender=sender,
        kind=cleaned.kind,
        body=cleaned.body,
        content=cleaned.data,
        client_id=client_id,
    )
    if image is not None:
        # A name of our own: the uploaded name and declared type are never trusted.
        message.attachment.save(f"{uuid.uuid4().hex}.{extension}", image, save=False)
        uploads.written(message.attachment.name)
    # The conversation and sender were just loaded and locked: no query to re-check they exist.
    message.full_clean(exclude=["conversation", "sender"], validate_constraints=False)
    message.save()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message, last_seq=message.seq
    )
    # Your own message is read by you.
    Membership.objects.filter(conversation=conversation, user=sender).update(
        last_read_message_id=message.pk
    )
    events.broadcast_on_commit(
        events.conversation_group(conversation.pk),
        "message.created",
        payloads.message_payload(message),
    )
    _message_notify(conversation=conversation, message=message)
    return message


_MENTION = re.compile(r"(?<![\w@])@([\w.@+-]{1,150})")


def _message_notify(*, conversation: Conversation, message: Message) -> None:
    """Direct messages notify the other party; @username in a room notifies that member."""
    from notifications.models import Code
    from notifications.services import notification_create

    sender = message.sender
    if conversation.kind == Conversation.Kind.TICKET:
        from tickets.services import ticket_message_posted  # the desk builds on the engine

        ticket_message_posted(message=message)
        return
    if conversation.kind == Conversation.Kind.DIRECT:
        others = Membership.objects.filter(conversation=conversation).exclude(user=sender)
        for membership in others.select_related("user"):
            notification_create(
                user=membership.user,
                code=Code.NEW_MESSAGE,
                payload=_notification_message(message, recipient_id=membership.user_id),
            )
        return
    if conversation.kind != Conversation.Kind.ROOM or "@" not in message.body:
        return
    names = {name.rstrip(".").lower() for name in _MENTION.findall(message.body)}
    if not names:
        return
    mentioned = Membership.objects.filter(conversation=conversation).exclude(user=sender)
    for membership in mentioned.select_related("user"):
        if membership.user.username.lower() in names:
            notification_create(
                user=membership.user,
                code=Code.MENTION,
                title=f"Mentioned in {conversation.name}",
                payload=_notification_message(message, recipient_id=membership.user_id),
            )


def _notification_message(message: Message, *, recipient_id: int) -> dict[str, Any]:
    """The seed's message object, plus what a person needs to read and open it."""
    return {
        **payloads.direct_message_payload(message, recipient_id=recipient_id),
        "conversation": message.conversation_id,
        "sender_name": message.sender.name if message.sender else "deleted user",
        "text": message.body,
    }


def _message_for_change(*, message_id: int, conversation: Conversation) -> Message:
    message = (
        Message.objects.select_related("sender")
        .select_for_update(of=("self",))
        .filter(pk=message_id, conversation=conversation)
        .first()
    )
    if message is None or message.is_deleted:
        raise ValidationError("That message does not exist.", code="not_found")
    return message


@transaction.atomic
def message_edit(
    *, conversation: Conversation, message_id: int, editor: User, body: str
) -> Message:
    """Change the text of your own message; everyone in the conversation sees it live."""
    _require_member(user=editor, conversation=conversation)
    body = _clean_body(body)
    _message_rate_take(sender=editor)  # an edit reaches everyone like a message does
    message = _message_for_change(message_id=message_id, conversation=conversation)
    if message.sender_id != editor.pk:
        raise PermissionDenied("You can only edit your own messages.")
    if message.kind != Message.Kind.TEXT:
        raise ValidationError("Only text messages can be edited.", code="invalid")
    if message.body != body:
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        events.broadcast_on_commit(
            events.conversation_group(conversation.pk),
            "message.updated",
            payloads.message_payload(message),
        )
    return message


@transaction.atomic
def message_delete(*, conversation: Conversation, message_id: int, actor: User) -> Message:
    """Delete your own message (room admins may delete any). The row stays as a tombstone so
    that history pages keep their ids; the text is gone."""
    membership = _require_member(user=actor, conversation=conversation)
    message = _message_for_change(message_id=message_id, conversation=conversation)
    if message.sender_id != actor.pk and not membership.is_admin:
        raise PermissionDenied("You can only delete your own messages.")
    return _message_tombstone(message)


@transaction.atomic
def message_delete_as_staff(*, message: Message) -> Message:
    """Staff moderation from the admin site: no membership needed."""
    message = _message_for_change(message_id=message.pk, conversation=message.conversation)
    return _message_tombstone(message)


def _message_tombstone(message: Message) -> Message:
    if message.attachment:
        message.attachment.delete(save=False)  # a deleted image is gone, not just hidden
    message.content = {}
    message.body = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["body", "content", "attachment", "deleted_at"])
    events.broadcast_on_commit(
        events.conversation_group(message.conversation_id),
        "message.deleted",
        payloads.message_payload(message),
    )
    return message


def conversation_mark_read(
    *, conversation: Conversation, user: User, message_id: int, opened: bool = False
) -> None:
    """Move the read marker forward (never back). One UPDATE, no read first.

    ``opened``: the person opened the conversation's page; its notifications are then read
    too. Messages that arrive while the page is open still light the badge (a tab left open
    is not a person reading).
    """
    from notifications.services import notifications_mark_read

    Membership.objects.filter(conversation=conversation, user=user).update(
        last_read_message_id=Greatest(F("last_read_message_id"), message_id)
    )
    if opened:
        notifications_mark_read(user=user, conversation_id=conversation.pk)


def messages_purge(
    *, before: datetime, conversation: Conversation | None = None, dry_run: bool = True
) -> int:
    """Hard-delete messages created before ``before``; returns how many (would be) deleted."""
    messages = Message.objects.filter(created_at__lt=before)
    if conversation is not None:
        messages = messages.filter(conversation=conversation)
    count = messages.count()
    if not dry_run and count:
        with transaction.atomic():
            files = messages.exclude(attachment="").values_list("attachment", flat=True)
            uploads.files_delete_on_commit(list(files))
            Conversation.objects.filter(last_message__in=messages).update(last_message=None)
            messages.delete()
            _last_message_repair()
    return count


def _last_message_repair() -> None:
    from django.db.models import Max

    for conversation in Conversation.objects.filter(last_message__isnull=True).annotate(
        newest=Max("messages__id")
    ):
        if conversation.newest is not None:
            Conversation.objects.filter(pk=conversation.pk).update(
                last_message_id=conversation.newest
            )


# --- rooms and membership -------------------------------------------------------------------


def _require_room_admin(*, user: User, room: Conversation) -> Membership:
    membership = selectors.membership_get(user=user, conversation=room)
    if membership is None or not membership.is_admin:
        raise PermissionDenied("Only room admins can do that.")
    return membership


def _clean_room(*, name: str, topic: str) -> tuple[str, str]:
    name, topic = name.strip(), topic.strip()
    room = Conversation(kind=Conversation.Kind.ROOM, name=name, topic=topic)
    room.full_clean(
        exclude=["created_by", "last_message", "direct_key"], validate_constraints=False
    )
    if not name:
        raise ValidationError({"name": "A room needs a name."})
    return name, topic


@transaction.atomic
def room_create(
    *, creator: User, name: str, topic: str = "", members: Iterable[User] = ()
) -> Conversation:
    """Create a room; the creator is its first admin and the others are members."""
    name, topic = _clean_room(name=name, topic=topic)
    if not creator.is_staff:
        rate_take(
            scope="rooms", who=creator.pk, limit=settings.UCHAT_ROOMS_PER_HOUR, window=3600,
            message="You have created many rooms in the last hour. Try again later.",
        )  # fmt: skip
    room = Conversation.objects.create(
        kind=Conversation.Kind.ROOM, name=name, topic=topic, created_by=creator
    )
    Membership.objects.create(conversation=room, user=creator, is_admin=True, added_by=creator)
    _members_add(room=room, actor=creator, users=[u for u in members if u.pk != creator.pk])
    return room


def members_add(
    *, conversation: Conversation, actor: User, users: Iterable[User], notify: bool = True
) -> list[Membership]:
    """Add people to a conversation (callers check who may); tells them and the members."""
    return _members_add(room=conversation, actor=actor, users=users, notify=notify)


def member_remove(*, conversation: Conversation, membership: Membership) -> None:
    """Remove one member (callers check who may); their sockets close at once."""
    _member_remove(room=conversation, membership=membership)


def _members_add(
    *, room: Conversation, actor: User, users: Iterable[User], notify: bool = True
) -> list[Membership]:
    existing = set(Membership.objects.filter(conversation=room).values_list("user_id", flat=True))
    added = [
        Membership(conversation=room, user=user, added_by=actor)
        for user in {u.pk: u for u in users}.values()
        if user.pk not in existing
    ]
    if room.kind == Conversation.Kind.ROOM:
        at_once, most = settings.UCHAT_ROOM_MAX_ADD, settings.UCHAT_ROOM_MAX_MEMBERS
        if len(added) > at_once:
            raise ValidationError(
                f"You can add at most {at_once} {'person' if at_once == 1 else 'people'} "
                f"at once ({len(added)} given).",
                code="too_many_added",
            )
        if len(existing) + len(added) > most:
            raise ValidationError(f"A room holds at most {most} members.", code="room_full")
        others = [m for m in added if m.user_id != actor.pk]
        if others and not actor.is_staff:
            # Adding someone notifies and may e-mail them: no mass-adding strangers.
            rate_take(
                scope="adds", who=actor.pk, limit=settings.UCHAT_ADDS_PER_HOUR, window=3600,
                amount=len(others),
                message="You have added many people to rooms in the last hour. "
                "Try again later.",
            )  # fmt: skip
    Membership.objects.bulk_create(added)
    summary = payloads.room_payload(room)
    if notify:
        _members_added_notify(room=room, actor=actor, added=added)
    for membership in added:
        payload = {"room": summary, "member": payloads.member_payload(membership, online=False)}
        events.broadcast_on_commit(
            [events.conversation_group(room.pk), events.user_group(membership.user_id)],
            "member.added",
            payload,
        )
    return added


def _members_added_notify(*, room: Conversation, actor: User, added: list[Membership]) -> None:
    from notifications.models import Code
    from notifications.services import notification_create

    for membership in added:
        if membership.user_id != actor.pk:
            notification_create(
                user=membership.user,
                code=Code.ADDED_TO_ROOM,
                title=f"Added to {room.name}",
                payload={"room": dict(payloads.room_payload(room)), "added_by": actor.username},
            )


def _member_remove(*, room: Conversation, membership: Membership) -> None:
    membership.delete()
    events.broadcast_on_commit(
        [events.conversation_group(room.pk), events.user_group(membership.user_id)],
        "member.removed",
        {"room": payloads.room_payload(room), "user_id": membership.user_id},
    )


@transaction.atomic
def room_update(
    *,
    room: Conversation,
    actor: User,
    name: str,
    topic: str,
    members: Iterable[User] | None = None,
    admins: Iterable[User] | None = None,
) -> Conversation:
    """Room admins rename, change the topic, set members and room admins in one go.

    ``members`` (if given) is the whole new member list; ``admins`` the admins among them.
    A room always keeps at least one admin.
    """
    Conversation.objects.select_for_update().filter(pk=room.pk).first()
    _require_room_admin(user=actor, room=room)
    room_details_set(room=room, name=name, topic=topic)
    if members is None:
        return room
    members = {u.pk: u for u in members}
    admin_ids = {u.pk for u in (admins or [])}
    if not admin_ids & set(members):
        raise ValidationError({"admins": "A room needs at least one admin among its members."})
    current = {m.user_id: m for m in Membership.objects.filter(conversation=room)}
    for user_id, membership in current.items():
        if user_id not in members:
            _member_remove(room=room, membership=membership)
    _members_add(
        room=room, actor=actor, users=[u for pk, u in members.items() if pk not in current]
    )
    for membership in Membership.objects.filter(conversation=room).select_related("user"):
        should_be_admin = membership.user_id in admin_ids
        if membership.is_admin != should_be_admin:
            membership.is_admin = should_be_admin
            membership.save(update_fields=["is_admin"])
            events.broadcast_on_commit(
                events.conversation_group(room.pk),
                "member.updated",
                {"member": payloads.member_payload(membership, online=False)},
            )
    return room


@transaction.atomic
def room_details_set(*, room: Conversation, name: str, topic: str) -> Conversation:
    """Rename and re-topic; callers check who may (room_update for admins, the admin site)."""
    name, topic = _clean_room(name=name, topic=topic)
    if (name, topic) != (room.name, room.topic):
        room.name, room.topic = name, topic
        room.save(update_fields=["name", "topic"])
        events.broadcast_on_commit(
            events.conversation_group(room.pk), "room.updated", payloads.room_payload(room)
        )
    return room


@transaction.atomic
def room_leave(*, room: Conversation, user: User) -> None:
    """Leave a room. The last admin must appoint another admin first (the room keeps one);
    the last member deletes the room instead."""
    Conversation.objects.select_for_update().filter(pk=room.pk).first()
    membership = _require_member(user=user, conversation=room)
    others = Membership.objects.filter(conversation=room).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(
            "You are the only member. Delete the room instead.", code="last_member"
        )
    if membership.is_admin and not others.filter(is_admin=True).exists():
        raise ValidationError(
            "You are the last room admin. Make someone else an admin before leaving.",
            code="last_admin",
        )
    _member_remove(room=room, membership=membership)


@transaction.atomic
def room_delete(*, room: Conversation, actor: User) -> None:
    _require_room_admin(user=actor, room=room)
    member_ids = list(
        Membership.objects.filter(conversation=room).values_list("user_id", flat=True)
    )
    summary = payloads.room_payload(room)
    files = Message.objects.filter(conversation=room).exclude(attachment="")
    uploads.files_delete_on_commit(list(files.values_list("attachment", flat=True)))
    room.delete()
    events.broadcast_on_commit(
        [events.conversation_group(summary["id"])] + [events.user_group(pk) for pk in member_ids],
        "room.deleted",
        summary,
    )


def memberships_release(*, user: User) -> None:
    """Before an account is deleted: wherever this person is the only admin of a room with
    other members, the longest-standing other member becomes admin."""
    for membership in Membership.objects.filter(user=user, is_admin=True).select_related(
        "conversation"
    ):
        room = membership.conversation
        others = Membership.objects.filter(conversation=room).exclude(user=user)
        if others.exists() and not others.filter(is_admin=True).exists():
            successor = others.order_by("added_at", "pk").first()
            if successor is not None:
                Membership.objects.filter(pk=successor.pk).update(is_admin=True)


# --- direct conversations -------------------------------------------------------------------


@transaction.atomic
def direct_conversation_get_or_create(*, user: User, other: User) -> Conversation:
    """The one conversation between two people (or with yourself, for notes)."""
    if not other.is_active:
        raise ValidationError("That person cannot receive messages.", code="unknown_recipient")
    low, high = sorted([user.pk, other.pk])
    conversation, created = Conversation.objects.get_or_create(
        direct_key=f"{low}:{high}", defaults={"kind": Conversation.Kind.DIRECT, "created_by": user}
    )
    if created:
        added = Membership.objects.bulk_create(
            [Membership(conversation=conversation, user=u, added_by=user) for u in {user, other}]
        )
        summary = payloads.room_payload(conversation)
        for membership in added:  # dashboards start listening to the new conversation
            events.broadcast_on_commit(
                events.user_group(membership.user_id),
                "member.added",
                {"room": summary, "member": payloads.member_payload(membership, online=False)},
            )
    return conversation


# --- presence -------------------------------------------------------------------------------


def presence_connect(*, user: User, channel_name: str) -> bool:
    """Record an open socket; True if the person just came online (their first socket)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.UCHAT_PRESENCE_TTL)
    with transaction.atomic():
        Presence.objects.filter(user=user, last_seen__lt=stale).delete()
        was_online = Presence.objects.filter(user=user).exists()
        Presence.objects.update_or_create(
            channel_name=channel_name, defaults={"user": user, "last_seen": now}
        )
    if not was_online:
        _presence_broadcast(user=user, online=True)
        if user.is_agent:
            from tickets.services import tickets_queue_drain

            tickets_queue_drain()  # queued tickets go to an agent as soon as one is online
    return not was_online


def presence_heartbeat(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).update(last_seen=timezone.now())


def presence_disconnect(*, user: User, channel_name: str) -> bool:
    """Forget a socket; True if the person just went offline (their last socket closed)."""
    with transaction.atomic():
        Presence.objects.filter(channel_name=channel_name).delete()
        still_online = Presence.objects.filter(user=user).exists()
    if not still_online:
        _presence_broadcast(user=user, online=False)
    return not still_online


def _presence_broadcast(*, user: User, online: bool) -> None:
    groups = [
        events.conversation_group(pk) for pk in selectors.conversation_ids_for_user(user=user)
    ]
    events.broadcast(groups, "presence", {"user_id": user.pk, "online": online})
