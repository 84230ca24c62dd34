"""Rooms: what room admins (and staff, from the admin site) do to a room."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from core import events
from core.cache import rate_take
from rooms import frames, payloads, selectors, uploads
from rooms.models import Conversation, Membership, Message, Visibility
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
    if user.is_guest:  # a guest is never an admin (room_update), even one made so before
        raise PermissionDenied("Guests cannot manage rooms.")
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


def _clean_visibility(
    *, actor: User, visibility: str, open_to_customers: bool, was_open: bool = False
) -> tuple[str, bool]:
    """``visibility`` is one of Visibility; only staff change ``open_to_customers``, which
    holds only for a public room (a room made private stops being open to customers)."""
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": "Choose public or private."})
    if open_to_customers != was_open and not actor.is_staff:
        raise PermissionDenied("Only staff can open a room to customers.")
    return visibility, open_to_customers and visibility == Visibility.PUBLIC


@transaction.atomic
def room_create(
    *,
    creator: User,
    name: str,
    topic: str = "",
    members: Iterable[User] = (),
    visibility: str = Visibility.PRIVATE,
    open_to_customers: bool = False,
) -> Conversation:
    """Create a room; the creator is its first admin and the others are members. Public
    rooms show in the directory (selectors.directory_rooms_visible); guests create none."""
    if creator.is_guest:
        raise PermissionDenied("Guests cannot create rooms.")
    name, topic = _clean_room(name=name, topic=topic)
    visibility, open_to_customers = _clean_visibility(
        actor=creator, visibility=visibility, open_to_customers=open_to_customers
    )
    if not creator.is_staff:
        rate_take(
            scope="rooms", who=creator.pk, limit=settings.UCHAT_ROOMS_PER_HOUR, window=3600,
            message="You have created many rooms in the last hour. Try again later.",
        )  # fmt: skip
    return conversation_create(
        kind=Conversation.Kind.ROOM,
        creator=creator,
        name=name,
        topic=topic,
        members=members,
        visibility=visibility,
        open_to_customers=open_to_customers,
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
    visibility: str | None = None,
    open_to_customers: bool | None = None,
) -> Conversation:
    """Room admins rename, change the topic and the visibility, set members and room admins
    in one go (only staff change ``open_to_customers``).

    ``members`` (if given) is the whole new member list; ``admins`` the admins among them.
    A room always keeps at least one admin, and no guest is one. ``None``: leave it as it is.
    """
    Conversation.objects.select_for_update().filter(pk=room.pk).first()
    _require_room_admin(user=actor, room=room)
    visibility, open_to_customers = _clean_visibility(
        actor=actor,
        visibility=room.visibility if visibility is None else visibility,
        open_to_customers=(
            room.open_to_customers if open_to_customers is None else open_to_customers
        ),
        was_open=room.open_to_customers,
    )
    room_details_set(
        room=room,
        name=name,
        topic=topic,
        visibility=visibility,
        open_to_customers=open_to_customers,
    )
    if members is None:
        return room
    by_id = {u.pk: u for u in members}
    admin_ids = {u.pk for u in (admins or [])}
    if not admin_ids & set(by_id):
        raise ValidationError({"admins": "A room needs at least one admin among its members."})
    if any(by_id[pk].is_guest for pk in admin_ids & set(by_id)):
        # A guest is invited to a few rooms; as an admin they could add anyone (/invite).
        raise ValidationError({"admins": "Guests cannot be room admins."})
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
def room_details_set(
    *,
    room: Conversation,
    name: str,
    topic: str,
    visibility: str | None = None,
    open_to_customers: bool | None = None,
) -> Conversation:
    """Rename, re-topic, and (if given) set the visibility and whether customers see it;
    callers check who may (room_update for admins, the admin site for staff)."""
    name, topic = _clean_room(name=name, topic=topic)
    visibility = room.visibility if visibility is None else visibility
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": "Choose public or private."})
    if open_to_customers is None:
        open_to_customers = room.open_to_customers
    open_to_customers = open_to_customers and visibility == Visibility.PUBLIC
    now = (name, topic, visibility, open_to_customers)
    if now != (room.name, room.topic, room.visibility, room.open_to_customers):
        room.name, room.topic, room.visibility, room.open_to_customers = now
        room.save(update_fields=["name", "topic", "visibility", "open_to_customers"])
        events.broadcast_on_commit(
            events.conversation_group(room.pk), frames.ROOM_UPDATED, payloads.room_payload(room)
        )
    return room


@transaction.atomic
def room_join(*, room: Conversation, user: User) -> tuple[Membership, bool]:
    """Join a public room by oneself: one the person may find in the directory
    (selectors.directory_rooms_visible). Joining again returns the membership one has
    (``False``: nothing new). New joins count against UCHAT_ROOM_JOINS_PER_MINUTE; the
    members and the person's other tabs hear of it as of any new member."""
    Conversation.objects.select_for_update().filter(pk=room.pk).first()  # one join at a time
    membership = selectors.membership_get(user=user, conversation=room)
    if membership is not None:
        return membership, False
    if selectors.directory_room_get(user=user, room_id=room.pk) is None:
        raise PermissionDenied("You cannot join this room.")
    rate_take(
        scope="room-joins", who=user.pk, limit=settings.UCHAT_ROOM_JOINS_PER_MINUTE, window=60,
        message="You have joined many rooms in the last minute. Try again later.",
    )  # fmt: skip
    [membership] = members_add(conversation=room, actor=user, users=[user], notify=False)
    return membership, True


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
    other members, the longest-standing other member who is not a guest becomes admin."""
    for membership in Membership.objects.filter(user=user, is_admin=True).select_related(
        "conversation"
    ):
        room = membership.conversation
        others = Membership.objects.filter(conversation=room).exclude(user=user)
        if others.exists() and not others.filter(is_admin=True).exists():
            successor = others.exclude(user__is_guest=True).order_by("added_at", "pk").first()
            if successor is not None:
                Membership.objects.filter(pk=successor.pk).update(is_admin=True)
