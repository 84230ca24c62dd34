"""Deleting people keeps history and moves their work on, from the account page and the Django
admin alike; files go with what they belonged to, and a refused write leaves none behind."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts import services as account_services
from accounts.models import User
from notifications.models import Notification
from rooms import services
from rooms.models import Membership, Message
from rooms.tests.test_direct import png_bytes
from tickets import services as desk
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import AgentFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def _png(name: str = "a.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UCHAT_TICKET_AUTO_ASSIGN = False


def test_a_customer_with_tickets_can_delete_their_account(user, staff):
    ticket = desk.ticket_open(customer=user, subject="Broken", description="It stopped.")
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/delete/", {"password": "correct-horse-9"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    ticket.refresh_from_db()
    assert ticket.customer is None  # the ticket stays, as from "deleted user"
    staff_client = Client()
    staff_client.force_login(staff)
    page = staff_client.get(f"/tickets/{ticket.pk}/")
    assert page.status_code == 200
    assert b"deleted user" in page.content
    assert staff_client.get(f"/api/tickets/{ticket.pk}").json()["customer"] is None


def test_deleting_an_agent_puts_their_open_tickets_back_in_the_queue(user, staff, mailoutbox):
    agent = AgentFactory(username="agnes")
    ticket = desk.ticket_open(customer=user, subject="Help", description="Please.")
    desk.ticket_assign(ticket=ticket, agent=agent, actor=staff)
    mailoutbox.clear()
    account_services.user_delete(user=agent)
    ticket.refresh_from_db()
    assert (ticket.agent, ticket.status) == (None, Ticket.Status.NEW)
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.RELEASED).exists()
    assert Notification.objects.filter(user=staff, title__contains="back in the queue").exists()
    assert any("back in the queue" in m.subject and staff.email in m.to for m in mailoutbox)


def test_the_admin_deletes_people_through_the_service(admin_client, user, other_user):
    room = services.room_create(creator=user, name="Team", members=[other_user])
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    # The room kept an admin: the longest-standing member.
    assert Membership.objects.get(conversation=room, user=other_user).is_admin


def test_the_admin_bulk_delete_goes_through_the_service_too(admin_client, user, other_user):
    room = services.room_create(creator=user, name="Team", members=[other_user])
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(conversation=room, user=other_user).is_admin


def test_a_refused_ticket_leaves_no_image_file(user):
    bad = SimpleUploadedFile("b.png", b"not an image at all", content_type="image/png")
    with pytest.raises(ValidationError):
        desk.ticket_open(customer=user, subject="Pics", description="See", images=[_png(), bad])
    assert not Ticket.objects.exists()
    assert _files() == []


def test_deleting_a_room_deletes_its_files(user, other_user):
    room = services.room_create(creator=user, name="Photos", members=[other_user])
    services.message_create(conversation=room, sender=user, image=_png())
    assert len(_files()) == 1
    services.room_delete(room=room, actor=user)
    assert _files() == []


def test_purging_messages_deletes_their_files(user):
    from datetime import timedelta

    from django.utils import timezone

    room = services.room_create(creator=user, name="Photos")
    services.message_create(conversation=room, sender=user, image=_png())
    services.message_create(conversation=room, sender=user, body="text")
    services.messages_purge(before=timezone.now() + timedelta(seconds=1), dry_run=False)
    assert not Message.objects.filter(conversation=room).exists()
    assert _files() == []
