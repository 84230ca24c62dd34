"""Desk events go through the one notification rule: a reply for the customer obeys their
level in the ticket's conversation, the notification and its e-mail alike."""

import pytest
from django.core import mail

from notifications.models import Code, Notification
from rooms import services as engine
from tickets import services

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_reply_for_the_customer_obeys_their_level(ticket, customer, desk_agent, staff):
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    conversation = ticket.conversation

    assert (
        engine.membership_notify_set(
            conversation=conversation, user=customer, changes={}
        ).notify_level
        == ""
    )  # the ticket's default: "all"
    mail.outbox.clear()
    engine.message_create(conversation=conversation, sender=desk_agent, body="Try this.")
    assert Notification.objects.filter(user=customer, code=Code.NEW_TICKET_MESSAGE).count() == 1
    assert [m for m in mail.outbox if m.to == [customer.email]]  # the answerable reply

    engine.membership_notify_set(
        conversation=conversation, user=customer, changes={"level": "none"}
    )
    mail.outbox.clear()
    engine.message_create(conversation=conversation, sender=desk_agent, body="Any luck?")
    assert Notification.objects.filter(user=customer, code=Code.NEW_TICKET_MESSAGE).count() == 1
    assert not [m for m in mail.outbox if m.to == [customer.email]]
    # Status changes for them are desk events too: at "none", not recorded either.
    before = Notification.objects.filter(user=customer).count()
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status="waiting")
    assert Notification.objects.filter(user=customer).count() == before
