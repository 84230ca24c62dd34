"""Who may reach what: every page, API endpoint and WebSocket route x anonymous / customer /
other customer / agent / other agent / admin. Ids that are not yours answer 404."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from rooms import services as rooms
from tickets import services as desk
from tickets.tests.factories import AgentFactory

ROLES = ["anonymous", "customer", "other_customer", "agent", "other_agent", "admin"]


@pytest.fixture
def world(db, settings):
    """A customer's room, direct conversation and ticket (assigned to "agent")."""
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    people = {
        "customer": UserFactory(username="customer"),
        "other_customer": UserFactory(username="other_customer"),
        "agent": AgentFactory(username="agent"),
        "other_agent": AgentFactory(username="other_agent"),
        "admin": UserFactory(username="admin_user", staff=True),
    }
    room = rooms.room_create(creator=people["customer"], name="Private room")
    direct = rooms.direct_conversation_get_or_create(user=people["customer"], other=people["agent"])
    ticket = desk.ticket_open(
        customer=people["customer"], subject="Help", description="please help me"
    )
    desk.ticket_assign(ticket=ticket, agent=people["agent"], actor=people["admin"])
    said = {
        name: rooms.message_create(conversation=where, sender=people["customer"], body="hi")[0]
        for name, where in (("room", room), ("direct", direct), ("ticket", ticket.conversation))
    }
    return {"people": people, "room": room, "direct": direct, "ticket": ticket, "said": said}


def page_client(world, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["people"][role])
    return client


def api_client(world, role) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        token = RefreshToken.for_user(world["people"][role]).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


LOGIN = 302  # anonymous visitors are sent to the log-in page
# path template -> expected status per role, in ROLES order
PAGES = {
    "/": [200, 200, 200, 200, 200, 200],
    "/rooms/new/": [LOGIN, 200, 200, 200, 200, 200],
    "/rooms/{room}/": [LOGIN, 200, 404, 404, 404, 404],
    "/rooms/{room}/edit/": [LOGIN, 200, 404, 404, 404, 404],
    "/rooms/{room}/delete/": [LOGIN, 200, 404, 404, 404, 404],
    "/conversations/{room}/messages/": [LOGIN, 200, 404, 404, 404, 404],
    "/conversations/{direct}/messages/": [LOGIN, 200, 404, 200, 404, 404],
    "/conversations/{ticket_conversation}/messages/": [LOGIN, 200, 404, 200, 404, 404],
    "/tickets/": [LOGIN, 200, 200, 200, 200, 200],
    "/tickets/{ticket}/": [LOGIN, 200, 404, 200, 404, 200],
    "/tickets/reports/": [LOGIN, 403, 403, 403, 403, 200],
    "/tickets/agents/new/": [LOGIN, 403, 403, 403, 403, 200],
    "/notifications/": [LOGIN, 200, 200, 200, 200, 200],
    "/accounts/profile/": [LOGIN, 200, 200, 200, 200, 200],
    "/admin/": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200],
    "/admin/tickets/ticket/": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200],
    "/admin/tickets/automationrule/add/": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200],
    "/admin/tickets/macro/": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200],
}
API = {
    ("GET", "/api/check"): [200, 200, 200, 200, 200, 200],
    ("GET", "/api/users"): [401, 200, 200, 200, 200, 200],
    ("POST", "/api/users"): [401, 403, 403, 403, 403, 400],
    ("GET", "/api/rooms"): [401, 200, 200, 200, 200, 200],
    ("GET", "/api/rooms/{room}/messages"): [401, 200, 404, 404, 404, 404],
    ("POST", "/api/rooms/{room}/messages"): [401, 201, 404, 404, 404, 404],
    ("GET", "/api/messages?recipient_id={agent_id}&sender_id={customer_id}"): [
        401,
        200,
        404,
        200,
        404,
        404,
    ],
    ("GET", "/api/notifications"): [401, 200, 200, 200, 200, 200],
    ("GET", "/api/tickets"): [401, 200, 200, 200, 200, 200],
    ("GET", "/api/tickets/{ticket}"): [401, 200, 404, 200, 404, 200],
    ("PATCH", "/api/tickets/{ticket}"): [401, 200, 404, 200, 404, 200],
    ("GET", "/api/tickets/{ticket}/messages"): [401, 200, 404, 200, 404, 200],
    ("POST", "/api/tickets/{ticket}/messages"): [401, 201, 404, 201, 404, 403],
    # Threads: members of the message's conversation; tickets have none.
    ("GET", "/api/messages/{room_message}/thread"): [401, 200, 404, 404, 404, 404],
    ("GET", "/api/messages/{direct_message}/thread"): [401, 200, 404, 200, 404, 404],
    ("GET", "/api/messages/{ticket_message}/thread"): [401, 400, 404, 400, 404, 404],
    ("POST", "/api/messages/{room_message}/follow"): [401, 200, 404, 404, 404, 404],
    ("DELETE", "/api/messages/{direct_message}/follow"): [401, 200, 404, 200, 404, 404],
    ("POST", "/api/messages/{ticket_message}/follow"): [401, 400, 404, 400, 404, 404],
    ("POST", "/api/messages/{room_message}/thread/read"): [401, 200, 404, 404, 404, 404],
    ("GET", "/api/threads"): [401, 200, 200, 200, 200, 200],
    ("GET", "/api/conversations/{room}/notifications"): [401, 200, 404, 404, 404, 404],
    ("PUT", "/api/conversations/{room}/notifications"): [401, 200, 404, 404, 404, 404],
    ("GET", "/api/conversations/{direct}/notifications"): [401, 200, 404, 200, 404, 404],
    ("PUT", "/api/conversations/{ticket_conversation}/notifications"): [
        401,
        200,
        404,
        200,
        404,
        404,
    ],
    ("GET", "/api/notification-settings"): [401, 200, 200, 200, 200, 200],
    ("PUT", "/api/notification-settings"): [401, 200, 200, 200, 200, 200],
    # The desk's workflow: labels and macros are never the customers'; admins define labels.
    ("GET", "/api/labels"): [401, 403, 403, 200, 200, 200],
    ("POST", "/api/labels"): [401, 403, 403, 403, 403, 400],
    ("GET", "/api/macros"): [401, 403, 403, 200, 200, 200],
    ("POST", "/api/tickets/bulk"): [401, 403, 403, 400, 400, 400],
}
SOCKETS = {
    "/ws/rooms/{room}/": [False, True, False, False, False, False],
    "/ws/rooms/{direct}/": [False, True, False, True, False, False],
    "/ws/rooms/{ticket_conversation}/": [False, True, False, True, False, False],
    "/ws/me/": [False, True, True, True, True, True],
}


def fill(template: str, world) -> str:
    return template.format(
        room=world["room"].pk,
        direct=world["direct"].pk,
        ticket=world["ticket"].pk,
        ticket_conversation=world["ticket"].conversation_id,
        agent_id=world["people"]["agent"].pk,
        customer_id=world["people"]["customer"].pk,
        room_message=world["said"]["room"].pk,
        direct_message=world["said"]["direct"].pk,
        ticket_message=world["said"]["ticket"].pk,
    )


@pytest.mark.parametrize("path", list(PAGES))
def test_pages(world, path):
    got = [page_client(world, role).get(fill(path, world)).status_code for role in ROLES]
    assert got == PAGES[path], dict(zip(ROLES, got, strict=True))


@pytest.mark.parametrize(("method", "path"), list(API))
def test_api(world, method, path):
    body = {
        ("POST", "/api/users"): {"username": "", "password": "x", "email": "bad"},
        ("PATCH", "/api/tickets/{ticket}"): {},
        ("PUT", "/api/conversations/{room}/notifications"): {"level": "all"},
        ("PUT", "/api/conversations/{ticket_conversation}/notifications"): {"level": "none"},
        ("PUT", "/api/notification-settings"): {"push": False},
    }.get((method, path), {"body": "hello"} if method == "POST" else None)
    got = []
    for role in ROLES:
        response = api_client(world, role).generic(
            method,
            fill(path, world),
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
        )
        got.append(response.status_code)
        assert response["Content-Type"].startswith("application/json")
    assert got == API[(method, path)], dict(zip(ROLES, got, strict=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", list(SOCKETS))
def test_sockets(world, path):
    from rooms.tests.test_consumers import connect

    async def attempt(user) -> bool:
        communicator, connected, _ = await connect(user, fill(path, world))
        await communicator.disconnect()
        return connected

    got = [
        async_to_sync(attempt)(None if role == "anonymous" else world["people"][role])
        for role in ROLES
    ]
    assert got == SOCKETS[path], dict(zip(ROLES, got, strict=True))
