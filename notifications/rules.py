"""The one rule of who is told what, and how (docs/notifications.md has it as a table).

Pure: no database, no clock of its own. Every channel (the notification row and live badge,
the desktop pop-up in open tabs, e-mail, push) follows ``decide``; callers gather the facts."""

from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import Final

# Why someone would be told.
DIRECT: Final = "direct"  # a direct message to them
MENTION: Final = "mention"  # @them, @everyone in a room, or (later) a group they are in
THREAD: Final = "thread"  # a reply in a thread they follow
MESSAGE: Final = "message"  # an ordinary message in a room
DESK: Final = "desk"  # a ticket event addressed to them
SYSTEM: Final = "system"  # added to a room, an account created, feedback received
REASONS: Final = (DIRECT, MENTION, THREAD, MESSAGE, DESK, SYSTEM)

# A member's level in one conversation.
ALL: Final = "all"
MENTIONS: Final = "mentions"
NONE: Final = "none"
LEVELS: Final = (ALL, MENTIONS, NONE)

# What each level lets through: "mentions" keeps every reason addressed to the person.
_ALLOWED: Final = {
    ALL: frozenset(REASONS),
    MENTIONS: frozenset(REASONS) - {MESSAGE},
    NONE: frozenset(),
}


@dataclass(frozen=True)
class Scope:
    """A person's setting in the conversation a notification is about, built by the caller
    from the membership (notifications knows no rooms). ``level`` is the effective one."""

    level: str
    muted_until: datetime | None = None


@dataclass(frozen=True)
class Decision:
    record: bool  # the notification row, the list and the live badge
    alert: bool  # desktop pop-up and sound in open tabs
    email: bool
    push: bool


NOTHING: Final = Decision(record=False, alert=False, email=False, push=False)


def in_quiet_hours(*, quiet_hours: tuple[time, time] | None, tz: tzinfo, now: datetime) -> bool:
    """Whether ``now`` falls in [start, end) on the person's clock; ``start`` after ``end``
    spans midnight (22:00-07:00)."""
    if quiet_hours is None:
        return False
    start, end = quiet_hours
    local = now.astimezone(tz).time().replace(tzinfo=None)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def decide(
    *,
    reason: str,
    level: str,
    muted_until: datetime | None,
    dnd_until: datetime | None,
    quiet_hours: tuple[time, time] | None,
    tz: tzinfo,
    now: datetime,
    email_on: bool,
    push_on: bool,
    online: bool,
) -> Decision:
    """Whether a notification for ``reason`` is recorded, and on which channels it alerts.

    Level "none" or an active mute: nothing (the conversation's unread count still counts).
    Do not disturb or quiet hours: recorded silently. E-mail only to someone offline who
    wants it; push whether online or not (the phone is another device)."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    muted = muted_until is not None and muted_until > now
    if muted or reason not in _ALLOWED[level]:
        return NOTHING
    quiet = (dnd_until is not None and dnd_until > now) or in_quiet_hours(
        quiet_hours=quiet_hours, tz=tz, now=now
    )
    if quiet:
        return Decision(record=True, alert=False, email=False, push=False)
    return Decision(record=True, alert=True, email=email_on and not online, push=push_on)
