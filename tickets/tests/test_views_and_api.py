import io

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from PIL import Image

from accounts.tests.factories import UserFactory
from accounts.tests.test_api import bearer
from rooms import services as engine
from rooms.models import Message
from tickets import services, tokens
from tickets.models import Feedback, Ticket
from tickets.tests.factories import AgentFactory, CannedReplyFactory, CategoryFactory

NOTE = "SECRET-NOTE customer sounds upset"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def assigned(ticket, staff, desk_agent):
    ticket = services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    services.ticket_note_add(ticket=ticket, author=desk_agent, body=NOTE)
    engine.message_create(
        conversation=ticket.conversation, sender=desk_agent, body="Hello, I am on it"
    )
    return ticket


def test_customer_raises_a_ticket_with_an_image(customer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    category = CategoryFactory(name="Kitchen")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    buffer.name = "photo.png"
    buffer.seek(0)
    response = client_for(customer).post(
        "/tickets/new/",
        {
            "subject": "Blender",
            "description": "It stopped working yesterday.",
            "category": category.pk,
            "priority": "high",
            "images": [buffer],
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert (ticket.category, ticket.priority) == (category, "high")
    assert Message.objects.get(conversation=ticket.conversation).kind == "image"


def test_bad_ticket_form_says_why_and_creates_nothing(customer):
    response = client_for(customer).post("/tickets/new/", {"subject": "", "description": "short"})
    assert response.status_code == 200
    assert b"at least 10 characters" in response.content
    assert not Ticket.objects.exists()


def test_bad_image_is_refused(customer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = io.BytesIO(b"<script>alert(1)</script>")
    fake.name = "x.png"
    response = client_for(customer).post(
        "/tickets/new/",
        {
            "subject": "Blender",
            "description": "It stopped working yesterday.",
            "priority": "normal",
            "images": [fake],
        },
    )
    assert response.status_code == 200
    assert b"Only JPEG, PNG, GIF and WebP images are accepted." in response.content
    assert not Ticket.objects.exists()


def test_pages_by_role(assigned, customer, desk_agent, staff):
    customer_page = client_for(customer).get(f"/tickets/{assigned.pk}/").content.decode()
    assert "Blender broken" in customer_page
    assert "Agnes" in customer_page
    assert "Assigned to Agnes by" in customer_page  # the history
    agent_page = client_for(desk_agent).get(f"/tickets/{assigned.pk}/").content.decode()
    assert NOTE in agent_page
    assert "Change status" in agent_page
    admin_page = client_for(staff).get(f"/tickets/{assigned.pk}/").content.decode()
    assert NOTE in admin_page
    assert "Reassign" in admin_page
    assert '"readonly": true' in admin_page  # admins read the conversation, no socket
    # The sidebar, as on conversation pages: the agent's queue, this ticket marked current.
    assert 'id="sidebar"' in agent_page
    assert (
        f'href="/tickets/{assigned.pk}/" data-conversation="{assigned.conversation_id}" '
        'aria-current="page"' in agent_page
    )
    assert "My queue" in agent_page


def test_internal_notes_never_reach_the_customer(
    assigned, customer, django_capture_on_commit_callbacks
):
    client = client_for(customer)
    assert NOTE not in client.get(f"/tickets/{assigned.pk}/").content.decode()
    api = bearer(customer)
    assert NOTE not in api.get(f"/api/tickets/{assigned.pk}").content.decode()
    assert NOTE not in api.get(f"/api/tickets/{assigned.pk}/messages").content.decode()
    assert NOTE not in api.get("/api/tickets").content.decode()
    assert NOTE not in api.get("/api/notifications").content.decode()
    # The inbox's notes (JSON, for its timeline): the ticket's agent, never its customer.
    assert client.get(f"/tickets/{assigned.pk}/notes/").status_code == 403
    notes = client_for(assigned.agent).get(f"/tickets/{assigned.pk}/notes/").json()["notes"]
    assert [n["body"] for n in notes] == [NOTE]
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_status_set(
            ticket=assigned, actor=assigned.agent, status=Ticket.Status.RESOLVED
        )
    assert mail.outbox
    assert all(
        isinstance(m, EmailMultiAlternatives)
        and NOTE not in m.body
        and NOTE not in str(m.alternatives[0][0])
        for m in mail.outbox
    )


@pytest.mark.parametrize("who", ["stranger", "other_agent", "anonymous"])
def test_everyone_else_gets_404(assigned, who):
    if who == "anonymous":
        client = Client()
        assert client.get(f"/tickets/{assigned.pk}/").status_code == 302
        assert bearer_none_status(assigned) == 401
        return
    person = UserFactory(username=who, is_agent=(who == "other_agent"))
    client = client_for(person)
    for path in ["", "status/", "reopen/", "notes/", "feedback/"]:
        method = client.get if path == "" else client.post
        assert method(f"/tickets/{assigned.pk}/{path}").status_code == 404, path
    api = bearer(person)
    assert api.get(f"/api/tickets/{assigned.pk}").status_code == 404
    assert (
        api.patch(f"/api/tickets/{assigned.pk}", {"status": "closed"}, format="json").status_code
        == 404
    )
    assert api.get(f"/api/tickets/{assigned.pk}/messages").status_code == 404
    assert api.get("/api/tickets").json()["tickets"] == []
    # guessing ids
    for guess in range(assigned.pk - 2, assigned.pk + 3):
        assert client.get(f"/tickets/{guess}/").status_code == 404
    assert client.get(f"/conversations/{assigned.conversation_id}/messages/").status_code == 404


def bearer_none_status(ticket) -> int:
    from rest_framework.test import APIClient

    return APIClient().get(f"/api/tickets/{ticket.pk}").status_code


def test_lists_by_role(assigned, customer, desk_agent, staff):
    other = services.ticket_open(
        customer=UserFactory(username="dan"), subject="Other", description="another problem"
    )
    assert "Blender broken" in client_for(customer).get("/tickets/").content.decode()
    assert "Other" not in client_for(customer).get("/tickets/").content.decode()
    queue = client_for(desk_agent).get("/tickets/?status=assigned").content.decode()
    assert "My queue" in queue
    assert "Blender broken" in queue
    everything = client_for(staff).get("/tickets/").content.decode()
    assert "Blender broken" in everything
    assert other.subject in everything
    assert 'id="status-counts"' in everything
    found = client_for(staff).get(f"/tickets/?q=%23{other.pk}").content.decode()
    assert "Other" in found
    assert "Blender broken" not in found


def test_status_change_from_the_page_and_refusal(assigned, desk_agent, customer):
    client = client_for(desk_agent)
    client.post(f"/tickets/{assigned.pk}/status/", {"status": "resolved"})
    assigned.refresh_from_db()
    assert assigned.status == "resolved"
    response = client_for(customer).post(
        f"/tickets/{assigned.pk}/status/", {"status": "in_progress"}, follow=True
    )
    assert b"cannot go from Resolved to In progress" in response.content


def test_customer_rates_once_and_admin_sees_it(assigned, customer, desk_agent, staff):
    services.ticket_status_set(ticket=assigned, actor=desk_agent, status=Ticket.Status.RESOLVED)
    client = client_for(customer)
    assert b"How did we do?" in client.get(f"/tickets/{assigned.pk}/").content
    client.post(f"/tickets/{assigned.pk}/feedback/", {"rating": "5", "comment": "great"})
    assert b"You rated this help 5/5" in client.get(f"/tickets/{assigned.pk}/").content
    response = client.post(f"/tickets/{assigned.pk}/feedback/", {"rating": "1"}, follow=True)
    assert b"already rated" in response.content
    assert Feedback.objects.get().rating == 5
    for desk_side in (staff, desk_agent):  # B3: they did not rate it; they see the rating
        page = client_for(desk_side).get(f"/tickets/{assigned.pk}/").content
        assert b"<strong>5/5</strong>" in page
        assert b"You rated" not in page
    assert b"5.0 / 5" in client_for(staff).get("/tickets/reports/").content


def test_one_click_feedback_link_without_logging_in(assigned, desk_agent):
    services.ticket_status_set(ticket=assigned, actor=desk_agent, status=Ticket.Status.RESOLVED)
    assigned.refresh_from_db()
    token = tokens.feedback_token(assigned)
    anonymous = Client()
    page = anonymous.get(f"/tickets/feedback/{token}/?rating=4")
    assert page.status_code == 200
    assert (
        b'value="4" class="form-check-input" id="id_rating_3" required checked' in page.content
        or b"checked" in page.content
    )
    assert b"Send 4/5</button>" in page.content  # the chosen rating, one click away
    assert not Feedback.objects.exists()  # a GET (e.g. a mail scanner) records nothing
    done = anonymous.post(f"/tickets/feedback/{token}/", {"rating": "4", "comment": "ok"})
    assert b"Thank you!" in done.content
    assert Feedback.objects.get().rating == 4
    # B12: the link again (or another rating's link) says it was rated, with no form.
    again = anonymous.get(f"/tickets/feedback/{token}/?rating=2")
    assert b"was already rated 4/5" in again.content
    assert b"<form" not in again.content.split(b"<main", 1)[1]
    assert anonymous.get("/tickets/feedback/forged-token/").status_code == 400


def test_admin_creates_agent_who_sets_a_password(
    staff, settings, django_capture_on_commit_callbacks
):
    client = client_for(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/tickets/agents/new/",
            {"username": "newbie", "email": "newbie@example.com", "capacity": 3},
        )
    assert response.status_code == 302
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/tickets/agents/welcome/" in line
    ).strip()
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = Client()
    assert anonymous.get("/" + path).status_code == 200
    anonymous.post(
        "/" + path, {"new_password1": "agent-pass-2026!", "new_password2": "agent-pass-2026!"}
    )
    from accounts.models import User

    assert User.objects.get(username="newbie").check_password("agent-pass-2026!")
    assert anonymous.get("/" + path).status_code == 400  # the link works once
    assert client_for(UserFactory(username="plain")).get("/tickets/agents/new/").status_code == 403


def test_canned_replies_shown_to_the_agent_only(assigned, customer, desk_agent):
    CannedReplyFactory(title="Thanks", body="Thanks for waiting!")
    assert b"Thanks for waiting!" in client_for(desk_agent).get(f"/tickets/{assigned.pk}/").content
    assert (
        b"Thanks for waiting!" not in client_for(customer).get(f"/tickets/{assigned.pk}/").content
    )


def test_api_tickets_by_role(customer, staff, desk_agent, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    CategoryFactory(name="Kitchen")
    created = bearer(customer).post(
        "/api/tickets",
        {"subject": "API ticket", "description": "Raised by a program", "category": "kitchen"},
        format="json",
    )
    assert created.status_code == 201
    ticket_id = created.json()["id"]
    assert created.json()["category"] == "Kitchen"
    bad = bearer(customer).post(
        "/api/tickets", {"subject": "x", "description": "y", "category": "Garden"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "category: No such category: Garden."
    refused = bearer(customer).patch(
        f"/api/tickets/{ticket_id}", {"agent_id": desk_agent.pk}, format="json"
    )
    assert refused.status_code == 403
    assigned = bearer(staff).patch(
        f"/api/tickets/{ticket_id}", {"agent_id": desk_agent.pk}, format="json"
    )
    assert assigned.json()["agent"]["username"] == "agnes"
    assert assigned.json()["status"] == "assigned"
    posted = bearer(desk_agent).post(
        f"/api/tickets/{ticket_id}/messages", {"body": "Hi from the desk"}, format="json"
    )
    assert posted.status_code == 201
    history = bearer(customer).get(f"/api/tickets/{ticket_id}/messages").json()
    assert [m["body"] for m in history["messages"]] == ["Hi from the desk"]
    wrong = bearer(customer).patch(
        f"/api/tickets/{ticket_id}", {"status": "resolved"}, format="json"
    )
    assert wrong.status_code == 403
    resolved = bearer(desk_agent).patch(
        f"/api/tickets/{ticket_id}", {"status": "resolved"}, format="json"
    )
    assert resolved.json()["status"] == "resolved"
    reopened = bearer(customer).patch(
        f"/api/tickets/{ticket_id}", {"status": "reopened"}, format="json"
    )
    assert reopened.json()["status"] == "in_progress"
    assert [h["kind"] for h in reopened.json()["history"]] == [
        "created",
        "assigned",
        "status",
        "reopened",
    ]
    bad_move = bearer(desk_agent).patch(
        f"/api/tickets/{ticket_id}", {"status": "new"}, format="json"
    )
    assert bad_move.status_code == 400
    assert bad_move.json()["subcode"] == 4000


@pytest.mark.django_db(transaction=True)
def test_ticket_socket_only_for_its_customer_and_agent(settings):
    from asgiref.sync import async_to_sync

    from rooms.tests.test_consumers import connect

    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    customer, agent = UserFactory(username="cust"), AgentFactory(username="agent1")
    admin, stranger = UserFactory(username="boss", is_staff=True), UserFactory(username="nosy")
    ticket = services.ticket_open(customer=customer, subject="Help", description="please help me")
    services.ticket_assign(ticket=ticket, agent=agent, actor=admin)

    async def can_connect(user) -> bool:
        communicator, connected, _ = await connect(user, f"/ws/rooms/{ticket.conversation_id}/")
        await communicator.disconnect()
        return connected

    assert async_to_sync(can_connect)(customer)
    assert async_to_sync(can_connect)(agent)
    assert not async_to_sync(can_connect)(stranger)
    assert not async_to_sync(can_connect)(admin)  # admins read the page; they do not join the chat


def test_dashboard_shows_my_tickets_and_the_agents_queue(assigned, customer, desk_agent):
    assert f"{assigned.number} Blender broken" in client_for(customer).get("/").content.decode()
    page = client_for(desk_agent).get("/").content.decode()
    assert "My queue" in page
    assert "Blender broken" in page


@pytest.mark.django_db(transaction=True)
def test_a_reassigned_agent_reads_who_took_the_ticket_and_the_panel_follows(settings):
    """B5: the agent a ticket is taken from read "You were removed from this room" and their
    panel still named them. Their open page hears why, and the ticket as it now is."""
    from asgiref.sync import async_to_sync, sync_to_async

    from rooms.tests.test_consumers import connect, receive_type

    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    customer = UserFactory(username="cust")
    first = AgentFactory(username="first", display_name="First")
    second = AgentFactory(username="second", display_name="Second Agent")
    admin = UserFactory(username="boss", is_staff=True)
    ticket = services.ticket_open(customer=customer, subject="Help", description="please help me")
    services.ticket_assign(ticket=ticket, agent=first, actor=admin)

    async def reassign_while_open() -> tuple[dict, dict]:
        page, connected, _ = await connect(first, "/ws/me/")
        assert connected
        await page.send_json_to({"type": "subscribe", "conversation": ticket.conversation_id})
        await receive_type(page, "subscribed")
        await sync_to_async(services.ticket_assign)(ticket=ticket, agent=second, actor=admin)
        removed = await receive_type(page, "member.removed")
        updated = await receive_type(page, "ticket.updated")
        await page.disconnect()
        return removed, updated

    removed, updated = async_to_sync(reassign_while_open)()
    assert removed["user_id"] == first.pk
    assert removed["notice"] == "This ticket was reassigned to Second Agent."
    assert updated["ticket"]["agent"]["id"] == second.pk
    assert updated["event"]["text"].startswith("Assigned to Second Agent")
