from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services as engine
from rooms.models import Membership
from tickets import selectors, services, tokens
from tickets.models import Feedback, Ticket, TicketEvent
from tickets.tests.factories import AgentFactory, CategoryFactory

Status = Ticket.Status


def test_open_creates_ticket_conversation_event_and_emails(
    customer, staff, settings, django_capture_on_commit_callbacks
):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_open(
            customer=customer, subject=" Noise ", description="It makes a noise."
        )
    assert ticket.subject == "Noise"
    assert ticket.status == Status.NEW
    assert ticket.conversation.kind == "ticket"
    assert list(
        Membership.objects.filter(conversation=ticket.conversation).values_list(
            "user__username", flat=True
        )
    ) == ["carla"]
    assert [e.kind for e in ticket.events.all()] == [TicketEvent.Kind.CREATED]
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["carla@example.com", "stella@example.com"]
    received = next(m for m in mail.outbox if m.to == ["carla@example.com"])
    assert f"/tickets/{ticket.pk}/" in received.body
    assert isinstance(received, EmailMultiAlternatives)
    assert received.alternatives[0][1] == "text/html"


def test_open_validates(customer):
    with pytest.raises(ValidationError):
        services.ticket_open(customer=customer, subject="   ", description="x" * 20)
    assert not Ticket.objects.exists()


def test_assign_adds_agent_to_the_conversation_and_emails_both(
    ticket, staff, desk_agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.agent) == (Status.ASSIGNED, desk_agent)
    members = set(
        Membership.objects.filter(conversation=ticket.conversation).values_list(
            "user__username", flat=True
        )
    )
    assert members == {"carla", "agnes"}
    assert sorted(m.to[0] for m in mail.outbox) == ["agnes@example.com", "carla@example.com"]
    event = ticket.events.last()
    assert (event.kind, event.agent, event.actor) == (TicketEvent.Kind.ASSIGNED, desk_agent, staff)


def test_reassign_removes_the_previous_agent_and_tells_them(
    ticket, staff, desk_agent, django_capture_on_commit_callbacks
):
    other = UserFactory(username="otto", display_name="Otto", agent=True)
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(ticket=ticket, agent=other, actor=staff)
    members = set(
        Membership.objects.filter(conversation=ticket.conversation).values_list(
            "user__username", flat=True
        )
    )
    assert members == {"carla", "otto"}
    # B16: the agent it was taken from is told, live and by e-mail, with no link to open.
    told = desk_agent.notifications.get(title__contains="reassigned")
    assert told.title == f"{ticket.number} was reassigned to Otto"
    taken = [m for m in mail.outbox if m.to == [desk_agent.email]]
    assert len(taken) == 1
    assert taken[0].subject == f"[uchat] {ticket.number} was reassigned to Otto"
    assert f"/tickets/{ticket.pk}/" not in taken[0].body


def test_only_admins_assign_and_only_to_agents(ticket, customer, desk_agent, staff):
    other = UserFactory(username="otto", agent=True)
    with pytest.raises(PermissionDenied):  # an agent gives nobody else a ticket
        services.ticket_assign(ticket=ticket, agent=other, actor=desk_agent)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=ticket, agent=customer, actor=staff)
    # An agent takes an unassigned ticket for themselves; not one someone already has.
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=desk_agent)
    ticket.refresh_from_db()
    assert ticket.agent == desk_agent
    with pytest.raises(PermissionDenied):
        services.ticket_assign(ticket=ticket, agent=other, actor=other)


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (Status.ASSIGNED, Status.IN_PROGRESS, True),
        (Status.IN_PROGRESS, Status.WAITING, True),
        (Status.WAITING, Status.RESOLVED, True),
        (Status.RESOLVED, Status.IN_PROGRESS, False),  # only by reopening
        (Status.CLOSED, Status.IN_PROGRESS, False),
        (Status.ASSIGNED, Status.NEW, False),
    ],
)
def test_status_machine(ticket, staff, desk_agent, start, target, allowed):
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    Ticket.objects.filter(pk=ticket.pk).update(status=start)
    if allowed:
        services.ticket_status_set(ticket=ticket, actor=desk_agent, status=target)
        ticket.refresh_from_db()
        assert ticket.status == target
    else:
        with pytest.raises(ValidationError) as info:
            services.ticket_status_set(ticket=ticket, actor=desk_agent, status=target)
        assert info.value.code == "bad_transition"
        ticket.refresh_from_db()
        assert ticket.status == start


def test_who_may_set_what(ticket, staff, desk_agent, customer):
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    with pytest.raises(PermissionDenied):
        services.ticket_status_set(ticket=ticket, actor=customer, status=Status.RESOLVED)
    stranger = UserFactory(username="stranger", agent=True)
    with pytest.raises(PermissionDenied):
        services.ticket_status_set(ticket=ticket, actor=stranger, status=Status.IN_PROGRESS)
    services.ticket_status_set(ticket=ticket, actor=customer, status=Status.CLOSED)
    ticket.refresh_from_db()
    assert ticket.closed_at is not None


def test_resolve_emails_signed_feedback_links_and_reopen_window(
    ticket, staff, desk_agent, customer, settings, django_capture_on_commit_callbacks
):
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_status_set(ticket=ticket, actor=desk_agent, status=Status.RESOLVED)
    resolved = [m for m in mail.outbox if m.to == ["carla@example.com"]]
    assert len(resolved) == 1
    assert "/tickets/feedback/" in resolved[0].body
    assert "?rating=5" in resolved[0].body
    services.ticket_reopen(ticket=ticket, actor=customer)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.events.last().kind == TicketEvent.Kind.REOPENED
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status=Status.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(
        resolved_at=timezone.now() - timedelta(days=settings.UCHAT_TICKET_REOPEN_DAYS + 1)
    )
    with pytest.raises(ValidationError) as info:
        services.ticket_reopen(ticket=ticket, actor=customer)
    assert info.value.code == "reopen_expired"


def test_feedback_once_per_resolution_and_by_link(ticket, staff, desk_agent, customer):
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    with pytest.raises(ValidationError):
        services.ticket_feedback_give(ticket=ticket, by=customer, rating=5)  # not resolved yet
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status=Status.RESOLVED)
    ticket.refresh_from_db()
    token = tokens.feedback_token(ticket)
    found, resolution = tokens.feedback_token_read(token)
    assert (found.pk, resolution) == (ticket.pk, 1)
    services.ticket_feedback_give(ticket=ticket, resolution=resolution, rating=4, comment="quick")
    with pytest.raises(ValidationError) as info:
        services.ticket_feedback_give(ticket=ticket, by=customer, rating=1)
    assert info.value.code == "already_rated"
    with pytest.raises(ValidationError):
        tokens.feedback_token_read(token + "x")
    # reopened and resolved again: a new rating is welcome, the old link is stale
    services.ticket_reopen(ticket=ticket, actor=customer)
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status=Status.RESOLVED)
    with pytest.raises(ValidationError) as info:
        services.ticket_feedback_give(ticket=ticket, resolution=1, rating=2)
    assert info.value.code == "stale"
    services.ticket_feedback_give(ticket=ticket, by=customer, rating=5)
    assert sorted(Feedback.objects.values_list("rating", flat=True)) == [4, 5]


def test_messages_set_first_response_and_wake_a_waiting_ticket(
    ticket, staff, desk_agent, customer, django_capture_on_commit_callbacks
):
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    # The desk reacts to a message once it is committed (tickets.services.reactions).
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(conversation=ticket.conversation, sender=customer, body="any news?")
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = engine.message_create(
            conversation=ticket.conversation, sender=desk_agent, body="on it"
        )
    ticket.refresh_from_db()
    assert ticket.first_response_at == message.created_at
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status=Status.WAITING)
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(
            conversation=ticket.conversation, sender=customer, body="here is the info"
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_outsiders_cannot_post_in_a_ticket(ticket):
    with pytest.raises(PermissionDenied):
        engine.message_create(
            conversation=ticket.conversation, sender=UserFactory(username="nosy"), body="hi"
        )


def test_notes_are_for_the_agent_and_admins(ticket, staff, desk_agent, customer):
    ticket = services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    services.ticket_note_add(ticket=ticket, author=desk_agent, body="customer sounds upset")
    with pytest.raises(PermissionDenied):
        services.ticket_note_add(ticket=ticket, author=customer, body="let me see")
    assert ticket.notes.count() == 1


def test_auto_assign_picks_online_agent_with_fewest_open_then_longest_waiting(
    customer, settings, django_capture_on_commit_callbacks
):
    settings.UCHAT_TICKET_AUTO_ASSIGN = True
    a, b, offline = (AgentFactory(username=n, capacity=2) for n in ("amy", "ben", "off"))
    services.agent_availability_set(agent=offline, availability="offline")
    first = services.ticket_open(customer=customer, subject="one", description="first problem here")
    second = services.ticket_open(
        customer=customer, subject="two", description="second problem here"
    )
    assert {first.agent, second.agent} == {a, b}  # fair: one each, never the offline agent
    third = services.ticket_open(
        customer=customer, subject="three", description="third problem here"
    )
    fourth = services.ticket_open(
        customer=customer, subject="four", description="fourth problem here"
    )
    assert {third.agent, fourth.agent} == {a, b}
    queued = services.ticket_open(
        customer=customer, subject="five", description="fifth problem here"
    )
    queued.refresh_from_db()
    assert (queued.status, queued.agent) == (Status.NEW, None)  # everyone at capacity: it waits
    assert first.agent is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_status_set(ticket=first, actor=first.agent, status=Status.RESOLVED)
    queued.refresh_from_db()
    assert queued.agent == first.agent  # assigned as soon as someone frees up


def test_auto_assign_respects_categories_and_waits_for_someone_online(
    customer, settings, django_capture_on_commit_callbacks
):
    settings.UCHAT_TICKET_AUTO_ASSIGN = True
    kitchen = CategoryFactory(name="Kitchen")
    AgentFactory(username="gen")
    specialist = AgentFactory(username="spec", categories=[kitchen])
    services.agent_availability_set(agent=specialist, availability="offline")
    ticket = services.ticket_open(
        customer=customer, subject="Oven", description="the oven is cold", category=kitchen
    )
    ticket.refresh_from_db()
    assert ticket.agent is None  # the kitchen specialist is offline
    with django_capture_on_commit_callbacks(execute=True):
        services.agent_availability_set(agent=specialist, availability="online")
    ticket.refresh_from_db()
    assert ticket.agent == specialist


def test_agent_create_sends_a_password_link(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        agent = services.agent_create(creator=staff, username="newagent", email="new@example.com")
    assert agent.is_agent
    assert not agent.has_usable_password()
    assert "/tickets/agents/welcome/" in mail.outbox[0].body
    with pytest.raises(ValidationError):
        services.agent_create(creator=staff, username="NEWAGENT", email="x@example.com")


def test_report_figures_on_known_data(customer, staff, desk_agent, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    now = timezone.now()
    for minutes, rating in ((10, 5), (30, 3), (50, None)):
        t = services.ticket_open(
            customer=customer, subject=f"t{minutes}", description="something broke"
        )
        services.ticket_assign(ticket=t, agent=desk_agent, actor=staff)
        services.ticket_status_set(ticket=t, actor=desk_agent, status=Status.RESOLVED)
        Ticket.objects.filter(pk=t.pk).update(
            created_at=now - timedelta(hours=2),
            first_response_at=now - timedelta(hours=2) + timedelta(minutes=minutes),
            resolved_at=now - timedelta(hours=2) + timedelta(minutes=minutes * 2),
        )
        if rating:
            services.ticket_feedback_give(ticket=t, by=customer, rating=rating)
    figures = selectors.satisfaction()
    assert figures.tickets == 3
    assert figures.average_rating == 4.0
    assert figures.median_first_response == timedelta(minutes=30)
    assert figures.median_resolution == timedelta(minutes=60)
    assert selectors.status_counts()["resolved"] == 3
    assert selectors.agent_workload() == [(desk_agent, 0, 3)]


def test_a_closed_ticket_takes_no_messages(ticket, customer):
    services.ticket_status_set(ticket=ticket, actor=customer, status=Ticket.Status.CLOSED)
    with pytest.raises(ValidationError) as refused:
        engine.message_create(conversation=ticket.conversation, sender=customer, body="Hello?")
    assert refused.value.code == "ticket_closed"
    assert not ticket.conversation.messages.filter(body="Hello?").exists()


def test_admins_read_a_tickets_images_without_being_in_it(customer, settings, tmp_path):
    """B2: an admin opening a ticket saw its images broken (404 to non-members)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from accounts.tests.factories import UserFactory
    from rooms.models import Message
    from rooms.tests.test_direct import png_bytes

    settings.MEDIA_ROOT = tmp_path
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    upload = SimpleUploadedFile("broken.png", png_bytes(), content_type="image/png")
    ticket = services.ticket_open(
        customer=customer, subject="Cracked", description="See the photo.", images=[upload]
    )
    image = Message.objects.get(conversation=ticket.conversation)
    url = f"/attachments/{image.pk}/"
    boss = UserFactory(username="boss", staff=True)
    # Assigned: agents other than its own no longer see it (unassigned ones they may take).
    services.ticket_assign(ticket=ticket, agent=UserFactory(username="its", agent=True), actor=boss)
    readers = {"admin": boss, "customer": customer}
    strangers = {"agent elsewhere": UserFactory(username="otheragent", agent=True)}
    for who, person in {**readers, **strangers}.items():
        client = Client()
        client.force_login(person)
        expected = 200 if who in readers else 404
        assert client.get(url).status_code == expected, who
