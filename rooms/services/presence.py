"""Presence: one row per open socket; a person is online while one of theirs is fresh."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import events
from rooms import hooks, selectors
from rooms.models import Presence


def presence_connect(*, user: User, channel_name: str) -> bool:
    """Record an open socket; True if the person just came online (their first socket)."""
    now = timezone.now()
    with transaction.atomic():
        Presence.objects.filter(user=user, last_seen__lt=selectors.presence_fresh_since()).delete()
        was_online = Presence.objects.filter(user=user).exists()
        Presence.objects.update_or_create(
            channel_name=channel_name, defaults={"user": user, "last_seen": now}
        )
    if not was_online:
        _presence_broadcast(user=user, online=True)
        if user.is_agent:
            for hook in hooks.agent_online:  # the desk hands an online agent queued tickets
                hook(user=user)
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
