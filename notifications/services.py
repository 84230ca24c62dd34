"""Every write of notifications. Other apps call notification_create inside their own
transaction; the live badge and the e-mail go out only after it commits. Whether anything is
recorded, and on which channels, is notifications.rules.decide's alone."""

import zoneinfo
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_mailable
from core import events
from notifications import frames, hooks, payloads, push, rules, selectors, tasks
from notifications.models import Code, Notification
from notifications.rules import Decision, Scope


def user_zone(user: User) -> tzinfo:
    """The person's time zone; UTC when theirs is unknown to this server's tz database."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def notification_decide(
    *,
    user: User,
    reason: str,
    scope: Scope | None,
    online: bool = False,
    now: datetime | None = None,
) -> Decision:
    """rules.decide with this person's settings. ``online`` False answers whether an e-mail
    would go to them offline: _deliver asks who is online only when that is so."""
    quiet = (
        (user.quiet_hours_start, user.quiet_hours_end)
        if user.quiet_hours_start is not None and user.quiet_hours_end is not None
        else None
    )
    return rules.decide(
        reason=reason,
        level=scope.level if scope is not None else rules.ALL,
        muted_until=scope.muted_until if scope is not None else None,
        dnd_until=user.dnd_until,
        quiet_hours=quiet,
        tz=user_zone(user),
        now=now or timezone.now(),
        email_on=user.notify_email,
        push_on=user.notify_push,
        online=online,
    )


def notification_create(
    *,
    user: User,
    code: Code,
    payload: dict[str, Any],
    title: str | None = None,
    is_error: bool = False,
    email: bool = True,
    reason: str = rules.SYSTEM,
    scope: Scope | None = None,
) -> Notification | None:
    """Record a notification for ``user`` about ``reason`` (``scope``: their setting in the
    conversation it is about, None for none), unless the rule says nothing is recorded:
    then None. ``email`` False: the caller e-mails them itself, or never."""
    decision = notification_decide(user=user, reason=reason, scope=scope)
    if not decision.record:
        return None
    notification = Notification(
        user=user, code=code, title=title or Code(code).label, payload=payload, is_error=is_error
    )
    notification.full_clean()
    notification.save()
    frame = {**payloads.notification_payload(notification), "alert": decision.alert}
    transaction.on_commit(lambda: _deliver(notification, frame, decision, email=email), robust=True)
    return notification


def _deliver(
    notification: Notification, frame: dict[str, Any], decision: Decision, *, email: bool
) -> None:
    """The live badge always (with ``alert`` for open tabs), then push and e-mail as decided."""
    user = notification.user
    frame["unread"] = selectors.unread_count(user=user)
    events.broadcast([events.user_group(user.pk)], frames.NOTIFICATION_CREATED, frame)
    if decision.push:
        push.push_notification(notification)
    if not (email and decision.email) or user.pk in hooks.online_user_ids(user_ids=[user.pk]):
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
