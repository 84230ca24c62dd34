"""Bots: who may make them, the cap, their tokens, that they log in nowhere, that nobody starts a
direct conversation with one, and that an owner who leaves takes their bots along."""

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts import bots, tokens
from accounts import services as account_services
from accounts.models import ApiToken, User
from accounts.tests.factories import UserFactory
from rooms import services
from rooms.services import conversations

pytestmark = [pytest.mark.django_db]


def _call(
    method: str, path: str, *, client: Client | None = None, token: str = "", body: Any = None
):
    client = client or Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = getattr(client, method)(
        path,
        json.dumps(body) if body is not None else None,
        content_type="application/json",
        **headers,
    )
    return response.status_code, (response.json() if response.content else None)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_who_may_make_bots_and_the_cap(user, other_user, staff, settings):
    alice = _client(user)
    # A person who administers no room may not; a room admin may; a guest never.
    status, body = _call("post", "/api/bots", client=alice, body={"name": "CI"})
    assert (status, body["subcode"]) == (403, 4005)
    services.room_create(creator=user, name="Team", members=[other_user])  # alice: its admin
    status, made = _call("post", "/api/bots", client=alice, body={"name": "CI", "avatar": "rocket"})
    assert status == 201, made
    assert made["username"] == "ci-bot"
    assert made["is_bot"] is True
    assert made["avatar"] == "rocket"
    assert made["owner"]["username"] == "alice"
    assert _call("post", "/api/bots", client=alice, body={"name": "X", "avatar": "<svg>"})[0] == 400
    user.is_guest = True
    user.save()
    assert _call("post", "/api/bots", client=alice, body={"name": "Y"})[0] == 403
    user.is_guest = False
    user.save()
    settings.UCHAT_BOTS_PER_OWNER = 1
    status, body = _call("post", "/api/bots", client=alice, body={"name": "Z"})
    assert (status, body["subcode"]) == (400, 4062)
    assert User.objects.filter(is_bot=True).count() == 1
    # Staff may, without a room. Each sees their own bots; staff see every bot.
    assert _call("post", "/api/bots", client=_client(staff), body={"name": "Ops"})[0] == 201
    assert [b["name"] for b in _call("get", "/api/bots", client=alice)[1]["bots"]] == ["CI"]
    assert len(_call("get", "/api/bots", client=_client(staff))[1]["bots"]) == 2
    # Someone else's bot is not found; its owner renames it.
    bob = _client(other_user)
    assert _call("patch", f"/api/bots/{made['id']}", client=bob, body={"name": "Mine"})[0] == 404
    status, body = _call("patch", f"/api/bots/{made['id']}", client=alice, body={"name": "CI 2"})
    assert (status, body["name"]) == (200, "CI 2")


def test_a_bots_tokens_and_deactivation(user, other_user):
    services.room_create(creator=user, name="Team", members=[other_user])
    alice = _client(user)
    bot = _call("post", "/api/bots", client=alice, body={"name": "Deploy"})[1]
    assert (
        _call(
            "post", f"/api/bots/{bot['id']}/tokens", client=_client(other_user), body={"name": "t"}
        )[0]
        == 404
    )
    status, made = _call("post", f"/api/bots/{bot['id']}/tokens", client=alice, body={"name": "t"})
    assert status == 201
    assert ApiToken.objects.get(pk=made["id"]).created_by == user
    # The bot's token works on the API as the bot; it makes no tokens of its own.
    rooms = _call("get", "/api/rooms", token=made["token"])
    assert rooms[0] == 200
    status, _ = _call("post", "/api/tokens", token=made["token"], body={"name": "more"})
    assert status == 403
    listed = _call("get", f"/api/bots/{bot['id']}/tokens", client=alice)[1]["tokens"]
    assert [t["id"] for t in listed] == [made["id"]]
    # Deleting the bot deactivates it and ends its tokens.
    assert _call("delete", f"/api/bots/{bot['id']}", client=alice)[0] == 204
    assert not User.objects.get(pk=bot["id"]).is_active
    assert not ApiToken.objects.filter(user_id=bot["id"]).exists()
    assert _call("get", "/api/rooms", token=made["token"])[0] == 401


def test_a_bot_logs_in_nowhere(user, staff):
    bot = account_services.bot_create(owner=staff, name="Pager")
    with pytest.raises(ValidationError):
        account_services.user_password_set(user=bot, password="new-horse-77x", request=None)
    # Even with a password set behind the services' back: no API log-in, no log-in page.
    User.set_password(bot, "correct-horse-9")
    bot.save()
    status, body = _call(
        "post", "/api/login", body={"username": bot.username, "password": "correct-horse-9"}
    )
    assert status == 401, body
    client = Client()
    client.post("/accounts/login/", {"login": bot.username, "password": "correct-horse-9"})
    assert "_auth_user_id" not in client.session


def test_nobody_starts_a_direct_conversation_with_a_bot(user, staff):
    bot = account_services.bot_create(owner=staff, name="Pager")
    with pytest.raises(PermissionDenied):
        conversations.direct_conversation_get_or_create(user=user, other=bot)
    # One the bot starts stays open to both.
    started = conversations.direct_conversation_get_or_create(user=bot, other=user)
    assert conversations.direct_conversation_get_or_create(user=user, other=bot) == started
    # Its name carries the badge in the sidebar's direct messages (templates/_person_badge.html).
    services.message_create(conversation=started, sender=bot, body="Your build failed")
    sidebar = _client(user).get("/sidebar/").content.decode()
    assert '<span class="person-badge person-badge-bot"' in sidebar


@pytest.mark.parametrize("how", ["deactivate", "delete", "password"])
def test_an_owner_who_leaves_takes_their_bots_along(staff, how):
    owner = UserFactory(username="olga", staff=True)
    bot = account_services.bot_create(owner=owner, name="Pager")
    _token, text = tokens.api_token_create(user=bot, actor=owner, name="t", expires_in=None)
    bystander = account_services.bot_create(owner=staff, name="Other")
    tokens.api_token_create(user=bystander, actor=staff, name="t", expires_in=None)
    if how == "deactivate":
        account_services.user_active_set(user=owner, active=False)
    elif how == "delete":
        account_services.user_delete(user=owner)
    else:
        account_services.user_password_set(user=owner, password="new-horse-77x", request=None)
    bot.refresh_from_db()
    assert bot.is_active is (how == "password")  # a password change ends tokens only
    assert not ApiToken.objects.filter(user=bot).exists()
    assert _call("get", "/api/rooms", token=text)[0] == 401
    assert ApiToken.objects.filter(user=bystander).exists()
    assert bots.bots_for(viewer=staff).filter(pk=bystander.pk, is_active=True).exists()


def test_the_switcher_offers_no_direct_conversation_with_a_bot(user, staff):
    bot = account_services.bot_create(owner=staff, name="Pager")
    services.room_create(creator=user, name="Team", members=[bot])
    results = _call("get", "/api/switcher?q=pager", client=_client(user))[1]["results"]
    assert all(r["kind"] != "person" for r in results)
    assert _client(user).get(f"/dm/{bot.username}/").status_code == 302  # refused, sent back


def test_the_admin_gives_a_bot_no_password(staff):
    bot = account_services.bot_create(owner=staff, name="Pager")
    admin = _client(staff)
    response = admin.post(
        f"/admin/accounts/user/{bot.pk}/password/",
        {"password1": "new-horse-77x", "password2": "new-horse-77x", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert b"A bot has no password" in response.content
    bot.refresh_from_db()
    assert not bot.has_usable_password()


def test_making_and_deactivating_bots_in_a_loop_stops_at_the_hourly_rate(user, settings):
    """UCHAT_BOTS_PER_OWNER counts active bots only: the hourly rate counts every one made."""
    settings.UCHAT_BOTS_PER_OWNER = 1
    settings.UCHAT_BOTS_PER_HOUR = 3
    services.room_create(creator=user, name="Team")
    alice = _client(user)
    for n in range(3):
        status, made = _call("post", "/api/bots", client=alice, body={"name": f"Spare {n}"})
        assert status == 201, made
        assert _call("delete", f"/api/bots/{made['id']}", client=alice)[0] == 204
    status, body = _call("post", "/api/bots", client=alice, body={"name": "One more"})
    assert (status, body["subcode"]) == (429, 4008)
    assert User.objects.filter(is_bot=True).count() == 3
