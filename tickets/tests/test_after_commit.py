"""The desk's hooks stay out of the engine's group commit: a refusal is decided before the
batch, per message, and the desk's reactions run after the commit."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.tests.factories import UserFactory
from notifications.models import Code, Notification
from rooms import services as engine
from rooms import writer as writer_module
from rooms.tests.test_direct import png_bytes
from tickets import services
from tickets.models import AgentProfile, Ticket
from tickets.tests.conftest import online

pytestmark = [pytest.mark.django_db(transaction=True)]


def _setup():
    customer = UserFactory(username="carla")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    room = engine.room_create(creator=alice, name="Busy", members=[bob])
    ticket = services.ticket_open(customer=customer, subject="Broken", description="Help.")
    services.ticket_status_set(ticket=ticket, actor=customer, status=Ticket.Status.CLOSED)
    return [
        engine.message_draft(conversation=room, sender=alice, body="one"),
        engine.message_draft(conversation=ticket.conversation, sender=customer, body="Hello?"),
        engine.message_draft(conversation=room, sender=bob, body="two"),
    ]


def _transactions_of(messages) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text FROM rooms_message WHERE id = ANY(%s)", [[m.pk for m in messages]]
        )
        return {row[0] for row in cursor.fetchall()}


async def test_a_desk_refusal_refuses_only_its_own_message_in_a_batch(settings):
    """A message to a closed ticket, in one socket batch with other people's messages: it alone
    is refused; theirs are stored and acknowledged, in the batch's one transaction (the
    refusal does not roll the batch back and break it up)."""
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    drafts = await sync_to_async(_setup)()
    writer = writer_module.writer()
    outcomes = await asyncio.gather(*(writer.submit(d) for d in drafts), return_exceptions=True)

    assert isinstance(outcomes[1], ValidationError)
    assert outcomes[1].code == "ticket_closed"
    first, third = outcomes[0], outcomes[2]
    assert isinstance(first, tuple)
    assert isinstance(third, tuple)
    stored = [first[0], third[0]]
    assert [first[1], third[1]] == [True, True]  # acknowledged as new
    assert len(await sync_to_async(_transactions_of)(stored)) == 1


def test_a_new_tickets_images_do_not_notify_the_agent_it_goes_to(settings, tmp_path):
    """The desk reacts to the opening's images after the commit, when auto-assignment has
    already given the ticket to an agent: that agent is told of the ticket, not of each image
    (as when the reaction ran inside the opening)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UCHAT_TICKET_AUTO_ASSIGN = True
    agent = UserFactory(username="agnes", agent=True)
    AgentProfile.objects.update_or_create(user=agent, defaults={"capacity": 2})
    online(agent)
    customer = UserFactory(username="carla")
    image = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    ticket = services.ticket_open(
        customer=customer, subject="Broken", description="See.", images=[image]
    )

    assert ticket.agent == agent
    codes = list(Notification.objects.filter(user=agent).values_list("code", flat=True))
    assert codes == [Code.TICKET_UPDATE]  # "assigned to you", no "new message"
