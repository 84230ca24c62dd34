"""A member's notification setting in one conversation: the level (all, mentions, none) and
a mute until a time. What they mean is notifications.rules'; this module stores them and
turns a membership into the rule's Scope."""

from datetime import datetime
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.notification_settings import notify_settings_rate_take, until_clean
from rooms.models import Conversation, Membership, NotifyLevel


class NotifyChanges(TypedDict, total=False):
    level: str
    muted_until: datetime | None


def membership_notify_set(
    *, conversation: Conversation, user: User, changes: NotifyChanges
) -> Membership:
    """Set ``user``'s level and/or mute in ``conversation`` (keys absent stay as they are).
    Rate-limited; nothing is stored when a value is refused."""
    if "level" in changes and changes["level"] not in NotifyLevel.values:
        raise ValidationError("level must be one of all, mentions, none.", code="invalid")
    muted_until = (
        until_clean(changes["muted_until"], field="muted_until")
        if "muted_until" in changes
        else None
    )
    notify_settings_rate_take(user=user)
    with transaction.atomic():
        # The conversation's row lock: notify_all and the levels change together.
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        membership = Membership.objects.filter(conversation=locked, user=user).first()
        if membership is None:
            raise ValidationError("Not a member of this conversation.", code="not_member")
        fields = []
        if "level" in changes:
            membership.notify_level = changes["level"]
            fields.append("notify_level")
        if "muted_until" in changes:
            membership.muted_until = muted_until
            fields.append("muted_until")
        membership.full_clean()
        membership.save(update_fields=fields)
        # Only rooms tell of every message (reason "message"); a member who left at "all"
        # leaves it True, which costs the handler one query that finds nobody.
        notify_all = (
            locked.kind == Conversation.Kind.ROOM
            and Membership.objects.filter(
                conversation=locked, notify_level=NotifyLevel.ALL
            ).exists()
        )
        if locked.notify_all != notify_all:
            locked.notify_all = notify_all
            locked.save(update_fields=["notify_all"])
    membership.conversation = locked
    return membership
