"""Rooms: what room admins (and staff, from the admin site) do to a room."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from core import events
from core.cache import rate_take
from rooms import frames, payloads, selectors, uploads
from rooms.models import Conversation, Membership, Message
from rooms.services.conversations import (
    conversation_create,
    member_remove,
    members_add,
    require_member,
)


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
    return conversation_create(
        kind=Conversation.Kind.ROOM, creator=creator, name=name, topic=topic, members=members
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
    by_id = {u.pk: u for u in members}
    admin_ids = {u.pk for u in (admins or [])}
    if not admin_ids & set(by_id):
        raise ValidationError({"admins": "A room needs at least one admin among its members."})
    current = {m.user_id: m for m in Membership.objects.filter(conversation=room)}
    for user_id, membership in current.items():
        if user_id not in by_id:
            member_remove(conversation=room, membership=membership)
    members_add(
        conversation=room,
        actor=actor,
        users=[u for pk, u in by_id.items() if pk not in current],
    )
    for membership in Membership.objects.filter(conversation=room).select_related("user"):
        should_be_admin = membership.user_id in admin_ids
        if membership.is_admin != should_be_admin:
            membership.is_admin = should_be_admin
            membership.save(update_fields=["is_admin"])
            events.broadcast_on_commit(
                events.conversation_group(room.pk),
                frames.MEMBER_UPDATED,
                {
                    "room": payloads.room_payload(room),
                    "member": payloads.member_payload(membership, online=False),
                },
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
            events.conversation_group(room.pk), frames.ROOM_UPDATED, payloads.room_payload(room)
        )
    return room


@transaction.atomic
def room_leave(*, room: Conversation, user: User) -> None:
    """Leave a room. The last admin must appoint another admin first (the room keeps one);
    the last member deletes the room instead."""
    Conversation.objects.select_for_update().filter(pk=room.pk).first()
    membership = require_member(user=user, conversation=room)
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
    member_remove(conversation=room, membership=membership)


@transaction.atomic
def room_delete(*, room: Conversation, actor: User) -> None:
    """Room admins delete their room, staff any room (the admin site). Its sockets close and
    every member's dashboard drops it once committed; its uploaded files go too."""
    if room.kind != Conversation.Kind.ROOM:
        raise ValidationError("Only rooms can be deleted.", code="not_a_room")
    if not selectors.may_delete_room(user=actor, room=room):
        raise PermissionDenied("Only room admins can do that.")
    member_ids = list(
        Membership.objects.filter(conversation=room).values_list("user_id", flat=True)
    )
    summary = payloads.room_payload(room)
    files = Message.objects.filter(conversation=room).exclude(attachment="")
    uploads.files_delete_on_commit(list(files.values_list("attachment", flat=True)))
    room.delete()
    events.broadcast_on_commit(
        [events.conversation_group(summary["id"])] + [events.user_group(pk) for pk in member_ids],
        frames.ROOM_DELETED,
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
