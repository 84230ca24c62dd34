"""Which hooks hear what: a direct message or a ticket's message never reaches a message.*
hook; a room's hook hears only its room; notes reach only staff hooks that asked for
ticket.note; the desk's events are staff hooks' only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.tests.factories import UserFactory
from integrations.services import outgoing
from rooms import services as engine
from tickets import services as desk

pytestmark = pytest.mark.django_db


def test_events_reach_only_the_hooks_that_may_hear_them(
    staff, user, other_user, agent, receiver, django_capture_on_commit_callbacks
):
    mine = engine.room_create(creator=user, name="mine")
    theirs = engine.room_create(creator=other_user, name="private-theirs")
    hook = outgoing.outgoing_webhook_create
    every = [e.value for e in outgoing.Event if e != outgoing.Event.TICKET_NOTE]
    hook(owner=staff, url=f"{receiver.origin}/staff", events=every)
    hook(owner=staff, url=f"{receiver.origin}/notes", events=["ticket.note"])
    hook(owner=user, url=f"{receiver.origin}/mine", events=["message.created"], room=mine)

    # Refusals: a room admin's hook is for their room, for its messages only.
    with pytest.raises(PermissionDenied):
        hook(owner=user, url=f"{receiver.origin}/x", events=["message.created"])
    with pytest.raises(PermissionDenied):
        hook(owner=user, url=f"{receiver.origin}/x", events=["message.created"], room=theirs)
    with pytest.raises(ValidationError):
        hook(owner=user, url=f"{receiver.origin}/x", events=["ticket.created"], room=mine)
    with pytest.raises(ValidationError):
        hook(owner=user, url=f"{receiver.origin}/x", events=["message.exploded"], room=mine)
    guest = UserFactory(username="gus", is_guest=True)
    client = Client()
    client.force_login(guest)
    answer = client.post(
        "/api/webhooks",
        {"url": f"{receiver.origin}/g", "events": ["message.created"], "room": mine.pk},
        content_type="application/json",
    )
    assert answer.status_code == 404  # not even a member

    with django_capture_on_commit_callbacks(execute=True):
        direct = engine.direct_conversation_get_or_create(user=user, other=other_user)
        engine.message_create(conversation=direct, sender=user, body="dm: just us")
        engine.message_create(conversation=theirs, sender=other_user, body="theirs: private")
        engine.message_create(conversation=mine, sender=user, body="mine: hello")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket_open(customer=user, subject="Broken", description="It broke")
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket_assign(ticket=ticket, agent=agent, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(conversation=ticket.conversation, sender=user, body="ticket: help")
        desk.ticket_note_add(ticket=ticket, author=agent, body="note: customer is angry")

    everything = str([r["raw"] for r in receiver.received])
    assert "dm: just us" not in everything
    mine_events = [(b["event"], b["data"]["body"]) for b in receiver.bodies("/mine")]
    assert mine_events == [("message.created", "mine: hello")]
    staff_events = [b["event"] for b in receiver.bodies("/staff")]
    staff_messages = [b["data"]["body"] for b in receiver.bodies("/staff") if "body" in b["data"]]
    assert sorted(staff_messages) == ["mine: hello", "theirs: private"]
    assert "ticket.created" in staff_events
    assert "ticket.updated" in staff_events
    ticket_message = next(b for b in receiver.bodies("/staff") if b["event"] == "ticket.message")
    assert ticket_message["data"]["message"]["body"] == "ticket: help"
    assert ticket_message["data"]["ticket"]["number"] == ticket.number
    assert "note: customer is angry" not in str(receiver.bodies("/staff"))
    assert "note: customer is angry" not in str(receiver.bodies("/mine"))
    [note] = receiver.bodies("/notes")
    assert note["event"] == "ticket.note"
    assert note["data"]["note"]["body"].startswith("note:")
    assert note["data"]["note"]["author"]["username"] == agent.username

    # A room hook's owner who leaves the room hears it no more.
    engine.member_remove(
        conversation=mine, membership=mine.memberships.get(user=user), notice="left"
    )
    before = len(receiver.bodies("/mine"))
    engine.members_add(conversation=mine, actor=staff, users=[other_user])
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(conversation=mine, sender=other_user, body="after you left")
    assert len(receiver.bodies("/mine")) == before
