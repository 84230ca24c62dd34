"""/ticket: the desk's slash command (tickets.slash), through the engine's commands API."""

import pytest

from accounts.tests.test_api import bearer
from rooms import services as engine
from tickets.models import Ticket


@pytest.fixture
def room(customer, desk_agent, other_user):
    return engine.room_create(
        creator=customer, name="Support chat", members=[desk_agent, other_user]
    )


def run(who, room, text, thread=None):
    return bearer(who).post(
        f"/api/conversations/{room.pk}/commands", {"text": text, "thread": thread}, format="json"
    )


def names(who, room):
    answer = bearer(who).get(f"/api/conversations/{room.pk}/commands").json()
    return {c["name"] for c in answer["commands"]}


def test_an_agent_turns_the_last_message_of_someone_else_into_a_ticket(
    customer, desk_agent, other_user, room
):
    assert "ticket" in names(desk_agent, room)
    assert "ticket" not in names(other_user, room)
    # A member who is no agent: the command does not exist for them.
    refused = run(other_user, room, "/ticket")
    assert refused.status_code == 400
    assert refused.json()["subcode"] == 4064
    assert run(desk_agent, room, "/ticket").json()["error"].startswith("There is no message")
    asked, _ = engine.message_create(conversation=room, sender=customer, body="Order 42 is late")
    engine.message_create(conversation=room, sender=desk_agent, body="Looking")
    answer = run(desk_agent, room, "/ticket")
    assert answer.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.source_message, ticket.customer) == (asked, customer)
    assert answer.json() == {
        "reply": f"Ticket {ticket.number} opened from Carla's message.",
        "message": None,
    }
    # Again: refused with the reason, nothing more made.
    again = run(desk_agent, room, "/ticket")
    assert again.status_code == 400
    assert ticket.number in again.json()["error"]
    assert Ticket.objects.count() == 1


def test_in_a_thread_the_root_becomes_the_ticket(customer, desk_agent, room):
    root, _ = engine.message_create(conversation=room, sender=customer, body="Printer on fire")
    engine.message_create(conversation=room, sender=customer, body="also", thread=root.pk)
    engine.message_create(conversation=room, sender=customer, body="Unrelated, later")
    assert run(desk_agent, room, "/ticket", thread=root.pk).status_code == 200
    assert Ticket.objects.get().source_message == root
