"""Caps on what one person can make the server do, all configurable (README): every frame kind
per socket, edits in the per-person rate, sockets per person, an idle timeout, rooms, adds and
tickets per hour, urgent tickets from staff only, a people directory limited to people you
share something with, honest names, and images with a bounded pixel count."""

import asyncio
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts import services as account_services
from accounts.names import username_check
from accounts.tests.factories import UserFactory
from rooms import content, services
from rooms.tests.test_consumers import connect, receive_type
from tickets import services as desk
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Team", members=[other_user])


async def test_every_frame_kind_counts_against_the_socket(room, user, settings):
    settings.UCHAT_WS_FRAME_RATE = 5
    settings.UCHAT_WS_FRAME_RATE_WINDOW = 600
    communicator, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    assert connected
    for _ in range(5):
        await communicator.send_json_to({"type": "read", "id": 1})
    await communicator.send_json_to({"type": "ping"})
    assert (await receive_type(communicator, "error"))["code"] == "rate_limited"
    await communicator.disconnect()


def test_edits_count_in_the_per_person_rate(room, user, settings):
    message, _ = services.message_create(conversation=room, sender=user, body="one")
    settings.UCHAT_MESSAGE_RATE = 4  # the message itself counted one
    for n in range(3):
        services.message_edit(conversation=room, message_id=message.pk, editor=user, body=f"e{n}")
    with pytest.raises(ValidationError) as refused:
        services.message_edit(conversation=room, message_id=message.pk, editor=user, body="more")
    assert refused.value.code == "rate_limited"


async def test_sockets_per_person_are_capped(room, user, settings):
    settings.UCHAT_WS_MAX_PER_USER = 2
    opened = []
    for _ in range(2):
        communicator, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/")
        assert connected
        opened.append(communicator)
    await asyncio.sleep(0.2)
    _third, connected, _ = await connect(user, "/ws/me/")
    assert not connected
    for communicator in opened:
        await communicator.disconnect()


async def test_a_silent_socket_is_closed(room, user, settings):
    settings.UCHAT_WS_IDLE_SECONDS = 1
    communicator, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    assert connected
    async with asyncio.timeout(5):
        while (output := await communicator.receive_output(timeout=5))["type"] != "websocket.close":
            pass
    assert output["code"] == 4408


async def test_a_pinging_socket_stays_open(room, user, settings):
    settings.UCHAT_WS_IDLE_SECONDS = 1
    communicator, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    assert connected
    for _ in range(4):
        await asyncio.sleep(0.5)
        await communicator.send_json_to({"type": "ping"})
        assert (await receive_type(communicator, "pong"))["type"] == "pong"
    await communicator.disconnect()


def test_rooms_adds_and_tickets_per_hour(user, other_user, settings):
    settings.UCHAT_ROOMS_PER_HOUR = 2
    settings.UCHAT_ADDS_PER_HOUR = 3
    settings.UCHAT_TICKETS_PER_HOUR = 1
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    services.room_create(creator=user, name="A")
    services.room_create(creator=user, name="B")
    with pytest.raises(ValidationError) as refused:
        services.room_create(creator=user, name="C")
    assert refused.value.code == "rate_limited"
    strangers = [UserFactory(username=f"s{n}") for n in range(4)]
    client = Client()
    client.force_login(other_user)
    created = client.post(
        "/api/rooms", json.dumps({"name": "Spam", "members": [s.username for s in strangers]}),
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 429, created.content  # 4 adds > 3 an hour: no room either
    desk.ticket_open(customer=user, subject="One", description="First problem here.")
    response = Client()
    response.force_login(user)
    second = response.post(
        "/api/tickets", json.dumps({"subject": "Two", "description": "Second problem here."}),
        content_type="application/json",
    )  # fmt: skip
    assert second.status_code == 429
    assert Ticket.objects.count() == 1


def test_only_staff_mark_a_ticket_urgent(user, staff, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    with pytest.raises(ValidationError):
        desk.ticket_open(customer=user, subject="Now!", description="Everything is on fire.",
                         priority=Ticket.Priority.URGENT)  # fmt: skip
    client = Client()
    client.force_login(user)
    page = client.get("/tickets/new/")
    assert b'value="urgent"' not in page.content
    assert b'value="high"' in page.content
    ticket = desk.ticket_open(customer=staff, subject="Outage", description="The site is down.",
                              priority=Ticket.Priority.URGENT)  # fmt: skip
    assert ticket.priority == Ticket.Priority.URGENT


def test_the_directory_lists_only_people_you_share_something_with(user, other_user, staff):
    stranger = UserFactory(username="stranger")
    services.room_create(creator=user, name="Pair", members=[other_user])
    client = Client()
    client.force_login(user)
    listed = {u["username"] for u in client.get("/api/users").json()["users"]}
    assert "bob" in listed
    assert not {"stranger", "stella"} & listed
    suggested = {u["username"] for u in client.get("/accounts/suggest/?q=s").json()["users"]}
    assert not {"stranger", "stella"} & suggested
    client.force_login(staff)
    assert "stranger" in {u["username"] for u in client.get("/api/users?limit=100").json()["users"]}
    assert stranger.pk


@pytest.mark.parametrize(
    "name",
    [
        "Stella",  # a staff member's username
        "S t e l l a!",  # the same, spaced out
        "Bob\u202eevil",  # right-to-left override
        "Bo\u200bb",  # zero-width space
        "e" + "\u0301" * 5,  # stacked combining marks
        "p\u0430ypal",  # Cyrillic "a" among Latin letters
    ],
)
def test_display_names_that_hide_or_imitate_are_refused(user, staff, name):
    with pytest.raises(ValidationError):
        account_services.user_profile_update(user=user, display_name=name)


def test_display_names_are_nfkc_normalised(user):
    updated = account_services.user_profile_update(user=user, display_name="  Ｊｏｓé   Ｒ ")
    assert updated.display_name == "José R"


def test_confusable_usernames_are_refused():
    with pytest.raises(ValidationError):
        username_check("h\u0456manshu")  # Cyrillic i
    username_check("himanshu")
    username_check("борис")  # one alphabet is fine


def test_signing_up_with_a_confusable_username_is_refused():
    response = Client().post(
        "/accounts/signup/",
        {"first_name": "H", "username": "h\u0456manshu", "email": "x@example.com",
         "password1": "long-enough-9x", "password2": "long-enough-9x"},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"look-alike" in response.content


def test_pixel_bombs_are_refused(settings):
    buffer = io.BytesIO()
    Image.new("1", (13000, 13000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    with pytest.raises(ValidationError, match="too many pixels"):
        content.clean_image_file(bomb)
