"""GET/PUT /api/notification-settings: a person's do-not-disturb, quiet hours, e-mail, push and
time zone; validated as a whole, nothing stored on bad input."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

URL = "/api/notification-settings"
pytestmark = pytest.mark.django_db


def _put(client: Client, body):
    return client.put(URL, body, content_type="application/json")


def test_defaults_and_round_trip(auth_client, user):
    assert auth_client.get(URL).json() == {
        "dnd_until": None,
        "quiet_hours": None,
        "email": True,
        "push": True,
        "time_zone": "UTC",
    }
    until = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    answer = _put(
        auth_client,
        {
            "dnd_until": until.isoformat(),
            "quiet_hours": {"start": "22:00", "end": "07:00"},
            "email": False,
            "time_zone": "Europe/Paris",
        },
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "dnd_until": until.isoformat(),
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "email": False,
        "push": True,
        "time_zone": "Europe/Paris",
    }
    user.refresh_from_db()
    assert (user.dnd_until, user.quiet_hours_start, user.quiet_hours_end) == (
        until,
        time(22),
        time(7),
    )
    assert (user.notify_email, user.notify_push, user.time_zone) == (False, True, "Europe/Paris")
    # Keys absent stay; null clears.
    body = _put(auth_client, {"dnd_until": None, "quiet_hours": None}).json()
    assert (body["dnd_until"], body["quiet_hours"], body["email"]) == (None, None, False)


@pytest.mark.parametrize(
    "body",
    [
        {},
        [],
        {"dnd_until": "soon"},
        {"dnd_until": "2001-01-01T00:00:00Z"},
        {"dnd_until": "2999-01-01T00:00:00Z"},
        {"quiet_hours": {"start": "22:00"}},
        {"quiet_hours": {"start": "22:00", "end": "22:00"}},
        {"quiet_hours": {"start": "25:00", "end": "07:00"}},
        {"quiet_hours": "22-07"},
        {"email": "maybe"},
        {"time_zone": "Mars/Olympus"},
        {"email": False, "dnd": True},
        # One bad value refuses the good ones with it.
        {"email": False, "quiet_hours": {"start": "22:00", "end": "22:00"}},
    ],
)
def test_bad_input_is_a_400_and_stores_nothing(auth_client, user, body):
    answer = _put(auth_client, body)
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]
    user.refresh_from_db()
    assert (user.dnd_until, user.quiet_hours_start, user.notify_email, user.time_zone) == (
        None,
        None,
        True,
        "UTC",
    )


def test_anonymous_is_refused_and_changes_are_rate_limited(auth_client, settings):
    assert Client().get(URL).status_code in (401, 403)
    settings.UCHAT_NOTIFY_SETTINGS_PER_MINUTE = 1
    assert _put(auth_client, {"push": False}).status_code == 200
    assert _put(auth_client, {"push": True}).status_code == 429
    assert auth_client.get(URL).json()["push"] is False


def test_the_profile_page_edits_them(auth_client, user):
    page = auth_client.get("/accounts/profile/")
    assert b"Quiet hours" in page.content
    assert b'name="time_zone"' in page.content

    answer = auth_client.post(
        "/accounts/profile/notifications/",
        {
            "pause": "morning",
            "quiet_start": "22:30",
            "quiet_end": "06:45",
            "time_zone": "Asia/Tokyo",
            "push": "on",
        },
    )
    assert answer.status_code == 302
    user.refresh_from_db()
    assert (user.quiet_hours_start, user.quiet_hours_end) == (time(22, 30), time(6, 45))
    assert (user.time_zone, user.notify_email, user.notify_push) == ("Asia/Tokyo", False, True)
    assert user.dnd_until is not None
    local = user.dnd_until.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (8, 0)
    assert b"Paused until" in auth_client.get("/accounts/profile/").content

    # One end of the quiet hours alone: refused, nothing changes.
    answer = auth_client.post(
        "/accounts/profile/notifications/",
        {"pause": "off", "quiet_start": "21:00", "time_zone": "UTC"},
    )
    assert answer.status_code == 200
    assert b"Give both ends of the quiet hours" in answer.content
    user.refresh_from_db()
    assert (user.time_zone, user.quiet_hours_start) == ("Asia/Tokyo", time(22, 30))
