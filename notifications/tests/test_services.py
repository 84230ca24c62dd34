"""notifications.services: a notification is stored in the caller's transaction; the live
badge and (for someone offline) one e-mail go out only after it commits."""

import pytest
from django.core import mail

from core import events
from notifications import hooks, selectors, services
from notifications.models import Code, Notification
from rooms import services as engine

pytestmark = pytest.mark.django_db


def _notify(user, **extra):
    return services.notification_create(
        user=user, code=Code.MENTION, title="Mentioned", payload={"conversation": 7}, **extra
    )


def test_nothing_leaves_before_commit(user, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(user)
    assert Notification.objects.filter(user=user).count() == 1
    assert sent == []
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_the_badge_hears_the_new_count_and_an_offline_person_gets_one_email(
    user, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
        _notify(user)
    groups, kind, frame = sent[-1]
    assert (groups, kind, frame["unread"]) == (
        [events.user_group(user.pk)],
        "notification.created",
        2,
    )
    assert len(mail.outbox) == 1  # at most one per UCHAT_NOTIFY_EMAIL_EVERY
    assert mail.outbox[0].to == [user.email]


def test_someone_online_gets_no_email(user, sent, django_capture_on_commit_callbacks):
    engine.presence_connect(user=user, channel_name="tab-1")
    assert hooks.online_user_ids(user_ids=[user.pk]) == {user.pk}  # the engine's check
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    assert [kind for _, kind, _ in sent if kind == "notification.created"]
    assert mail.outbox == []


def test_email_false_never_emails(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user, email=False)
    assert mail.outbox == []


def test_marking_read_by_conversation_or_all(user, sent, django_capture_on_commit_callbacks):
    _notify(user)
    services.notification_create(user=user, code=Code.NEW_MESSAGE, payload={"conversation": 8})
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_mark_read(user=user, conversation_id=7) == 1
    assert selectors.unread_count(user=user) == 1
    assert sent[-1][1:] == ("notification.read", {"unread": 1})
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_mark_read(user=user) == 1
    assert selectors.unread_count(user=user) == 0


def test_unread_counts_stop_at_the_cap(user, settings):
    settings.UCHAT_UNREAD_CAP = 3
    for _ in range(5):
        services.notification_create(user=user, code=Code.MENTION, payload={}, email=False)
    assert selectors.unread_count(user=user) == 3


def test_a_bad_code_is_refused_and_nothing_is_stored(user):
    from django.core.exceptions import ValidationError

    with pytest.raises((ValidationError, ValueError)):
        services.notification_create(user=user, code=12345, payload={})  # type: ignore[arg-type]
    assert not Notification.objects.exists()
