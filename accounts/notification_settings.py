"""A person's own notification settings: do not disturb until a time, quiet hours on their
clock, e-mail and push on or off, and their time zone. The one rule that reads them is
notifications.rules; this module stores them, validated, and gives their one wire shape."""

import functools
import zoneinfo
from datetime import datetime, time, timedelta
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.cache import rate_take

UNTIL_MAX = timedelta(days=366)


class QuietHoursPayload(TypedDict):
    start: str
    end: str


class NotificationSettingsPayload(TypedDict):
    dnd_until: str | None
    quiet_hours: QuietHoursPayload | None
    email: bool
    push: bool
    time_zone: str


class NotificationSettingsChanges(TypedDict, total=False):
    dnd_until: datetime | None
    quiet_hours: tuple[time, time] | None
    email: bool
    push: bool
    time_zone: str


@functools.cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def until_clean(value: datetime | None, *, field: str) -> datetime | None:
    """None, or an aware time in the future and at most a year ahead (a mute, do not
    disturb)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        raise ValidationError(f"{field}: give a time zone (e.g. 2026-12-05T18:00:00Z).")
    now = timezone.now()
    if value <= now:
        raise ValidationError(f"{field} must be in the future (or null).")
    if value > now + UNTIL_MAX:
        raise ValidationError(f"{field} is at most a year ahead.")
    return value


def notify_settings_rate_take(*, user: User) -> None:
    """The settings' PUTs (the person's and each conversation's), together:
    UCHAT_NOTIFY_SETTINGS_PER_MINUTE a person."""
    rate_take(
        scope="notify-settings",
        who=user.pk,
        limit=settings.UCHAT_NOTIFY_SETTINGS_PER_MINUTE,
        window=60,
        message="Too many changes to notification settings. Wait a minute and try again.",
    )


def notification_settings_payload(user: User) -> NotificationSettingsPayload:
    start, end = user.quiet_hours_start, user.quiet_hours_end
    return {
        "dnd_until": user.dnd_until.isoformat() if user.dnd_until else None,
        "quiet_hours": (
            {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
            if start is not None and end is not None
            else None
        ),
        "email": user.notify_email,
        "push": user.notify_push,
        "time_zone": user.time_zone,
    }


def tomorrow_morning(*, time_zone: str, now: datetime | None = None) -> datetime:
    """08:00 tomorrow on the person's clock ("until tomorrow morning")."""
    zone = zoneinfo.ZoneInfo(time_zone if time_zone in time_zones() else "UTC")
    local = (now or timezone.now()).astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=1), time(8), tzinfo=zone)


def notification_settings_update(*, user: User, changes: NotificationSettingsChanges) -> User:
    """Change the given settings (keys absent stay as they are); every value is checked
    before anything is stored. Rate-limited with the conversations' settings."""
    fields: dict[str, object] = {}
    if "dnd_until" in changes:
        fields["dnd_until"] = until_clean(changes["dnd_until"], field="dnd_until")
    if "quiet_hours" in changes:
        quiet = changes["quiet_hours"]
        if quiet is not None and quiet[0] == quiet[1]:
            raise ValidationError("quiet_hours: start and end must differ.")
        fields["quiet_hours_start"], fields["quiet_hours_end"] = quiet or (None, None)
    if "email" in changes:
        fields["notify_email"] = bool(changes["email"])
    if "push" in changes:
        fields["notify_push"] = bool(changes["push"])
    if "time_zone" in changes:
        if changes["time_zone"] not in time_zones():
            raise ValidationError(
                "time_zone: not a time zone this server knows (e.g. Europe/Paris)."
            )
        fields["time_zone"] = changes["time_zone"]
    notify_settings_rate_take(user=user)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(user, name, value)
        if fields:
            user.save(update_fields=list(fields))
    return user
