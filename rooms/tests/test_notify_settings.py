"""Notification control in conversations: GET/PUT /api/conversations/<id>/notifications, and
what the levels, mutes and a person's do-not-disturb do to real messages (after the commit)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import Code, Notification
from rooms import selectors, services
from rooms.models import Conversation, Membership

URL = "/api/conversations/{}/notifications"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _put(client: Client, conversation_id: int, body: dict):
    return client.put(URL.format(conversation_id), body, content_type="application/json")


@pytest.mark.django_db
def test_round_trip_and_defaults(user, other_user):
    room = services.room_create(creator=user, name="Ops", members=[other_user])
    dm = services.direct_conversation_get_or_create(user=user, other=other_user)
    client = _client(user)

    assert client.get(URL.format(room.pk)).json() == {"level": "mentions", "muted_until": None}
    assert client.get(URL.format(dm.pk)).json() == {"level": "all", "muted_until": None}

    answer = _put(client, room.pk, {"level": "all", "mute_for": 3600})
    assert answer.status_code == 200
    body = answer.json()
    assert body["level"] == "all"
    muted = Membership.objects.get(conversation=room, user=user)
    assert muted.notify_level == "all"
    assert muted.muted_until is not None
    assert abs((muted.muted_until - timezone.now()) - timedelta(hours=1)) < timedelta(minutes=1)
    assert body["muted_until"] == muted.muted_until.isoformat()
    room.refresh_from_db()
    assert room.notify_all  # the writer's ``when`` test reads this, not the members

    assert _put(client, room.pk, {"muted_until": None}).json() == {
        "level": "all",
        "muted_until": None,
    }
    _put(client, room.pk, {"level": "none"})
    room.refresh_from_db()
    assert not room.notify_all
    # Bob's setting is his own.
    assert _client(other_user).get(URL.format(room.pk)).json()["level"] == "mentions"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"level": "loud"},
        {"level": ""},
        {"muted_until": "yesterday"},
        {"muted_until": "2001-01-01T00:00:00Z"},  # the past
        {"muted_until": "2999-01-01T00:00:00Z"},  # more than a year ahead
        {"mute_for": 5},
        {"mute_for": 60, "muted_until": None},
        {"level": "all", "volume": 11},
    ],
)
def test_bad_input_is_a_400_and_stores_nothing(user, body):
    room = services.room_create(creator=user, name="Ops")
    answer = _put(_client(user), room.pk, body)
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]
    membership = Membership.objects.get(conversation=room, user=user)
    assert (membership.notify_level, membership.muted_until) == ("", None)


@pytest.mark.django_db
def test_non_members_get_404(user, other_user):
    room = services.room_create(creator=user, name="Private")
    stranger = _client(other_user)
    assert stranger.get(URL.format(room.pk)).status_code == 404
    assert _put(stranger, room.pk, {"level": "all"}).status_code == 404
    assert stranger.get(URL.format(999999)).status_code == 404
    assert Client().get(URL.format(room.pk)).status_code in (401, 403)


@pytest.mark.django_db
def test_changes_are_rate_limited(user, settings):
    settings.UCHAT_NOTIFY_SETTINGS_PER_MINUTE = 2
    room = services.room_create(creator=user, name="Ops")
    client = _client(user)
    assert _put(client, room.pk, {"level": "all"}).status_code == 200
    assert _put(client, room.pk, {"level": "none"}).status_code == 200
    answer = _put(client, room.pk, {"level": "mentions"})
    assert answer.status_code == 429
    assert Membership.objects.get(conversation=room, user=user).notify_level == "none"


MESSAGE_CODES = (Code.NEW_MESSAGE, Code.MENTION)


def _about_messages(user):
    """Their notifications of messages (not of being added to the room)."""
    return Notification.objects.filter(user=user, code__in=MESSAGE_CODES)


@pytest.mark.django_db(transaction=True)
def test_a_dm_under_dnd_is_recorded_silently_without_email(user, other_user, sent):
    dm = services.direct_conversation_get_or_create(user=user, other=other_user)
    other_user.dnd_until = timezone.now() + timedelta(hours=1)
    other_user.save(update_fields=["dnd_until"])

    services.message_create(conversation=dm, sender=user, body="are you there?")

    assert Notification.objects.filter(user=other_user, code=Code.NEW_MESSAGE).count() == 1
    frames = [f for _, kind, f in sent if kind == "notification.created"]
    assert len(frames) == 1
    assert frames[0]["alert"] is False
    assert mail.outbox == []

    # Without DND, the same message alerts and (offline) e-mails.
    other_user.dnd_until = None
    other_user.save(update_fields=["dnd_until"])
    services.message_create(conversation=dm, sender=user, body="hello?")
    frames = [f for _, kind, f in sent if kind == "notification.created"]
    assert frames[-1]["alert"] is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_room_at_none_gets_no_mention_yet_its_unread_count_counts(user, other_user, sent):
    room = services.room_create(creator=user, name="Noisy", members=[other_user])
    services.membership_notify_set(conversation=room, user=other_user, changes={"level": "none"})

    services.message_create(conversation=room, sender=user, body="@bob and @everyone look")

    assert not _about_messages(other_user).exists()
    listed = next(
        m for m in selectors.memberships_for_user(user=other_user) if m.conversation_id == room.pk
    )
    assert getattr(listed, "unread") == 1  # noqa: B009 (annotated by the query)

    # A mute does the same until it ends; at "mentions" again the mention notifies.
    services.membership_notify_set(
        conversation=room,
        user=other_user,
        changes={"level": "mentions", "muted_until": timezone.now() + timedelta(hours=1)},
    )
    services.message_create(conversation=room, sender=user, body="@bob again")
    assert not _about_messages(other_user).exists()
    services.membership_notify_set(
        conversation=room, user=other_user, changes={"muted_until": None}
    )
    services.message_create(conversation=room, sender=user, body="@bob now")
    assert Notification.objects.filter(user=other_user, code=Code.MENTION).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_room_at_all_notifies_its_opted_in_members_for_every_message(user, other_user, sent):
    carol = UserFactory(username="carol")
    room = services.room_create(creator=user, name="Launch", members=[other_user, carol])

    services.message_create(conversation=room, sender=user, body="before anyone opted in")
    assert not Notification.objects.filter(code__in=MESSAGE_CODES).exists()

    services.membership_notify_set(conversation=room, user=other_user, changes={"level": "all"})
    services.message_create(conversation=room, sender=user, body="we ship at noon")
    services.message_create(conversation=room, sender=user, body="@bob you too")

    bobs = list(_about_messages(other_user).order_by("pk"))
    assert [(n.code, n.payload["text"]) for n in bobs] == [
        (Code.NEW_MESSAGE, "we ship at noon"),
        (Code.MENTION, "@bob you too"),  # one notification per person per message
    ]
    assert not _about_messages(carol).exists()  # still at "mentions"
    assert not _about_messages(user).exists()  # the sender

    # @everyone reaches Carol at "mentions"; @here only those online (nobody is).
    services.message_create(conversation=room, sender=other_user, body="@here anyone?")
    assert not _about_messages(carol).exists()
    services.message_create(conversation=room, sender=other_user, body="@everyone standup")
    assert Notification.objects.filter(user=carol, code=Code.MENTION).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_every_message_handler_runs_only_for_rooms_with_someone_at_all(user, other_user):
    """Its ``when`` test reads the flag the writer fetched with its row lock: no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rooms.domain_events import MessageCreated
    from rooms.services import notify

    room = services.room_create(creator=user, name="Flag", members=[other_user])
    plain, _ = services.message_create(conversation=room, sender=user, body="nothing")
    assert not notify.message_concerns_others(MessageCreated(plain))

    # Set through another object: the writer refreshes the flag on the caller's conversation.
    stale = Conversation.objects.get(pk=room.pk)
    services.membership_notify_set(conversation=stale, user=other_user, changes={"level": "all"})
    again, _ = services.message_create(conversation=room, sender=user, body="still nothing")
    with CaptureQueriesContext(connection) as queries:
        assert notify.message_concerns_others(MessageCreated(again))
    assert len(queries) == 0
