"""Reads of the widget: a visitor's state for the frame, the customer panel's facts."""

import re
from typing import Any

from tickets import rules
from tickets.models import Feedback, Ticket
from widget import services
from widget.models import Visitor, Widget


def widget_public(widget: Widget) -> dict[str, Any]:
    """What anyone may know of a widget: what its loader and frame draw."""
    return {
        "name": widget.name,
        "greeting": widget.greeting,
        "color": widget.color,
        "pre_chat_form": widget.pre_chat_form,
    }


def visitor_state(*, visitor: Visitor) -> dict[str, Any]:
    ticket = (
        Ticket.objects.select_related("agent").filter(pk=visitor.ticket_id).first()
        if visitor.ticket_id
        else None
    )
    away, back_at = services.hours_state(widget=visitor.widget)
    rated = (
        ticket is not None
        and Feedback.objects.filter(ticket=ticket, resolution=ticket.resolution_count).exists()
    )
    return {
        "widget": widget_public(visitor.widget),
        "visitor": {"id": visitor.user_id, "name": visitor.user.name},
        "ticket": None
        if ticket is None
        else {
            "id": ticket.pk,
            "number": ticket.number,
            "status": ticket.status,
            "conversation": ticket.conversation_id,
            "agent": ticket.agent.name if ticket.agent else None,
            "rateable": rules.rateable(ticket) and not rated,
            "rated": rated,
        },
        "away": away,
        "back_at": back_at.isoformat() if back_at else None,
    }


def browser_name(user_agent: str) -> str:
    """A short "Chrome 131 on Windows" for the customer panel (the full string on hover)."""
    found = None
    for name, pattern in (
        ("Edge", r"Edg/(\d+)"),
        ("Firefox", r"Firefox/(\d+)"),
        ("Chrome", r"Chrome/(\d+)"),
        ("Safari", r"Version/(\d+).*Safari"),
    ):
        match = re.search(pattern, user_agent)
        if match:
            found = f"{name} {match.group(1)}"
            break
    system = next(
        (
            label
            for key, label in (
                ("Android", "Android"),
                ("iPhone", "iOS"),
                ("iPad", "iPadOS"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("Linux", "Linux"),
            )
            if key in user_agent
        ),
        None,
    )
    if found and system:
        return f"{found} on {system}"
    return found or system or user_agent[:80] or "unknown"


def ticket_facts(*, ticket: Ticket) -> list[tuple[str, str]]:
    """tickets.hooks.customer_facts: where a widget conversation came from."""
    visitor = Visitor.objects.select_related("widget").filter(ticket=ticket).first()
    if visitor is None:
        return []
    facts = [("Widget", visitor.widget.name)]
    if visitor.email:
        facts.append(("E-mail given", f"{visitor.email} (not confirmed)"))
    facts += [
        ("Page", visitor.page or "unknown"),
        ("Browser", browser_name(visitor.user_agent)),
        ("Time zone", visitor.time_zone or "unknown"),
    ]
    return facts
