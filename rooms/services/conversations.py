"""Conversations and their memberships: the one place that creates either, for rooms, direct
conversations and ticket conversations alike."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import User
from core import domain_events, events
from core.cache import rate_take
from notifications import services as notifications
from rooms import frames, payloads, selectors
from rooms.domain_events import MemberAdded, MemberRemoved
from rooms.models import Conversation, Membership, ThreadFollow, Visibility


def require_member(*, user: User, conversation: Conversation) -> Membership:
    membership = selectors.membership_get(user=user, conversation=conversation)
    if membership is None:
        raise PermissionDenied("You are not a member of this conversation.")
    return membership


@transaction.atomic
def conversation_create(
    *,
    kind: str,
    creator: User,
    name: str = "",
    topic: str = "",
    direct_key: str | None = None,
    members: Iterable[User] = (),
    notify_added: bool = True,
    visibility: str = Visibility.PRIVATE,
    open_to_customers: bool = False,
) -> Conversation:
    """A conversation of a registered ``kind`` (rooms.kinds) with its creator as first member
    (and admin, for a room), then the other ``members``. Every new member's dashboard hears of
    it once committed."""
    conversation = Conversation(
        kind=kind,
        name=name,
        topic=topic,
        created_by=creator,
        direct_key=direct_key,
        visibility=visibility,
        open_to_customers=open_to_customers,
    )
    # The kind (registered?) and the fields' lengths, with no query: the creator is a real
    # row already, and a direct pair's key stays the database's to guard (two people opening
    # it at once), as do the constraints.
    conversation.full_clean(
        exclude=["created_by", "last_message"], validate_unique=False, validate_constraints=False
    )
    conversation.save()
    first = Membership.objects.create(
        conversation=conversation,
        user=creator,
        is_admin=kind == Conversation.Kind.ROOM,
        added_by=creator,
    )
    domain_events.record(MemberAdded(first, creator, notify=False))
    members_add(
        conversation=conversation,
        actor=creator,
        users=[u for u in members if u.pk != creator.pk],
        notify=notify_added,
    )
    return conversation


def members_add(
    *, conversation: Conversation, actor: User, users: Iterable[User], notify: bool = True
) -> list[Membership]:
    """Add people to a conversation (callers check who may); tells them and the members.
    Rooms cap how many join at once and in all, and how many strangers one person adds an
    hour."""
    existing = set(
        Membership.objects.filter(conversation=conversation).values_list("user_id", flat=True)
    )
    added = [
        Membership(conversation=conversation, user=user, added_by=actor)
        for user in {u.pk: u for u in users}.values()
        if user.pk not in existing
    ]
    if conversation.kind == Conversation.Kind.ROOM:
        _room_growth_check(actor=actor, existing=len(existing), added=added)
    Membership.objects.bulk_create(added)
    if conversation.kind == Conversation.Kind.ROOM:
        # A team member who adds people to a room vouches for them (the room directory).
        account_services.team_members_vouch(actor=actor, users=[m.user for m in added])
    for membership in added:
        domain_events.record(MemberAdded(membership, actor, notify))
    return added


def _room_growth_check(*, actor: User, existing: int, added: list[Membership]) -> None:
    at_once, most = settings.UCHAT_ROOM_MAX_ADD, settings.UCHAT_ROOM_MAX_MEMBERS
    if len(added) > at_once:
        raise ValidationError(
            f"You can add at most {at_once} {'person' if at_once == 1 else 'people'} "
            f"at once ({len(added)} given).",
            code="too_many_added",
        )
    if existing + len(added) > most:
        raise ValidationError(f"A room holds at most {most} members.", code="room_full")
    others = [m for m in added if m.user_id != actor.pk]
    if others and not actor.is_staff:
        # Adding someone notifies and may e-mail them: no mass-adding strangers.
        rate_take(
            scope="adds", who=actor.pk, limit=settings.UCHAT_ADDS_PER_HOUR, window=3600,
            amount=len(others),
            message="You have added many people to rooms in the last hour. Try again later.",
        )  # fmt: skip


def member_announce(event: MemberAdded) -> None:
    """Handler: the member's dashboard and badge socket start listening, the members see them."""
    membership = event.membership
    events.broadcast(
        [
            events.conversation_group(membership.conversation_id),
            events.user_group(membership.user_id),
        ],
        frames.MEMBER_ADDED,
        {
            "room": payloads.room_payload(membership.conversation),
            "member": payloads.member_payload(membership, online=False),
        },
    )


def member_remove(*, conversation: Conversation, membership: Membership, notice: str = "") -> None:
    """Remove one member (callers check who may); their sockets close at once. ``notice``
    tells the removed person why ("This ticket was reassigned to …"). Their follows of its
    threads end with it: they can no longer read them."""
    ThreadFollow.objects.filter(
        user_id=membership.user_id, message__conversation=conversation
    ).delete()
    membership.delete()
    domain_events.record(MemberRemoved(conversation, membership.user_id, notice))


def member_removed_announce(event: MemberRemoved) -> None:
    """Handler: the removed person's sockets of the conversation close, the members see it."""
    events.broadcast(
        [events.conversation_group(event.conversation.pk), events.user_group(event.user_id)],
        frames.MEMBER_REMOVED,
        {
            "room": payloads.room_payload(event.conversation),
            "user_id": event.user_id,
            "notice": event.notice,
        },
    )


def direct_conversation_get_or_create(*, user: User, other: User) -> Conversation:
    """The one conversation between two people (or with yourself, for notes). Under
    UCHAT_DM_POLICY=shared only staff may start one with someone they have not met in a room
    or ticket; a guest, whatever the policy, only with people of their rooms. One that exists
    stays open to both."""
    if not other.is_active:
        raise ValidationError("That person cannot receive messages.", code="unknown_recipient")
    low, high = sorted([user.pk, other.pk])
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    if (
        not account_selectors.is_full_member(user)
        and user.pk != other.pk
        and not selectors.users_share_room(user=user, other=other)
    ):
        raise PermissionDenied("As a guest you can message only people in your rooms.")
    if (
        settings.UCHAT_DM_POLICY == "shared"
        and not user.is_staff
        and user.pk != other.pk
        and not selectors.users_share_conversation(user=user, other=other)
    ):
        raise PermissionDenied(
            "You can start a conversation only with people you already share a conversation with."
        )
    if other.is_bot and user.pk != other.pk:  # one a bot started stays open (above)
        raise PermissionDenied("Bots take no direct messages: talk to them in a room.")
    try:
        return conversation_create(
            kind=Conversation.Kind.DIRECT, creator=user, direct_key=key, members=[other]
        )
    except IntegrityError:  # both opened it at once: the first one stored wins
        return Conversation.objects.get(direct_key=key)


def conversation_mark_read(
    *, conversation: Conversation, user: User, message_id: int, opened: bool = False
) -> None:
    """Move the read marker forward (never back). One UPDATE, no read first.

    ``opened``: the person opened the conversation's page; its notifications are then read
    too. A mention that arrives while the page is open still lights the badge; a direct
    message makes no notification for a reader with the conversation open (notify).
    """
    Membership.objects.filter(conversation=conversation, user=user).update(
        last_read_message_id=Greatest(F("last_read_message_id"), message_id)
    )
    if opened:
        notifications.notifications_mark_read(user=user, conversation_id=conversation.pk)
