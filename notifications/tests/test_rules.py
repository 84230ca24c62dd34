"""notifications.rules.decide: the one rule, as a table. Every reason x level, with and
without a mute, do not disturb and quiet hours (over midnight, in the person's time zone),
e-mail and push on or off, online or not."""

import itertools
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notifications import rules
from notifications.rules import Decision

NOW = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)  # 22:30 the evening before in New York
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = (time(22, 0), time(7, 0))  # over midnight

# reason -> (all, mentions, none): whether the level lets it through at all.
LEVEL_TABLE = {
    "direct": (True, True, False),
    "mention": (True, True, False),
    "thread": (True, True, False),
    "message": (True, False, False),
    "desk": (True, True, False),
    "system": (True, True, False),
}
LEVEL_COLUMNS = ("all", "mentions", "none")

# mute / dnd: None, expired, active.
MUTES = {
    "unmuted": None,
    "mute over": NOW - timedelta(minutes=1),
    "muted": NOW + timedelta(hours=1),
}
DNDS = {"no dnd": None, "dnd over": NOW - timedelta(seconds=1), "dnd": NOW + timedelta(hours=8)}
# (quiet hours, zone, whether NOW is quiet for them)
QUIET = {
    "no quiet hours": (None, UTC, False),
    "22-07 in New York (22:30 there)": (NIGHT, NEW_YORK, True),
    "22-07 in UTC (03:30 there)": (NIGHT, UTC, True),
    "22-07 in Tokyo (12:30 there)": (NIGHT, ZoneInfo("Asia/Tokyo"), False),
    "09-17 in New York": ((time(9), time(17)), NEW_YORK, False),
    "03:30-04:00 in UTC (start inclusive)": ((time(3, 30), time(4)), UTC, True),
    "01:00-03:30 in UTC (end exclusive)": ((time(1), time(3, 30)), UTC, False),
}


def _cases():
    for (reason, allowed), (column, level) in itertools.product(
        LEVEL_TABLE.items(), enumerate(LEVEL_COLUMNS)
    ):
        for (mute_name, muted_until), (dnd_name, dnd_until), (
            quiet_name,
            quiet,
        ) in itertools.product(MUTES.items(), DNDS.items(), QUIET.items()):
            record = allowed[column] and mute_name != "muted"
            loud = record and dnd_name != "dnd" and not quiet[2]
            name = f"{reason}-{level}-{mute_name}-{dnd_name}-{quiet_name}"
            yield pytest.param(reason, level, muted_until, dnd_until, quiet, record, loud, id=name)


@pytest.mark.parametrize(
    ("reason", "level", "muted_until", "dnd_until", "quiet", "record", "loud"), list(_cases())
)
def test_decide(reason, level, muted_until, dnd_until, quiet, record, loud):
    quiet_hours, tz, _ = quiet
    # Each row, for e-mail and push on or off and the person online or not.
    for email_on, push_on, online in itertools.product((True, False), repeat=3):
        expected = Decision(
            record=record,
            alert=loud,
            email=loud and email_on and not online,
            push=loud and push_on,
        )
        decided = rules.decide(
            reason=reason,
            level=level,
            muted_until=muted_until,
            dnd_until=dnd_until,
            quiet_hours=quiet_hours,
            tz=tz,
            now=NOW,
            email_on=email_on,
            push_on=push_on,
            online=online,
        )
        assert decided == expected, (email_on, push_on, online)


def _decide(reason: str, level: str, **changes: Any) -> Decision:
    kwargs: dict[str, Any] = {
        "muted_until": None,
        "dnd_until": None,
        "quiet_hours": None,
        "tz": UTC,
        "now": NOW,
        "email_on": True,
        "push_on": True,
        "online": False,
        **changes,
    }
    return rules.decide(reason=reason, level=level, **kwargs)


def test_spot_checks_of_the_table():
    """A few rows spelled out, so that the generated table above cannot drift with the code."""
    loud = Decision(record=True, alert=True, email=True, push=True)
    assert _decide("message", "mentions") == rules.NOTHING
    assert _decide("mention", "none") == rules.NOTHING
    assert _decide("mention", "mentions") == loud
    assert _decide("message", "all") == loud
    assert _decide("direct", "all", dnd_until=NOW + timedelta(hours=1)) == Decision(
        record=True, alert=False, email=False, push=False
    )
    assert _decide("direct", "all", online=True) == Decision(
        record=True, alert=True, email=False, push=True
    )


def test_unknown_reason_or_level_is_a_bug():
    with pytest.raises(ValueError, match="reason"):
        _decide("gossip", "all")
    with pytest.raises(ValueError, match="level"):
        _decide("direct", "")
