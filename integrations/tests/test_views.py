"""The pages: a room admin's Integrations panel (its forms post to integrations' views), the
once-shown URL and secret, and the staff page; the admin site's actions go through services."""

import pytest
from django.test import Client

from accounts import services as accounts
from accounts.tests.factories import UserFactory
from integrations.models import IncomingWebhook, OutgoingWebhook
from rooms import services as engine

pytestmark = pytest.mark.django_db


def test_a_room_admin_manages_the_rooms_integrations_from_its_edit_page(
    user, other_user, auth_client, settings, receiver
):
    room = engine.room_create(creator=user, name="builds", members=[other_user])
    edit = auth_client.get(f"/rooms/{room.pk}/edit/").content.decode()
    assert 'id="integrations"' in edit
    assert "Add incoming webhook" in edit
    assert f'name="room" value="{room.pk}"' in edit  # the outgoing form is this room's

    made = auth_client.post(f"/integrations/rooms/{room.pk}/incoming/", {"name": "CI"})
    page = made.content.decode()
    assert made.status_code == 200
    assert "/hooks/" in page
    assert 'data-copy="secret"' in page
    assert "no-store" in made["Cache-Control"]
    hook = IncomingWebhook.objects.get()
    assert "CI" in auth_client.get(f"/rooms/{room.pk}/edit/").content.decode()

    member = Client()
    member.force_login(other_user)
    revoke = f"/integrations/rooms/{room.pk}/incoming/{hook.pk}/revoke/"
    assert member.post(revoke).status_code == 403
    assert auth_client.post(revoke).status_code == 302
    hook.refresh_from_db()
    assert hook.revoked_at is not None

    made = auth_client.post(
        "/integrations/outgoing/",
        {"url": f"{receiver.origin}/x", "events": ["message.created"], "room": room.pk},
    )
    assert made.status_code == 200
    outgoing = OutgoingWebhook.objects.get()
    assert outgoing.conversation == room
    assert made.content.decode().count(accounts_secret(outgoing)) == 1
    refused = auth_client.post(
        "/integrations/outgoing/", {"url": "ftp://x", "events": ["message.created"]}
    )
    assert refused.status_code == 403  # a site-wide hook: staff only
    bad_url = auth_client.post(
        "/integrations/outgoing/", {"url": "ftp://x", "events": ["x"], "room": room.pk}
    )
    assert bad_url.status_code == 302  # said on the edit page
    assert OutgoingWebhook.objects.count() == 1

    change = f"/integrations/outgoing/{outgoing.pk}/"
    assert member.post(change, {"action": "disable"}).status_code == 404  # not theirs to see
    auth_client.post(change, {"action": "disable"})
    outgoing.refresh_from_db()
    assert not outgoing.active
    auth_client.post(change, {"action": "enable"})
    outgoing.refresh_from_db()
    assert outgoing.active
    auth_client.post(change, {"action": "delete"})
    assert not OutgoingWebhook.objects.exists()

    stranger = Client()
    stranger.force_login(UserFactory(username="eve"))
    assert (
        stranger.post(f"/integrations/rooms/{room.pk}/incoming/", {"name": "x"}).status_code == 404
    )


def accounts_secret(webhook: OutgoingWebhook) -> str:
    from integrations.services.signing import secret_for

    return secret_for(webhook.secret_salt)


def test_the_staff_page_and_a_deactivated_owners_hooks(user, staff, receiver):
    client = Client()
    client.force_login(user)
    assert client.get("/integrations/").status_code == 403
    client.force_login(staff)
    staff_page = client.get("/integrations/")
    assert staff_page.status_code == 200
    assert b"Add outgoing webhook" in staff_page.content
    assert b'name="room"' not in staff_page.content  # site-wide
    room = engine.room_create(creator=user, name="ops")
    from integrations.services import outgoing

    created = outgoing.outgoing_webhook_create(
        owner=user, url=f"{receiver.origin}/y", events=["message.created"], room=room
    )
    accounts.user_active_set(user=user, active=False)
    created.webhook.refresh_from_db()
    assert not created.webhook.active
    assert "deactivated" in created.webhook.disabled_reason


def test_the_admin_sites_actions_call_the_services(admin_client, user):
    room = engine.room_create(creator=user, name="ops")
    from integrations.services import incoming

    created = incoming.incoming_webhook_create(room=room, creator=user, name="CI")
    answer = admin_client.post(
        "/admin/integrations/incomingwebhook/",
        {"action": "revoke", "_selected_action": [created.webhook.pk]},
    )
    assert answer.status_code == 302
    created.webhook.refresh_from_db()
    created.webhook.bot.refresh_from_db()
    assert created.webhook.revoked_at is not None
    assert not created.webhook.bot.is_active
    page = admin_client.get(f"/admin/integrations/incomingwebhook/{created.webhook.pk}/change/")
    assert page.status_code == 200
    assert created.webhook.token_hash not in page.content.decode()


def test_what_stays_behind_when_a_person_is_deleted(user, staff, receiver):
    from integrations.services import incoming, outgoing

    room = engine.room_create(creator=user, name="ops", members=[staff])
    made = incoming.incoming_webhook_create(room=room, creator=user, name="CI")
    outgoing.outgoing_webhook_create(
        owner=user, url=f"{receiver.origin}/z", events=["message.created"], room=room
    )
    accounts.user_delete(user=user)
    made.webhook.refresh_from_db()
    made.webhook.bot.refresh_from_db()
    assert made.webhook.created_by is None
    assert made.webhook.revoked_at is not None
    assert not made.webhook.bot.is_active
    assert incoming.webhook_for_token(made.token) is None
    assert not OutgoingWebhook.objects.exists()
    client = Client()
    client.force_login(staff)
    assert client.get(f"/api/rooms/{room.pk}/webhooks").json() == {"webhooks": []}
