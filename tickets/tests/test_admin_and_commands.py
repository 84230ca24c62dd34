from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from tickets import services
from tickets.models import Ticket


def test_ticket_admin_lists_filters_and_searches(admin_client, ticket):
    assert b"Blender broken" in admin_client.get("/admin/tickets/ticket/?status=new").content
    assert b"Blender broken" not in admin_client.get("/admin/tickets/ticket/?status=closed").content
    assert b"Blender broken" in admin_client.get("/admin/tickets/ticket/?q=carla").content
    assert admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").status_code == 200


def test_admin_actions_go_through_services(admin_client, ticket, desk_agent):
    admin_client.post(
        "/admin/tickets/ticket/",
        {"action": "assign_to_least_busy", "_selected_action": [ticket.pk]},
    )
    ticket.refresh_from_db()
    assert (ticket.agent, ticket.status) == (desk_agent, "assigned")
    assert ticket.events.filter(kind="assigned").exists()
    admin_client.post(
        "/admin/tickets/ticket/", {"action": "close_tickets", "_selected_action": [ticket.pk]}
    )
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_other_desk_admin_pages(admin_client):
    for path in ["category", "cannedreply", "feedback", "agentprofile"]:
        assert admin_client.get(f"/admin/tickets/{path}/").status_code == 200


def test_createagent_is_a_dry_run_unless_for_real(db, capsys):
    call_command("createagent", "newagent", "new@example.com")
    assert "Would create agent newagent" in capsys.readouterr().out
    assert not User.objects.filter(username="newagent").exists()
    call_command("createagent", "newagent", "new@example.com", "--for-real")
    assert User.objects.get(username="newagent").is_agent
    with pytest.raises(CommandError, match="taken"):
        call_command("createagent", "newagent", "other@example.com", "--for-real")
    with pytest.raises(CommandError, match="No such category: Garden"):
        call_command("createagent", "x", "x@example.com", "--category", "Garden")


def _resolved(customer, staff, desk_agent, *, raised, answered, resolved) -> Ticket:
    """A ticket worked and resolved, with its times moved to the given datetimes."""
    ticket = services.ticket_open(customer=customer, subject="t", description="something broke")
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status=Ticket.Status.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=raised, first_response_at=answered, resolved_at=resolved
    )
    return ticket


def test_ticket_report_figures(customer, staff, desk_agent, capsys, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    now = timezone.now()
    ticket = _resolved(
        customer, staff, desk_agent,
        raised=now - timedelta(hours=3),
        answered=now - timedelta(hours=2),
        resolved=now - timedelta(hours=1),
    )  # fmt: skip
    services.ticket_feedback_give(ticket=ticket, by=customer, rating=4)
    call_command("ticket_report")
    out = capsys.readouterr().out
    assert "Tickets: 1" in out
    assert "Resolved     1" in out
    assert "In progress  0" in out
    assert "Median first response: 1 h" in out
    assert "Median resolution: 2 h" in out
    assert "Average rating: 4.0 (1 ratings)" in out
    call_command("ticket_report", "--since", (now + timedelta(days=1)).date().isoformat())
    assert "Tickets: 0" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("ticket_report", "--since", "yesterday")


def test_seed_demo_adds_the_desk(db):
    call_command("seed_demo")
    assert Ticket.objects.count() == 2
    assert User.objects.get(username="priya").agent_profile.categories.exists()
    blender = Ticket.objects.get(subject__startswith="Blender")
    assert blender.agent is not None
    assert blender.agent.username == "priya"


def test_reports_page_reads_as_people_write(customer, staff, desk_agent, settings):
    """B5: the reports page showed "0:00:25.466407", "in_progress" and "waiting"."""
    from django.test import Client

    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    now = timezone.now()
    _resolved(
        customer, staff, desk_agent,
        raised=now - timedelta(hours=2, minutes=5, seconds=25.4664),
        answered=now - timedelta(hours=2, minutes=5),
        resolved=now,
    )  # fmt: skip
    client = Client()
    client.force_login(staff)
    page = client.get("/tickets/reports/").content.decode()
    assert '<dd class="col-5" id="median-first-response">25 s</dd>' in page
    assert '<dd class="col-5" id="median-resolution">2 h 5 min</dd>' in page
    assert "<span>In progress</span>" in page
    assert "<span>Waiting on customer</span>" in page
    assert "in_progress" not in page
    assert ".4664" not in page


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59.6, "1 min"), (3600, "1 h"), (3 * 86400 + 4 * 3600 + 59, "3 d 4 h"),
     (86400, "1 d"), (7260, "2 h 1 min")],
)  # fmt: skip
def test_duration_text(seconds, text):
    from tickets.payloads import duration_text

    assert duration_text(timedelta(seconds=seconds)) == text
    assert duration_text(None) == "—"


def test_the_admin_has_one_accounts_section_and_names_the_site(admin_client, settings):
    """B12: the admin had two "Accounts" sections (ours and allauth's e-mail addresses)."""
    settings.UCHAT_SITE_NAME = "Acme Help"
    page = admin_client.get("/admin/").content.decode()
    assert page.count(">Accounts</a>") == 1
    assert ">People</a>" in page
    assert "Acme Help administration" in page
    assert '/static/js/timezone.js"' in page


def test_the_by_agent_filter_lists_agents_only(admin_client, ticket, desk_agent):
    """B12: "By agent" listed every account, customers included."""
    page = admin_client.get("/admin/tickets/ticket/").content.decode()
    by_agent = page[page.index("By agent") :]
    by_agent = by_agent[: by_agent.index("</ul>")]
    assert f"agent__id__exact={desk_agent.pk}" in by_agent
    assert "Agnes" in by_agent
    assert f"agent__id__exact={ticket.customer_id}" not in by_agent


def test_admin_times_are_in_the_viewers_time_zone(admin_client, ticket):
    """B12: the admin showed UTC while the site shows the viewer's zone (the tz cookie)."""
    Ticket.objects.filter(pk=ticket.pk).update(created_at=datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    assert "Jan. 10, 2026, noon" in admin_client.get("/admin/tickets/ticket/").content.decode()
    admin_client.cookies["tz"] = "Asia/Kolkata"
    listing = admin_client.get("/admin/tickets/ticket/").content.decode()
    assert "Jan. 10, 2026, 5:30 p.m." in listing
    change = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert "Jan. 10, 2026, 5:30 p.m." in change
    admin_client.cookies["tz"] = "Not/AZone"  # ignored: UTC
    assert "noon" in admin_client.get("/admin/tickets/ticket/").content.decode()
    # Pages outside the admin still write UTC, labelled, for the browser to rewrite.
    admin_client.cookies["tz"] = "Asia/Kolkata"
    page = admin_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "10 Jan 2026, 12:00 UTC" in page


def test_a_tickets_source_message_reads_as_who_said_what_where(admin_client, customer):
    """B12: the source message showed as "#250 in 7"."""
    from rooms import services as engine
    from tickets.tests.factories import AgentFactory

    agent = AgentFactory(username="sam", display_name="Sam")
    room = engine.room_create(creator=customer, name="Support chat", members=[agent])
    message, _ = engine.message_create(conversation=room, sender=customer, body="Order 42 lost")
    ticket = services.ticket_from_message(message_id=message.pk, actor=agent)
    assert ticket.source == "chat"
    page = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert f"#{message.pk} in {room.pk}" not in page
    assert "Carla’s message in Support chat</a>: “Order 42 lost”" in page
    assert f'href="/conversations/{room.pk}/?around={message.pk}"' in page


def test_the_agent_form_takes_a_name(admin_client):
    """B12: the new-agent form had no name field."""
    page = admin_client.get("/tickets/agents/new/").content.decode()
    assert 'name="display_name"' in page
    admin_client.post(
        "/tickets/agents/new/",
        {"username": "newbie", "display_name": "Nia Newbie", "email": "nia@example.com",
         "capacity": 3},
    )  # fmt: skip
    assert User.objects.get(username="newbie").name == "Nia Newbie"
