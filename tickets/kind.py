"""The ticket kind of conversation, as the message engine sees it (rooms.kinds): registered
from TicketsConfig.ready(). The engine names no desk; what it needs of tickets is here."""

from typing import Any, Final

from django.db.models import Q
from django.urls import reverse

from accounts.models import User
from rooms.kinds import ConversationKind, MessageAction, SwitcherEntry
from rooms.models import Conversation, Message
from tickets import frames, selectors

# Conversation.kind of a ticket's conversation: only the desk spells it.
NAME: Final = "ticket"


def desk_group() -> str:
    """The sockets of every agent and admin: "a ticket changed" pings for their inbox, which
    then reloads its list through the page (so each person sees only what they may)."""
    return "desk"


def _url(conversation: Conversation, user: User) -> str:
    return reverse("tickets:detail", args=[conversation.ticket.pk])


def _readers(user: User) -> Q:
    # Whoever may open a ticket reads its files: admins every ticket, agents the unassigned
    # queue's too (to take one), customers their own.
    return Q(ticket__in=selectors.tickets_visible_to(user=user).values("pk"))


def _socket_groups(user: User) -> list[str]:
    return [desk_group()] if user.is_staff or user.is_agent else []


def _message_extras(message: Message, deleted: bool) -> dict[str, Any]:
    # Set by tickets.services when a message became a ticket: {"id", "number"}. The wire name
    # predates the kinds registry; clients read ``ticket``.
    return {"ticket": None if deleted else (message.content or {}).get("ticket")}


def _message_actions(user: User, conversation: Conversation) -> list[MessageAction]:
    # Agents and admins turn room and direct messages into tickets.
    if not (user.is_staff or user.is_agent) or conversation.kind == NAME:
        return []
    return [
        {
            "name": "ticket",
            "label": "Turn into ticket",
            "url": reverse("tickets:from-message", args=[0]),
            "confirm": "Turn this message into a ticket? Its author becomes the customer.",
            "failed": "The ticket could not be made",
        }
    ]


def _switcher(user: User, query: str, limit: int) -> list[SwitcherEntry]:
    """The tickets this person may open whose subject (or number: "12", "#12") matches, the
    newest first."""
    tickets = selectors.tickets_visible_to(user=user)
    if query:
        match = Q(subject__icontains=query)
        if query.lstrip("#").isdigit():
            match |= Q(pk=int(query.lstrip("#")))
        tickets = tickets.filter(match)
    return [
        {
            "kind": NAME,
            "label": "Ticket",
            "name": f"{ticket.number} {ticket.subject}",
            "url": reverse("tickets:detail", args=[ticket.pk]),
            "icon": "life-buoy",
        }
        for ticket in tickets.order_by("-pk")[:limit]
    ]


TICKET = ConversationKind(
    name=NAME,
    url=_url,
    readers=_readers,
    socket_groups=_socket_groups,
    message_extras=_message_extras,
    message_actions=_message_actions,
    message_links=[{"field": "ticket", "url": "/tickets/{id}/", "label": "Ticket {number}"}],
    # Tickets are listed by their status, which changes with these.
    list_events=(frames.TICKET_UPDATED, frames.DESK_TICKET),
    switcher=_switcher,
)
