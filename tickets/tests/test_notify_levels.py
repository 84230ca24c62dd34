"""Desk events go through the one notification rule: a reply for the customer obeys their
level in the ticket's conversation, the notification and its e-mail alike."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Code, Notification
from rooms import services as engine
from tickets import services
from tickets.tests.test_sla_and_inbox import raise_ticket

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


@pytest.mark.django_db  # not flushed: the SLA policies the migrations made stay
def test_a_breach_notifies_the_admins_and_the_agent_through_the_rule(
    customer, desk_agent, staff, sent, django_capture_on_commit_callbacks
):
    ticket = raise_ticket(customer, subject="Slow", priority="high")
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    staff.dnd_until = timezone.now() + timedelta(days=1)
    staff.save(update_fields=["dnd_until"])
    engine.membership_notify_set(
        conversation=ticket.conversation, user=desk_agent, changes={"level": "none"}
    )
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.sla_breaches_check(now=ticket.first_response_due + timedelta(minutes=1))

    breach = Notification.objects.get(user=staff, title__contains="missed its")
    assert breach.title == f"{ticket.number} missed its first response target"
    [frame] = [f for _, kind, f in sent if kind == "notification.created"]
    assert (frame["id"], frame["alert"]) == (breach.pk, False)  # under DND: silently
    # The agent set the ticket's conversation to "none": nothing for them.
    assert not Notification.objects.filter(user=desk_agent, title__contains="missed its").exists()
