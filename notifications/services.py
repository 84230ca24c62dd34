"""Every write of notifications. Other apps call notification_create inside their own
transaction; the live badge and the e-mail go out only after it commits."""

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_mailable
from core import events
from notifications import frames, hooks, payloads, push, selectors, tasks
from notifications.models import Code, Notification


def notification_create(
    *,
    user: User,
    code: Code,
    payload: dict[str, Any],
    title: str | None = None,
    is_error: bool = False,
    email: bool = True,
) -> Notification:
    notification = Notification(
        user=user, code=code, title=title or Code(code).label, payload=payload, is_error=is_error
    )
    notification.full_clean()
    notification.save()
    frame = {**payloads.notification_payload(notification)}
    transaction.on_commit(lambda: _deliver(notification, frame, email=email), robust=True)
    return notification


def _deliver(notification: Notification, frame: dict[str, Any], *, email: bool) -> None:
    user = notification.user
    frame["unread"] = selectors.unread_count(user=user)
    events.broadcast([events.user_group(user.pk)], frames.NOTIFICATION_CREATED, frame)
    push.push_notification(notification)
    if not email or user.pk in hooks.online_user_ids(user_ids=[user.pk]):
        return
    # Offline: tell them by e-mail, at most once per UCHAT_NOTIFY_EMAIL_EVERY seconds each.
    if users_mailable(users=[user]) and cache.add(
        f"notify-email:{user.pk}", 1, settings.UCHAT_NOTIFY_EMAIL_EVERY
    ):
        tasks.notification_email.delay(notification_id=notification.pk)


def notifications_mark_read(*, user: User, conversation_id: int | None = None) -> int:
    """Mark all read, or (when a conversation is read) the ones about that conversation."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if conversation_id is not None:
        unread = unread.filter(payload__conversation=conversation_id)
    count = unread.update(read_at=timezone.now())
    if count or conversation_id is None:
        transaction.on_commit(
            lambda: events.broadcast(
                [events.user_group(user.pk)],
                frames.NOTIFICATION_READ,
                {"unread": selectors.unread_count(user=user)},
            ),
            robust=True,
        )
    return count


def user_created_notify(*, user: User, creator: User | None) -> None:
    """The staff member who created an account is told, as on the seed chat server."""
    if creator is None:
        return
    notification_create(
        user=creator,
        code=Code.USER_CREATION,
        payload={
            "id": user.pk,
            "username": user.username,
            "timestamp": user.date_joined.isoformat(),
        },
    )
