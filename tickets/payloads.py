"""Wire shapes of the desk, shared by pages, sockets and the API. Internal notes have none:
they never leave the staff side of the page."""

from datetime import timedelta
from typing import Any

from django.conf import settings

from accounts.payloads import person_payload
from tickets import rules
from tickets.models import Ticket, TicketEvent


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "description": ticket.description,
        "category": ticket.category.name if ticket.category_id and ticket.category else None,
        "priority": ticket.priority,
        "status": ticket.status,
        "status_label": ticket.get_status_display(),
        "customer": person_payload(ticket.customer) if ticket.customer else None,
        "agent": person_payload(ticket.agent) if ticket.agent else None,
        "conversation": ticket.conversation_id,
        "source": ticket.source,
        "follows": ticket.follows_id,
        "created_at": when(ticket.created_at),
        "first_response_at": when(ticket.first_response_at),
        "resolved_at": when(ticket.resolved_at),
        "closed_at": when(ticket.closed_at),
        "first_response_due": when(ticket.first_response_due),
        "resolution_due": when(ticket.resolution_due),
        # What is due next (first response, then resolution), and whether it is overdue.
        "sla_due": when(ticket.sla_due),
        "sla_breached": ticket.sla_breached(),
        "customer_may": rules.customer_may(ticket),
    }


def event_text(event: TicketEvent) -> str:
    actor = event.actor.name if event.actor else settings.UCHAT_SITE_NAME
    labels = dict(Ticket.Status.choices)
    if event.kind == TicketEvent.Kind.CREATED:
        return f"Created by {actor}"
    if event.kind == TicketEvent.Kind.ASSIGNED:
        agent = event.agent.name if event.agent else "an agent"
        by = "automatically" if event.actor is None else f"by {actor}"
        return f"Assigned to {agent} {by}"
    if event.kind == TicketEvent.Kind.REOPENED:
        return f"Reopened by {actor}"
    if event.kind == TicketEvent.Kind.FEEDBACK:
        return f"Feedback given by {actor}"
    if event.kind == TicketEvent.Kind.SLA:
        missed = {"first": "first response", "resolve": "resolution"}.get(
            event.from_status, "first response and resolution"
        )
        return f"SLA missed: {missed} overdue"
    if event.kind == TicketEvent.Kind.RELEASED:
        if event.agent is None:  # the agent's account was deleted since
            return "Back to the queue: the agent's account was deleted"
        return f"Back to the queue: {event.agent.name} no longer handles it"
    before = labels.get(event.from_status, event.from_status)
    after = labels.get(event.to_status, event.to_status)
    return f"Status {before} → {after} by {actor}"


def event_payload(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "text": event_text(event),
        "created_at": event.created_at.isoformat(),
    }


def duration_text(duration: timedelta | None) -> str:
    """A report's duration as people read it: "25 s", "4 min", "2 h 5 min", "3 d 4 h";
    "—" for none."""
    if duration is None:
        return "—"
    seconds = max(0, round(duration.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


def status_counts_text(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Status counts under the labels people see ("In progress", not "in_progress")."""
    return [(Ticket.Status(status).label, count) for status, count in counts.items()]


TICKET_CSV_HEADER = [
    "number", "subject", "status", "priority", "category", "customer", "agent", "raised (UTC)",
    "first response (UTC)", "resolved (UTC)", "first response (minutes)", "resolution (minutes)",
    "first response in SLA", "resolved in SLA",
]  # fmt: skip


def _cell(value: object) -> str:
    """A spreadsheet cell that is never a formula (=, +, -, @ start one: CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def ticket_csv_row(ticket: Ticket) -> list[str]:
    def when(value: Any) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""

    def minutes(start: Any, end: Any) -> str:
        return f"{(end - start).total_seconds() / 60:.1f}" if start and end else ""

    def met(done: Any, due: Any) -> str:
        return "" if not (done and due) else ("yes" if done <= due else "no")

    return [
        _cell(v)
        for v in (
            ticket.number, ticket.subject, ticket.get_status_display(),
            ticket.get_priority_display(), ticket.category.name if ticket.category else "",
            ticket.customer.username if ticket.customer else "deleted user",
            ticket.agent.username if ticket.agent else "", when(ticket.created_at),
            when(ticket.first_response_at), when(ticket.resolved_at),
            minutes(ticket.created_at, ticket.first_response_at),
            minutes(ticket.created_at, ticket.resolved_at),
            met(ticket.first_response_at, ticket.first_response_due),
            met(ticket.resolved_at, ticket.resolution_due),
        )
    ]  # fmt: skip
