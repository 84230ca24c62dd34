"""SLA due times and breaches (the clock driven by the tests), the inbox's list, filters and
visibility, agents taking tickets and admins joining them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services as engine
from tickets import payloads, selectors, services
from tickets.models import SlaPolicy, Ticket, TicketEvent
from tickets.tasks import sla_check
from tickets.tests.factories import AgentFactory, CategoryFactory


def raise_ticket(customer, subject="Help", priority="normal", **extra):
    return services.ticket_open(
        customer=customer, subject=subject, description="Details.", priority=priority, **extra
    )


@pytest.fixture(autouse=True)
def _manual(settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False


def test_due_times_follow_the_priority_policy(customer):
    high = raise_ticket(customer, priority="high")
    policy = SlaPolicy.objects.get(priority="high")
    assert high.first_response_due == high.created_at + timedelta(
        minutes=policy.first_response_minutes
    )
    assert high.resolution_due == high.created_at + timedelta(minutes=policy.resolution_minutes)
    data = payloads.ticket_payload(high)
    assert data["first_response_due"] == high.first_response_due.isoformat()
    assert data["sla_due"] == data["first_response_due"]
    assert data["sla_breached"] is False
    SlaPolicy.objects.filter(priority="low").delete()
    low = raise_ticket(customer, priority="low")
    assert (low.first_response_due, low.resolution_due) == (None, None)
    assert payloads.ticket_payload(low)["sla_due"] is None


def test_a_missed_first_response_is_recorded_once_live_and_e_mailed(
    customer, desk_agent, staff, sent, django_capture_on_commit_callbacks
):
    ticket = raise_ticket(customer, subject="Slow", priority="high")
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    mail.outbox.clear()
    sent.clear()
    assert services.sla_breaches_check(now=ticket.first_response_due - timedelta(seconds=1)) == []

    later = ticket.first_response_due + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        [late] = services.sla_breaches_check(now=later)
    assert late.first_response_breached_at == later
    assert late.resolution_breached_at is None
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.SLA)
    assert payloads.event_text(event) == "SLA missed: first response overdue"
    subjects = {(m.subject, tuple(m.to)) for m in mail.outbox}
    assert (f"[uchat] SLA missed on {ticket.number}: first response", (staff.email,)) in subjects
    assert (
        f"[uchat] SLA missed on {ticket.number}: first response",
        (desk_agent.email,),
    ) in subjects
    assert not [m for m in mail.outbox if customer.email in m.to]  # the customer is not told
    kinds = [kind for _groups, kind, _payload in sent]
    assert "ticket.updated" in kinds
    assert "desk.ticket" in kinds

    mail.outbox.clear()
    assert services.sla_breaches_check(now=later + timedelta(minutes=5)) == []  # once only
    assert mail.outbox == []
    ticket.refresh_from_db()
    assert ticket.sla_breached(now=later)


def test_an_answered_ticket_misses_only_its_resolution(
    customer, desk_agent, staff, django_capture_on_commit_callbacks
):
    ticket = raise_ticket(customer, priority="high")
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):  # the desk reacts after the commit
        engine.message_create(conversation=ticket.conversation, sender=desk_agent, body="On it.")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.sla_due == ticket.resolution_due
    [late] = services.sla_breaches_check(now=ticket.resolution_due + timedelta(seconds=1))
    assert late.first_response_breached_at is None
    assert late.resolution_breached_at is not None


def test_resolved_tickets_miss_nothing_and_a_reopened_one_is_due_again(customer, desk_agent, staff):
    ticket = raise_ticket(customer)
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    services.ticket_status_set(ticket=ticket, actor=desk_agent, status="resolved")
    ticket.refresh_from_db()
    assert ticket.sla_due is None
    assert services.sla_breaches_check(now=ticket.resolution_due + timedelta(days=9)) == []
    before = timezone.now()
    services.ticket_reopen(ticket=ticket, actor=customer)
    ticket.refresh_from_db()
    policy = SlaPolicy.objects.get(priority="normal")
    assert ticket.resolution_due >= before + timedelta(minutes=policy.resolution_minutes)


def test_the_beat_task_runs_the_check(customer, settings):
    ticket = raise_ticket(customer, priority="high")
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due=timezone.now() - timedelta(minutes=1)
    )
    assert sla_check() == 1
    assert sla_check() == 0
    assert settings.CELERY_BEAT_SCHEDULE["sla-check"]["task"] == "tickets.tasks.sla_check"


def test_inbox_lists_by_due_time_with_filters_and_visibility(customer, desk_agent, staff):
    other_agent = AgentFactory(username="otto")
    billing = CategoryFactory(name="Billing")
    low = raise_ticket(customer, subject="Low one", priority="low")
    urgent = raise_ticket(staff, subject="Urgent one", priority="urgent")  # staff mark urgent
    mine = raise_ticket(customer, subject="Mine", priority="normal", category=billing)
    services.ticket_assign(ticket=mine, agent=desk_agent, actor=staff)
    theirs = raise_ticket(customer, subject="Theirs", priority="high")
    services.ticket_assign(ticket=theirs, agent=other_agent, actor=staff)
    engine.message_create(conversation=mine.conversation, sender=customer, body="Any news?")

    def subjects(user, **filters):
        return [t.subject for t in selectors.inbox_tickets(user=user, **filters)]

    assert subjects(staff, view="all") == ["Urgent one", "Theirs", "Mine", "Low one"]
    assert subjects(desk_agent, view="mine") == ["Mine"]
    assert subjects(desk_agent, view="unassigned") == ["Urgent one", "Low one"]
    assert "Theirs" not in subjects(desk_agent, view="all")  # "all" is for admins
    assert subjects(staff, view="all", priority="low") == ["Low one"]
    assert subjects(staff, view="all", category=billing.pk) == ["Mine"]
    [row] = selectors.inbox_tickets(user=desk_agent, view="mine")
    assert row.last_text == "Any news?"  # type: ignore[attr-defined]  # the inbox's annotation
    services.ticket_status_set(ticket=low, actor=staff, status="closed")
    assert "Low one" not in subjects(staff, view="all")
    assert subjects(staff, view="all", status="closed") == ["Low one"]
    assert urgent.pk in [t.pk for t in selectors.tickets_visible_to(user=desk_agent)]
    assert theirs.pk not in [t.pk for t in selectors.tickets_visible_to(user=desk_agent)]


def test_inbox_page_for_the_desk_only(client, customer, desk_agent, staff):
    ticket = raise_ticket(customer, subject="Printer on fire")
    client.force_login(customer)
    assert client.get("/tickets/inbox/").status_code == 403
    client.force_login(desk_agent)
    page = client.get("/tickets/inbox/?view=unassigned")
    assert page.status_code == 200
    assert "Printer on fire" in page.content.decode()
    page = client.get(f"/tickets/inbox/?view=unassigned&ticket={ticket.pk}")
    assert "Take this ticket" in page.content.decode()
    assert 'id="customer-panel"' in page.content.decode()
    partial = client.get("/tickets/inbox/?view=unassigned&partial=list")
    assert partial.content.decode().startswith('<div class="inbox-list"')
    # Nonsense filters are ignored, not an error.
    assert client.get("/tickets/inbox/?view=all&priority=x&category=zz").status_code == 200


def test_an_agent_takes_an_unassigned_ticket_from_the_inbox(client, customer, desk_agent):
    ticket = raise_ticket(customer)
    client.force_login(desk_agent)
    back = f"/tickets/inbox/?view=mine&ticket={ticket.pk}"
    response = client.post(f"/tickets/{ticket.pk}/take/", {"next": back})
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == back
    ticket.refresh_from_db()
    assert ticket.agent == desk_agent
    # Taking it again: it is not unassigned any more.
    assert client.post(f"/tickets/{ticket.pk}/take/").status_code == 403
    # Elsewhere than the inbox is not a place to be sent back to.
    another = raise_ticket(customer)
    response = client.post(f"/tickets/{another.pk}/take/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/tickets/{another.pk}/"


def test_an_admin_joins_then_posts_and_customer_sees_it(client, customer, staff):
    ticket = raise_ticket(customer)
    client.force_login(staff)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Join the conversation" in page
    client.post(f"/tickets/{ticket.pk}/join/")
    assert ticket.conversation.memberships.filter(user=staff).exists()
    engine.message_create(conversation=ticket.conversation, sender=staff, body="Admin here.")
    client.force_login(customer)
    assert "Admin here." in client.get(f"/tickets/{ticket.pk}/").content.decode()
    client.force_login(UserFactory(username="nosy"))
    assert client.post(f"/tickets/{ticket.pk}/join/").status_code == 404
