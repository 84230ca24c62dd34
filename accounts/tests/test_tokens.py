"""Personal API tokens: made, listed and ended over the API; a token on the API (good, expired,
deleted, not a token, an inactive person's) and on a socket, which closes when the token is
deleted or its person changes their password."""

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts import tokens
from accounts.models import ApiToken
from accounts.tests.factories import UserFactory
from rooms import services
from uchat.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


def _call(
    method: str,
    path: str,
    *,
    token: str | None = None,
    client: Client | None = None,
    body: Any = None,
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


def test_make_list_and_revoke_a_token_over_the_api(auth_client, user):
    status, made = _call(
        "post", "/api/tokens", client=auth_client, body={"name": " CI  job ", "expires_in": 3600}
    )
    assert status == 201, made
    assert made["token"].startswith("uchat_pat_")
    assert len(made["token"]) >= 10 + 43
    assert made["name"] == "CI job"
    assert made["prefix"] == made["token"][10:18]
    assert made["expires_at"] is not None
    stored = ApiToken.objects.get(pk=made["id"])
    assert stored.token_hash == tokens.token_hash(made["token"])  # the text itself is not kept
    assert made["token"] not in json.dumps(list(ApiToken.objects.values()), default=str)
    # The token works, and its first use is recorded.
    status, body = _call("get", "/api/tokens", token=made["token"])
    assert status == 200
    assert [t["id"] for t in body["tokens"]] == [made["id"]]
    assert "token" not in body["tokens"][0]
    assert body["tokens"][0]["last_used_at"] is not None
    # Someone else cannot delete it; its owner can, and it stops at once.
    other = Client()
    other.force_login(UserFactory(username="eve"))
    assert _call("delete", f"/api/tokens/{made['id']}", client=other)[0] == 404
    assert _call("delete", f"/api/tokens/{made['id']}", client=auth_client)[0] == 204
    status, body = _call("get", "/api/tokens", token=made["token"])
    assert (status, body["subcode"]) == (401, 4002)


def test_bad_input_stores_nothing_and_the_cap_and_rate_hold(auth_client, user, settings):
    for bad in ({"name": ""}, {"name": "x", "expires_in": 5}, {"name": "x", "expires_in": "soon"}):
        assert _call("post", "/api/tokens", client=auth_client, body=bad)[0] == 400
    assert not ApiToken.objects.exists()
    settings.UCHAT_API_TOKENS_MAX = 2
    for n in range(2):
        assert _call("post", "/api/tokens", client=auth_client, body={"name": f"t{n}"})[0] == 201
    status, body = _call("post", "/api/tokens", client=auth_client, body={"name": "t3"})
    assert (status, body["subcode"]) == (400, 4061)
    settings.UCHAT_API_TOKENS_MAX = 20
    settings.UCHAT_API_TOKENS_PER_HOUR = 3
    assert _call("post", "/api/tokens", client=auth_client, body={"name": "t3"})[0] == 201
    status, body = _call("post", "/api/tokens", client=auth_client, body={"name": "t4"})
    assert (status, body["subcode"]) == (429, 4008)
    assert ApiToken.objects.count() == 3


def test_guests_make_no_tokens(auth_client, user):
    user.is_guest = True
    user.save()
    assert _call("post", "/api/tokens", client=auth_client, body={"name": "x"})[0] == 403


def test_a_token_on_the_api_good_expired_deleted_wrong_and_inactive(user):
    token, text = tokens.api_token_create(user=user, actor=user, name="t", expires_in=None)
    assert _call("get", "/api/rooms", token=text)[0] == 200
    # last_used_at is written at most once a minute.
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert _call("get", "/api/rooms", token=text)[0] == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    for wrong in (text + "x", "uchat_pat_", "uchat_pat_" + "A" * 43, text.replace("pat", "PAT")):
        status, body = _call("get", "/api/rooms", token=wrong)
        assert (status, body["subcode"]) == (401, 4002), wrong
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _call("get", "/api/rooms", token=text)[0] == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    user.is_active = False
    user.save()  # directly: the service would have ended the token
    assert _call("get", "/api/rooms", token=text)[0] == 401


def test_a_password_change_and_deletion_end_every_token(user):
    _token, text = tokens.api_token_create(user=user, actor=user, name="t", expires_in=None)
    account_services.user_password_set(user=user, password="new-horse-77x", request=None)
    assert not ApiToken.objects.filter(user=user).exists()
    assert _call("get", "/api/rooms", token=text)[0] == 401
    tokens.api_token_create(user=user, actor=user, name="t2", expires_in=None)
    account_services.user_delete(user=user)
    assert not ApiToken.objects.exists()


async def _open(path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def _closed(communicator: WebsocketCommunicator) -> dict:
    revoked = None
    async with asyncio.timeout(2.0):
        while True:
            output = await communicator.receive_output(timeout=2.0)
            if output["type"] == "websocket.send":
                frame = json.loads(output["text"])
                if frame["type"] == "access.revoked":
                    revoked = frame
            elif output["type"] == "websocket.close":
                assert output["code"] == 4401
                assert revoked is not None
                return revoked


@pytest.mark.parametrize("how", ["delete", "password"])
async def test_a_socket_opened_with_a_token_closes_when_it_ends(user, other_user, how):
    room = await sync_to_async(services.room_create)(
        creator=other_user, name="Team", members=[user]
    )
    token, text = await sync_to_async(tokens.api_token_create)(
        user=user, actor=user, name="t", expires_in=None
    )
    _other, other_text = await sync_to_async(tokens.api_token_create)(
        user=user, actor=user, name="kept", expires_in=None
    )
    socket = await _open(f"/ws/rooms/{room.pk}/?token={text}")
    kept = await _open(f"/ws/rooms/{room.pk}/?token={other_text}")
    await asyncio.sleep(0.2)
    if how == "delete":
        await sync_to_async(tokens.api_token_delete)(token=token)
    else:
        await sync_to_async(account_services.user_password_set)(
            user=user, password="new-horse-77x", request=None
        )
    frame = await _closed(socket)
    assert frame["reason"] in {"token_revoked", "password_changed"}
    if how == "delete":  # the person's other token's socket stays open
        await kept.send_json_to({"type": "ping"})
        frame = await kept.receive_json_from(timeout=2)
        while frame["type"] != "pong":
            frame = await kept.receive_json_from(timeout=2)
    else:
        await _closed(kept)
    await kept.disconnect()
    await socket.disconnect()
    # A dead token opens nothing.
    refused = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/?token={text}")
    connected, _ = await refused.connect(timeout=5)
    assert not connected
    await refused.disconnect()


def test_the_admin_shows_prefixes_and_revokes_through_the_service(user, staff, sent):
    token, text = tokens.api_token_create(user=user, actor=user, name="CI", expires_in=None)
    admin = Client()
    admin.force_login(staff)
    page = admin.get("/admin/accounts/apitoken/").content.decode()
    assert f"{token.prefix}" in page
    assert token.token_hash not in page
    assert text not in page
    response = admin.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert any(groups == [f"access.token.{token.pk}"] for groups, _kind, _p in sent)


# The doors that make credentials (tokens, bots, signing secrets): each "{room}"/"{bot}" is
# filled in with the caller's room and bot; webhook 999 needs no row, the refusal comes first.
CREDENTIAL_DOORS = [
    ("post", "/api/tokens", {"name": "forever", "expires_in": None}),
    ("post", "/api/bots", {"name": "Minted"}),
    ("patch", "/api/bots/{bot}", {"name": "Renamed"}),
    ("post", "/api/bots/{bot}/tokens", {"name": "bot key"}),
    ("post", "/api/webhooks", {"url": "https://example.com/", "events": ["message.created"]}),
    ("get", "/api/webhooks/999", None),
    ("patch", "/api/webhooks/999", {"active": True}),
    ("post", "/api/rooms/{room}/webhooks", {"name": "Alerts"}),
    ("post", "/api/bots/{bot}/commands", {"name": "deploy", "url": "https://example.com/"}),
]


@pytest.mark.parametrize(("method", "path", "body"), CREDENTIAL_DOORS)
def test_an_api_token_makes_no_credentials_a_log_in_does(user, other_user, method, path, body):
    room = services.room_create(creator=user, name="Team", members=[other_user])
    bot = account_services.bot_create(owner=user, name="CI")
    _, pat = tokens.api_token_create(user=user, actor=user, name="short", expires_in=120)
    path = path.format(room=room.pk, bot=bot.pk)
    status, answer = _call(method, path, token=pat, body=body)
    assert (status, answer["subcode"]) == (403, 4090)
    assert answer["error"] == "API tokens cannot make credentials: log in to do this"
    assert ApiToken.objects.count() == 1  # only the one made above
    jwt = account_services.api_tokens_issue(user=user)["token"]
    status, answer = _call(method, path, token=jwt, body=body)
    assert (answer or {}).get("subcode") != 4090, answer  # past this check (other rules apply)


def test_an_api_token_still_reads_and_ends_what_it_may(user):
    _, pat = tokens.api_token_create(user=user, actor=user, name="short", expires_in=120)
    assert _call("get", "/api/tokens", token=pat)[0] == 200
    assert _call("get", "/api/bots", token=pat)[0] == 200
    assert _call("get", "/api/webhooks", token=pat)[0] == 200
