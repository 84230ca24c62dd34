"""E-mail never breaks a write: what people type (a line break in a ticket subject, a room name
or a display name) goes into headers as one line, sending happens after the commit, and a
failing send is logged, never a 500 or a "nothing was stored" for something stored."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.test import Client

from accounts import tasks
from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Message
from rooms.tests.test_consumers import connect, receive_type
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_line_break_in_a_ticket_subject_is_stored_once_and_mailed_on_one_line(
    user, staff, settings
):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    client = Client()
    client.force_login(user)
    response = client.post(
        "/api/tickets",
        json.dumps(
            {"subject": "Broken\r\nBcc: victim@example.com", "description": "It stopped working."}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Ticket.objects.count() == 1
    subjects = [m.subject for m in mail.outbox]
    assert subjects, "the customer and the admins were mailed"
    assert all("\n" not in s and "\r" not in s for s in subjects)
    assert all("Bcc" not in ",".join(m.bcc) for m in mail.outbox)


async def test_a_stored_message_is_acked_even_when_its_email_fails(user, other_user, monkeypatch):
    """The mention's e-mail goes to an offline member; SMTP is down. The sender still gets an
    ack (stored once), not "nothing was stored", so the page does not send it twice."""
    room = await sync_to_async(services.room_create)(
        creator=user, name="Line\nbreak", members=[other_user]
    )

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr(tasks.EmailMultiAlternatives, "send", smtp_down)
    communicator, connected, _ = await connect(user, f"/ws/rooms/{room.pk}/")
    assert connected
    await communicator.send_json_to({"type": "message.send", "body": "hi @bob", "client_id": "m-1"})
    ack = await receive_type(communicator, "message.ack")
    assert ack["duplicate"] is False
    assert await sync_to_async(Message.objects.filter(body="hi @bob").count)() == 1
    await communicator.disconnect()


def test_header_values_are_one_line():
    assert tasks.header_value("a\r\nb\u2028c\x00d") == "a b c d"


def test_plain_text_emails_are_not_html_escaped(user, staff, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    customer = UserFactory(username="oconnor", display_name="Sinéad O'Connor")
    from tickets import services as desk

    desk.ticket_open(customer=customer, subject="Can't log in", description="It's broken again.")
    text = next(m.body for m in mail.outbox if staff.email in m.to)
    assert "O'Connor" in text
    assert "Can't log in" in text
    assert "&#x27;" not in text
