from datetime import timedelta

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


def test_ticket_report_figures(customer, staff, desk_agent, capsys, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    now = timezone.now()
    ticket = services.ticket_open(customer=customer, subject="t", description="something broke")
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status=Ticket.Status.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=now - timedelta(hours=3),
        first_response_at=now - timedelta(hours=2),
        resolved_at=now - timedelta(hours=1),
    )
    services.ticket_feedback_give(ticket=ticket, by=customer, rating=4)
    call_command("ticket_report")
    out = capsys.readouterr().out
    assert "Tickets: 1" in out
    assert "resolved     1" in out
    assert "Median first response: 1:00:00" in out
    assert "Median resolution: 2:00:00" in out
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
    assert blender.agent.username == "priya"
