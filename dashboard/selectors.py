from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from rooms import selectors as room_selectors
from rooms.models import Conversation, Membership
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


def _directs(*, user: User) -> list[tuple[Membership, User | None]]:
    """My direct conversations that have a message, each with the other person."""
    directs = [
        m
        for m in room_selectors.memberships_for_user(user=user, kind=Conversation.Kind.DIRECT)
        if m.conversation.last_message_id
    ]
    partners = room_selectors.direct_partners(
        conversation_ids=[m.conversation_id for m in directs], user=user
    )
    return [(m, partners[m.conversation_id]) for m in directs]


def _open_tickets(*, user: User) -> QuerySet[Ticket]:
    """An agent's queue, every open ticket for an admin, a customer's own open tickets."""
    if user.is_staff or user.is_agent:
        # The desk's side: due soonest first, with the last message (as in the inbox).
        return ticket_selectors.inbox_tickets(user=user, view="all" if user.is_staff else "mine")
    return ticket_selectors.tickets_list(user=user).filter(status__in=Ticket.OPEN_STATUSES)


def dashboard_for(*, user: User) -> dict[str, Any]:
    """My rooms, my direct conversations (once they have a message) and my open tickets, or
    for an agent their queue."""
    return {
        "tickets": list(_open_tickets(user=user)[:5]),
        "now": timezone.now(),
        "ticket_queue": user.is_agent and not user.is_staff,
        "memberships": list(room_selectors.memberships_for_user(user=user)),
        "directs": _directs(user=user),
        "unread_cap": settings.UCHAT_UNREAD_CAP,
    }


def sidebar_for(*, user: User) -> dict[str, Any]:
    """The conversation pages' sidebar: rooms and direct conversations with unread counts,
    whether each direct partner is online, and the open tickets (an agent's queue)."""
    directs = _directs(user=user)
    online = room_selectors.online_user_ids(user_ids=[p.pk for _, p in directs if p])
    return {
        "memberships": list(room_selectors.memberships_for_user(user=user)),
        "directs": [(m, p, p is not None and p.pk in online) for m, p in directs],
        "tickets": list(_open_tickets(user=user)[:10]),
        "ticket_queue": user.is_agent and not user.is_staff,
        "unread_cap": settings.UCHAT_UNREAD_CAP,
        # The "Threads" entry's badge: unread replies in followed threads (live: thread.unread).
        "threads_unread": room_selectors.threads_unread_total(user=user),
    }
