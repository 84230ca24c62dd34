"""Incoming webhooks: a secret URL posts to its room as its bot (JSON or a form's payload),
through the message service (markdown, length limit, rate); bad input stores nothing; a
revoked URL (or one whose creator changed their password) answers 404."""

import json

import pytest
from django.test import Client

from accounts import services as accounts
from accounts.tests.factories import UserFactory
from core import events
from integrations.models import IncomingWebhook
from rooms import services as engine
from rooms.models import Message

pytestmark = pytest.mark.django_db


def hook_path(url: str) -> str:
    assert url.startswith("http://127.0.0.1:8000/hooks/")
    assert url.endswith("/")
    return url.removeprefix("http://127.0.0.1:8000")


def test_incoming_webhook_posts_as_its_bot_and_ends_when_revoked(
    user, other_user, auth_client, sent, settings, django_capture_on_commit_callbacks
):
    settings.UCHAT_SITE_URL = "http://127.0.0.1:8000"
    room = engine.room_create(creator=user, name="builds", members=[other_user])

    # Who may: the room's admin; a plain member is refused, a stranger learns nothing.
    member, stranger = Client(), Client()
    member.force_login(other_user)
    stranger.force_login(UserFactory(username="eve"))
    url = f"/api/rooms/{room.pk}/webhooks"
    assert member.post(url, {"name": "CI"}, content_type="application/json").status_code == 403
    assert stranger.post(url, {"name": "CI"}, content_type="application/json").status_code == 404
    guest = UserFactory(username="gus", is_guest=True)
    engine.members_add(conversation=room, actor=user, users=[guest])
    guest_client = Client()
    guest_client.force_login(guest)
    assert guest_client.get(url).status_code == 403

    made = auth_client.post(url, {"name": "CI"}, content_type="application/json")
    assert made.status_code == 201, made.content
    hook = made.json()
    assert hook["bot"]["is_bot"]
    assert hook["bot"]["username"] == "ci-bot"
    path = hook_path(hook["url"])
    token = path.split("/")[2]
    stored = IncomingWebhook.objects.get()
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64
    listed = auth_client.get(url).json()["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]]
    assert "url" not in listed[0]
    assert token not in json.dumps(listed)

    anonymous = Client(enforce_csrf_checks=True)  # no session, no CSRF token
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = anonymous.post(
            path,
            json.dumps({"text": "Build **passed**", "username": "mallory", "channel": "#x"}),
            content_type="application/json",
        )
    assert answer.status_code == 200, answer.content
    message = Message.objects.get(pk=answer.json()["id"])
    assert answer.json()["ok"] is True
    assert message.sender is not None
    assert message.sender.username == "ci-bot"
    assert message.conversation_id == room.pk
    assert "<strong>passed</strong>" in message.html
    frames = [f for f in sent if f[1] == "message.created"]
    assert frames
    assert frames[0][0] == [events.conversation_group(room.pk)]
    assert frames[0][2]["sender"]["username"] == "ci-bot"
    assert frames[0][2]["sender"]["is_bot"]

    form = anonymous.post(path, {"payload": json.dumps({"text": "from a form"})})
    assert form.status_code == 200
    assert Message.objects.filter(body="from a form", sender__username="ci-bot").exists()

    count = Message.objects.count()
    for bad in (b"{not json", b"[]", b'{"text": ""}', b'{"text": 5}', b'{"txt": "x"}'):
        refused = anonymous.post(path, bad, content_type="application/json")
        assert (refused.status_code, refused.json()["subcode"]) == (400, 4081), bad
    assert anonymous.post(path, {"nopayload": "x"}).status_code == 400
    too_long = json.dumps({"text": "x" * (settings.UCHAT_MESSAGE_MAX_LENGTH + 1)})
    assert anonymous.post(path, too_long, content_type="application/json").status_code == 400
    assert anonymous.get(path).status_code == 405
    assert Message.objects.count() == count

    # The message rate is the engine's, keyed on the bot.
    settings.UCHAT_MESSAGE_RATE = 3
    statuses = [
        anonymous.post(path, {"payload": json.dumps({"text": f"n{i}"})}).status_code
        for i in range(4)
    ]
    assert statuses.count(200) <= 3
    assert statuses[-1] == 429

    # Revoked: the URL is gone, its bot deactivated, its messages stay.
    assert member.delete(f"{url}/{hook['id']}").status_code == 403
    assert auth_client.delete(f"{url}/{hook['id']}").status_code == 204
    assert anonymous.post(path, {"payload": '{"text": "x"}'}).status_code == 404
    assert anonymous.post("/hooks/not-a-token/", {"payload": '{"text": "x"}'}).status_code == 404
    stored.refresh_from_db()
    stored.bot.refresh_from_db()
    assert stored.revoked_at is not None
    assert not stored.bot.is_active
    assert auth_client.get(url).json()["webhooks"] == []
    assert Message.objects.filter(sender=stored.bot).count() >= 2


def test_a_password_change_revokes_the_creators_incoming_webhooks(user):
    room = engine.room_create(creator=user, name="ops")
    from integrations.services import incoming

    created = incoming.incoming_webhook_create(room=room, creator=user, name="Alerts")
    assert incoming.webhook_for_token(created.token) is not None
    accounts.user_access_revoke(user=user, reason="password_changed")
    assert incoming.webhook_for_token(created.token) is None
    created.webhook.refresh_from_db()
    assert created.webhook.revoked_at is not None


def test_a_removed_member_stops_reading_through_their_bots_and_webhooks(
    user, other_user, django_capture_on_commit_callbacks
):
    """Mallory (a room admin) puts her bot in the room and makes a webhook there. Demoted,
    she keeps both (Slack does); removed, her bot leaves the room and her webhook is revoked.
    The webhook's bot is nobody's: she can mint no token for it, nor list it as hers."""
    mallory = other_user
    room = engine.room_create(creator=user, name="ops", members=[mallory])
    engine.room_update(
        room=room, actor=user, name="ops", topic="", members=[user, mallory], admins=[user, mallory]
    )
    spy = accounts.bot_create(owner=mallory, name="Spy")
    engine.members_add(conversation=room, actor=mallory, users=[spy], notify=False)
    client = Client()
    client.force_login(mallory)
    made = client.post(
        f"/api/rooms/{room.pk}/webhooks", {"name": "CI"}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    hook = IncomingWebhook.objects.get()
    assert hook.bot.bot_owner is None
    minted = client.post(
        f"/api/bots/{hook.bot_id}/tokens", {"name": "read"}, content_type="application/json"
    )
    assert minted.status_code == 404, minted.content  # not hers: nothing learnt
    assert not hook.bot.api_tokens.exists()
    listed = client.get("/api/bots").json()
    assert [b["id"] for b in listed["bots"]] == [spy.pk]

    everyone = [user, mallory, spy, hook.bot]
    with django_capture_on_commit_callbacks(execute=True):
        engine.room_update(
            room=room, actor=user, name="ops", topic="", members=everyone, admins=[user]
        )
    hook.refresh_from_db()
    assert hook.revoked_at is None  # demoted: kept
    assert room.memberships.filter(user=spy).exists()

    with django_capture_on_commit_callbacks(execute=True):
        engine.room_update(
            room=room,
            actor=user,
            name="ops",
            topic="",
            members=[user, spy, hook.bot],
            admins=[user],
        )
    hook.refresh_from_db()
    hook.bot.refresh_from_db()
    assert not room.memberships.filter(user=spy).exists()
    assert hook.revoked_at is not None
    assert not hook.bot.is_active
    assert room.memberships.filter(user=user).exists()
