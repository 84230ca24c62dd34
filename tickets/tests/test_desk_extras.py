"""Platform feedback, the reports' charts and CSV, star ratings, a ticket's images on its card,
and "Turn into ticket" on a room message."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import api_errors
from rooms import services as engine
from rooms.models import Conversation, Message
from tickets import kind as ticket_kind
from tickets import services
from tickets.models import PlatformFeedback, Ticket
from tickets.tests.factories import AgentFactory


@pytest.fixture(autouse=True)
def _manual(settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False


def test_customers_and_agents_send_feedback_and_admins_read_it(client, customer, desk_agent, staff):
    client.force_login(customer)
    page = client.get("/feedback/").content.decode()
    assert "Tell us how to make uchat better" in page
    response = client.post("/feedback/", {"topic": "idea", "body": "Dark mode, please."})
    assert response.status_code == 302
    client.force_login(desk_agent)
    client.post("/feedback/", {"topic": "problem", "body": "The queue is slow on Mondays."})
    assert client.post("/feedback/", {"topic": "idea", "body": "  "}).status_code == 200  # empty
    assert PlatformFeedback.objects.count() == 2
    assert set(PlatformFeedback.objects.values_list("role", flat=True)) == {"customer", "agent"}

    client.force_login(staff)
    page = client.get("/feedback/").content.decode()
    assert "Dark mode, please." in page
    assert "The queue is slow on Mondays." in page
    with pytest.raises(PermissionDenied):
        services.platform_feedback_give(author=staff, topic="idea", body="x")
    reports = client.get("/tickets/reports/").content.decode()
    assert 'id="platform-feedback-counts"' in reports
    assert "from agents" in reports
    admin = client.get("/admin/tickets/platformfeedback/").content.decode()
    assert "Dark mode" in admin or "An idea" in admin


def test_feedback_is_rate_limited_per_person(customer, settings):
    settings.UCHAT_FEEDBACK_PER_HOUR = 2
    for n in range(2):
        services.platform_feedback_give(author=customer, topic="idea", body=f"idea {n}")
    with pytest.raises(ValidationError, match="a lot of feedback"):
        services.platform_feedback_give(author=customer, topic="idea", body="one more")
    assert PlatformFeedback.objects.count() == 2


def test_reports_draw_charts_and_export_csv(
    client, customer, desk_agent, staff, django_capture_on_commit_callbacks
):
    ticket = services.ticket_open(customer=customer, subject='=HYPERLINK("x")', description="d")
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):  # the desk reacts after the commit
        engine.message_create(conversation=ticket.conversation, sender=desk_agent, body="Hello")
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status="resolved")
    services.ticket_feedback_give(ticket=ticket, rating=4, by=customer)
    client.force_login(staff)
    page = client.get("/tickets/reports/").content.decode()
    for chart in (
        "chart-days",
        "chart-first-response",
        "chart-resolution",
        "chart-ratings",
        "chart-load",
    ):
        section = page.split(f'id="{chart}"')[1][:6000]
        assert '<svg class="chart" role="img"' in section
    assert "<title>Opened, " in page  # each column names its day and value
    assert (
        "agnes" in page.split('id="chart-load"')[1] or "Agnes" in page.split('id="chart-load"')[1]
    )
    assert "First responses in time" in page

    response = client.get("/tickets/reports/tickets.csv")
    assert response["Content-Disposition"] == 'attachment; filename="tickets.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["number", "subject", "status"]
    assert rows[1][0] == ticket.number
    assert rows[1][1] == '\'=HYPERLINK("x")'  # never a formula in a spreadsheet
    assert rows[1][12] == "yes"  # answered within the SLA
    client.force_login(customer)
    assert client.get("/tickets/reports/tickets.csv").status_code == 403


def test_the_rating_form_shows_stars_with_words(client, customer, desk_agent, staff):
    ticket = services.ticket_open(customer=customer, subject="S", description="d")
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status="resolved")
    client.force_login(customer)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "★★★★★ 5 – Excellent" in page
    assert "★☆☆☆☆ 1 – Poor" in page


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), "image/png")


def test_images_raised_with_the_ticket_show_on_its_card(client, customer):
    ticket = services.ticket_open(
        customer=customer, subject="Broken", description="See photo", images=[_png()]
    )
    client.force_login(customer)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    card = page.split('id="ticket-images"')[1][:600]
    image = Message.objects.get(conversation=ticket.conversation)
    assert f'src="/attachments/{image.pk}/"' in card


@pytest.fixture
def room(customer, desk_agent):
    return engine.room_create(creator=customer, name="Support chat", members=[desk_agent])


def test_an_agent_turns_a_room_message_into_a_ticket(
    client, customer, desk_agent, room, sent, django_capture_on_commit_callbacks
):
    message, _ = engine.message_create(
        conversation=room, sender=customer, body="My order never came\nOrder 42, last week."
    )
    client.force_login(desk_agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/tickets/from-message/{message.pk}/")
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["ticket"])
    assert (ticket.customer, ticket.subject) == (customer, "My order never came")
    assert ticket.description == "My order never came\nOrder 42, last week."
    assert ticket.source_message == message
    message.refresh_from_db()
    assert message.content["ticket"] == {"id": ticket.pk, "number": ticket.number}
    updated = [p for _g, kind, p in sent if kind == "message.updated"]
    assert updated[-1]["ticket"] == {"id": ticket.pk, "number": ticket.number}  # live
    client.force_login(customer)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="ticket-source"' in page
    assert "Support chat" in page
    # Twice: refused with the reason; nothing more is made.
    client.force_login(desk_agent)
    again = client.post(f"/tickets/from-message/{message.pk}/")
    assert again.status_code == 400
    assert ticket.number in again.json()["error"]
    assert again.json()["subcode"] == api_errors.BAD_REQUEST  # core.api_errors' one shape
    assert Ticket.objects.count() == 1


def test_who_may_turn_messages_into_tickets(client, customer, desk_agent, room, other_user):
    message, _ = engine.message_create(conversation=room, sender=customer, body="Help")
    client.force_login(other_user)  # not an agent
    refused = client.post(f"/tickets/from-message/{message.pk}/")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": 403,
        "subcode": api_errors.FORBIDDEN,
        "error": "Only agents and admins turn messages into tickets.",
    }
    outsider = AgentFactory(username="outsider")  # an agent, not in the room
    client.force_login(outsider)
    missing = client.post(f"/tickets/from-message/{message.pk}/")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": 404,
        "subcode": api_errors.NOT_FOUND,
        "error": "No such message.",
    }
    engine.message_delete(conversation=room, message_id=message.pk, actor=customer)
    client.force_login(desk_agent)
    assert client.post(f"/tickets/from-message/{message.pk}/").status_code == 400
    assert not Ticket.objects.exists()
    assert Conversation.objects.filter(kind=ticket_kind.NAME).count() == 0


def test_an_agents_dashboard_puts_the_queue_first_with_waiting_due_and_last_message(
    client, customer, desk_agent, staff
):
    ticket = services.ticket_open(customer=customer, subject="Noisy fan", description="d")
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    engine.message_create(conversation=ticket.conversation, sender=customer, body="Still noisy")
    client.force_login(desk_agent)
    page = client.get("/").content.decode()
    queue = page.index('id="my-tickets"')
    assert 'class="order-first"' in page[page.rindex("<section", 0, queue) : queue]
    row = page.split('id="ticket-list"')[1][:2000]
    assert "Noisy fan" in row
    assert "waiting" in row
    assert "due" in row
    assert "“Still noisy”" in row


def test_agents_see_images_of_unassigned_tickets_only(client, customer, desk_agent, staff):
    waiting = services.ticket_open(customer=customer, subject="A", description="d", images=[_png()])
    taken = services.ticket_open(customer=customer, subject="B", description="d", images=[_png()])
    other = AgentFactory(username="otto")
    services.ticket_assign(ticket=taken, agent=other, actor=staff)
    client.force_login(desk_agent)
    for ticket, status in ((waiting, 200), (taken, 404)):
        image = Message.objects.get(conversation=ticket.conversation)
        assert client.get(f"/attachments/{image.pk}/").status_code == status


def test_the_quick_switcher_lists_the_tickets_a_person_may_open(db):
    from accounts.tests.factories import UserFactory
    from rooms.switcher import switcher_list
    from tickets.services import ticket_open

    customer = UserFactory(username="cara", display_name="Cara")
    other = UserFactory(username="otto", display_name="Otto")
    mine = ticket_open(customer=customer, subject="Printer on fire", description="Help")
    ticket_open(customer=other, subject="Printer jammed", description="Help")
    found = switcher_list(user=customer, query="printer")
    assert found == [
        {"kind": "ticket", "label": "Ticket", "name": f"#{mine.pk} Printer on fire",
         "url": f"/tickets/{mine.pk}/", "icon": "life-buoy"},
    ]  # fmt: skip
    assert [e["name"] for e in switcher_list(user=customer, query=f"#{mine.pk}")] == [
        f"#{mine.pk} Printer on fire"
    ]
