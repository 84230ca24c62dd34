"""Access that must end when its right ends, and staff log-in through 2FA: the admin's log-in,
"2FA required for staff" on the API and sockets, API log-in failures and lock-outs, refresh
token rotation, and sockets closed on log-out, password change, deactivation and deletion."""

import asyncio
import json
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services as account_services
from rooms import services
from rooms.models import Message
from uchat.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-9"


def _api(path: str, body: dict, *, ip: str = "10.0.0.1", token: str | None = None):
    client = Client(REMOTE_ADDR=ip)
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.post(path, json.dumps(body), content_type="application/json", **headers)
    return response.status_code, response.json()


def _with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def _code(secret: str) -> str:
    import time

    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


def _wrong_code(secret: str) -> str:
    return f"{(int(_code(secret)) + 1) % 1_000_000:06d}"


# --- the admin's log-in -------------------------------------------------------------------


def test_admin_login_is_allauths_with_its_failure_limit(staff):
    client = Client()
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    # Django's admin log-in form is gone: posting to it logs nobody in.
    client.post("/admin/login/", {"username": "stella", "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    for _ in range(5):
        client.post("/accounts/login/", {"login": "stella", "password": "wrong-guess"})
    response = client.post("/accounts/login/", {"login": "stella", "password": PASSWORD})
    assert b"Too many tries. Wait a few minutes" in response.content
    assert client.get("/admin/").status_code == 302  # still not in


def test_admin_login_asks_for_the_second_factor(staff):
    _with_totp(staff)
    client = Client()
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": "stella", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get("/admin/").status_code == 302  # password alone does not let staff in


# --- 2FA required for staff holds on the API and sockets --------------------------------------


def test_required_2fa_holds_on_api_login_tokens_and_sockets(settings, staff, agent):
    token = str(RefreshToken.for_user(agent).access_token)  # issued before the rule was on
    settings.UCHAT_REQUIRE_MFA_FOR_STAFF = True
    status, body = _api("/api/login", {"username": "agnes", "password": PASSWORD})
    assert (status, body["subcode"]) == (403, 4019)
    response = Client().get("/api/rooms", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (response.status_code, response.json()["subcode"]) == (403, 4019)

    async def socket_refused() -> bool:
        communicator = WebsocketCommunicator(application, f"/ws/me/?token={token}")
        connected, _ = await communicator.connect(timeout=5)
        await communicator.disconnect()
        return not connected

    assert asyncio.run(socket_refused())
    # With 2FA set up, the log-in works again (with its code).
    secret = _with_totp(agent)
    status, body = _api(
        "/api/login", {"username": "agnes", "password": PASSWORD, "code": _code(secret)}
    )
    assert status == 200, body


# --- API log-in failures --------------------------------------------------------------------


def test_wrong_totp_codes_count_as_failures(user):
    secret = _with_totp(user)
    for _ in range(5):
        status, body = _api(
            "/api/login", {"username": "alice", "password": PASSWORD, "code": _wrong_code(secret)}
        )
        assert status == 401, body
    status, body = _api(
        "/api/login", {"username": "alice", "password": PASSWORD, "code": _code(secret)}
    )
    assert (status, body["subcode"]) == (429, 4008)


def test_a_stranger_cannot_lock_the_owner_out(user):
    for _ in range(6):
        _api("/api/login", {"username": "alice", "password": "guess"}, ip="203.0.113.9")
    status, _ = _api("/api/login", {"username": "alice", "password": PASSWORD}, ip="203.0.113.9")
    assert status == 429  # the guesser is stopped
    status, body = _api("/api/login", {"username": "alice", "password": PASSWORD}, ip="10.1.1.1")
    assert status == 200, body  # the owner is not


# --- refresh tokens -------------------------------------------------------------------------


def test_refresh_tokens_rotate_and_a_used_one_is_dead(user):
    _status, login = _api("/api/login", {"username": "alice", "password": PASSWORD})
    status, fresh = _api("/api/token/refresh", {"refresh_token": login["refresh_token"]})
    assert status == 200
    assert fresh["refresh_token"] != login["refresh_token"]
    status, body = _api("/api/token/refresh", {"refresh_token": login["refresh_token"]})
    assert (status, body["subcode"]) == (401, 4002)
    assert _api("/api/token/refresh", {"refresh_token": fresh["refresh_token"]})[0] == 200


def test_password_change_ends_access_and_refresh_tokens(user):
    _status, login = _api("/api/login", {"username": "alice", "password": PASSWORD})
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "new-horse-77x", "password2": "new-horse-77x"},
    )
    assert response.status_code == 302
    rooms = Client().get("/api/rooms", HTTP_AUTHORIZATION=f"Bearer {login['token']}")
    assert rooms.status_code == 401
    status, _ = _api("/api/token/refresh", {"refresh_token": login["refresh_token"]})
    assert status == 401


# --- sockets close when access ends -----------------------------------------------------------


def _cookie_and_session(user) -> tuple[bytes, Client]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode(), client


async def _open(path: str, cookie: bytes | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def _closed_within_a_second(communicator: WebsocketCommunicator) -> dict:
    """The access.revoked frame, then the close (4401), within a second."""
    revoked = None
    async with asyncio.timeout(1.0):
        while True:
            output = await communicator.receive_output(timeout=1.0)
            if output["type"] == "websocket.send":
                frame = json.loads(output["text"])
                if frame["type"] == "access.revoked":
                    revoked = frame
            elif output["type"] == "websocket.close":
                assert output["code"] == 4401
                assert revoked is not None, "closed without saying why"
                return revoked


@pytest.mark.parametrize("how", ["password", "deactivate", "delete", "logout"])
async def test_sockets_close_when_access_ends(user, other_user, how):
    room = await sync_to_async(services.room_create)(
        creator=other_user, name="Team", members=[user]
    )
    cookie, client = await sync_to_async(_cookie_and_session)(user)
    token = await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()
    by_session = await _open(f"/ws/rooms/{room.pk}/", cookie)
    by_token = await _open(f"/ws/rooms/{room.pk}/?token={token}")
    await asyncio.sleep(0.2)

    def end_access() -> None:
        if how == "password":
            response = client.post(
                "/accounts/password/change/",
                {
                    "oldpassword": PASSWORD,
                    "password1": "new-horse-77x",
                    "password2": "new-horse-77x",
                },
            )
            assert response.status_code == 302
        elif how == "deactivate":
            account_services.user_active_set(user=user, active=False)
        elif how == "delete":
            account_services.user_delete(user=user)
        else:
            client.post("/accounts/logout/")

    await sync_to_async(end_access)()
    frame = await _closed_within_a_second(by_session)
    assert frame is not None
    if how != "logout":  # a log-out ends that browser session, not the person's programs
        await _closed_within_a_second(by_token)
    else:
        await by_token.send_json_to({"type": "ping"})
        frame = await by_token.receive_json_from(timeout=2)
        while frame["type"] == "presence":  # chatter from the other socket's comings and goings
            assert frame["online"] is True, frame  # the person is still online by token
            frame = await by_token.receive_json_from(timeout=2)
        assert frame["type"] == "pong"
    await by_token.disconnect()
    await by_session.disconnect()


async def test_a_deactivated_persons_old_socket_stores_nothing(user, other_user):
    room = await sync_to_async(services.room_create)(
        creator=other_user, name="Team", members=[user]
    )

    def deactivate_then_send():
        from accounts.models import User

        User.objects.filter(pk=user.pk).update(is_active=False)  # the socket's user is stale
        return services.message_create(conversation=room, sender=user, body="still here?")

    with pytest.raises(Exception, match="not a member"):
        await sync_to_async(deactivate_then_send)()
    assert not await sync_to_async(Message.objects.filter(body="still here?").exists)()


async def test_a_jwt_socket_closes_when_its_token_expires(user, other_user):
    from datetime import timedelta

    room = await sync_to_async(services.room_create)(
        creator=other_user, name="Team", members=[user]
    )

    def short_token() -> str:
        access = RefreshToken.for_user(user).access_token
        access.set_exp(lifetime=timedelta(seconds=2))
        return str(access)

    communicator = await _open(f"/ws/rooms/{room.pk}/?token={await sync_to_async(short_token)()}")
    async with asyncio.timeout(5):
        while (output := await communicator.receive_output(timeout=5))["type"] != (
            "websocket.close"
        ):
            pass
    assert output["code"] == 4401


async def test_signing_out_other_devices_closes_their_sockets(user, other_user):
    room = await sync_to_async(services.room_create)(
        creator=other_user, name="Team", members=[user]
    )

    def two_sessions():
        here, there = Client(), Client()
        for client in (here, there):
            response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
            assert response.status_code == 302
        name = settings.SESSION_COOKIE_NAME
        return here, f"{name}={there.cookies[name].value}".encode(), there

    here, there_cookie, there = await sync_to_async(two_sessions)()
    socket_there = await _open(f"/ws/rooms/{room.pk}/", there_cookie)
    await asyncio.sleep(0.2)
    response = await sync_to_async(here.post)("/accounts/sessions/")
    assert response.status_code == 302
    assert (await _closed_within_a_second(socket_there))["reason"] == "logged_out"
    # and that device is signed out for good
    assert (await sync_to_async(there.get)("/accounts/profile/")).status_code == 302
    await socket_there.disconnect()


async def test_an_agents_password_set_from_the_welcome_link_ends_their_access(other_user):
    """The agents' page sets a password as allauth does: the person's sockets close, their
    tokens stop working and their other browser sessions end."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from tickets.tests.factories import AgentFactory

    agent = await sync_to_async(AgentFactory.create)(username="agnes")
    room = await sync_to_async(services.room_create)(
        creator=other_user, name="Team", members=[agent]
    )
    cookie, session = await sync_to_async(_cookie_and_session)(agent)
    tokens = await sync_to_async(account_services.api_tokens_issue)(user=agent)
    by_session = await _open(f"/ws/rooms/{room.pk}/", cookie)
    by_token = await _open(f"/ws/rooms/{room.pk}/?token={tokens['token']}")
    await asyncio.sleep(0.2)

    def set_password() -> None:
        agent.refresh_from_db()  # the log-in above is part of the link's token
        uid = urlsafe_base64_encode(force_bytes(agent.pk))
        link = f"/tickets/agents/welcome/{uid}/{default_token_generator.make_token(agent)}/"
        new = "fresh-horse-2027"
        response = Client().post(link, {"new_password1": new, "new_password2": new})
        assert response.status_code == 302, response.content[:300]

    await sync_to_async(set_password)()
    assert (await _closed_within_a_second(by_session))["reason"] == "password_changed"
    assert (await _closed_within_a_second(by_token))["reason"] == "password_changed"
    status, _ = await sync_to_async(_api)(
        "/api/token/refresh", {"refresh_token": tokens["refresh_token"]}
    )
    assert status == 401
    api = await sync_to_async(Client().get)(
        "/api/rooms", HTTP_AUTHORIZATION=f"Bearer {tokens['token']}"
    )
    assert api.status_code == 401
    assert (await sync_to_async(session.get)("/accounts/profile/")).status_code == 302
    await by_token.disconnect()
    await by_session.disconnect()


async def test_a_password_set_on_the_admin_sites_password_page_closes_the_persons_sockets(
    other_user, admin_user
):
    """The admin site's password page goes through the same service: the person's sockets
    close at once, as for any password change."""
    room = await sync_to_async(services.room_create)(
        creator=other_user, name="Team", members=[other_user]
    )
    tokens = await sync_to_async(account_services.api_tokens_issue)(user=other_user)
    by_token = await _open(f"/ws/rooms/{room.pk}/?token={tokens['token']}")
    await asyncio.sleep(0.2)

    def set_password() -> None:
        admin = Client()
        admin.force_login(admin_user)
        new = "fresh-horse-2027"
        response = admin.post(
            reverse("admin:auth_user_password_change", args=[other_user.pk]),
            {"usable_password": "true", "password1": new, "password2": new},
        )
        assert response.status_code == 302, response.content[:300]

    await sync_to_async(set_password)()
    assert (await _closed_within_a_second(by_token))["reason"] == "password_changed"
    await by_token.disconnect()
