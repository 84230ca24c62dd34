"""The profile page's "API tokens" section and the Bots page: a token made there is shown once,
revoked there it ends; bots are made, given tokens and switched off there, by those who may."""

import re

import pytest
from django.test import Client

from accounts.models import ApiToken, User
from accounts.tests.factories import UserFactory
from rooms import services

pytestmark = [pytest.mark.django_db]


def test_profile_tokens_are_shown_once_and_revoked(auth_client, user):
    response = auth_client.post("/accounts/profile/tokens/", {"name": "CI", "expires": "never"})
    assert response.status_code == 302
    token = ApiToken.objects.get(user=user)
    assert token.expires_at is None
    page = auth_client.get("/accounts/profile/").content.decode()
    shown = re.search(r'value="(uchat_pat_[^"]+)" data-token-text', page).group(1)  # type: ignore[union-attr]
    assert shown.startswith("uchat_pat_" + token.prefix)
    assert Client().get("/api/rooms", HTTP_AUTHORIZATION=f"Bearer {shown}").status_code == 200
    again = auth_client.get("/accounts/profile/").content.decode()
    assert shown not in again  # once
    assert f"uchat_pat_{token.prefix}…" in again
    auth_client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert not ApiToken.objects.exists()


def test_the_bots_page_for_those_who_may(auth_client, user, other_user):
    # The team sees the page in the user menu; only staff and room admins make bots there.
    assert b'href="/bots/"' in auth_client.get("/accounts/profile/").content  # the user menu
    page = auth_client.get("/bots/").content.decode()
    assert "Staff and room admins make bots" in page
    assert 'action="/bots/new/"' not in page
    customer = Client()
    customer.force_login(UserFactory(username="cora", team_member=False))
    assert customer.get("/bots/").status_code == 404
    assert b'href="/bots/"' not in customer.get("/accounts/profile/").content
    services.room_create(creator=user, name="Team", members=[other_user])
    assert 'action="/bots/new/"' in auth_client.get("/bots/").content.decode()
    auth_client.post("/bots/new/", {"name": "Deploys", "username": "", "avatar": "rocket"})
    bot = User.objects.get(is_bot=True)
    assert (bot.username, bot.bot_avatar, bot.bot_owner) == ("deploys-bot", "rocket", user)
    auth_client.post(f"/bots/{bot.pk}/tokens/", {"name": "CI", "expires": str(30 * 86400)})
    page = auth_client.get("/bots/").content.decode()
    assert re.search(r'value="uchat_pat_[^"]+" data-token-text', page)
    assert "person-badge-bot" in page
    # Someone else's bot: not found.
    bob = Client()
    bob.force_login(other_user)
    assert bob.post(f"/bots/{bot.pk}/deactivate/").status_code == 404
    auth_client.post(f"/bots/{bot.pk}/deactivate/")
    bot.refresh_from_db()
    assert not bot.is_active
    assert not ApiToken.objects.filter(user=bot).exists()
