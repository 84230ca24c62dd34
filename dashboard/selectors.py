from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from rooms import selectors as room_selectors
from rooms.models import Conversation
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


def dashboard_for(*, user: User) -> dict[str, Any]:
    """My rooms, my direct conversations (once they have a message) and my open tickets, or
    for an agent their queue."""
    directs = [
        m
        for m in room_selectors.memberships_for_user(user=user, kind=Conversation.Kind.DIRECT)
        if m.conversation.last_message_id
    ]
    partners = room_selectors.direct_partners(
        conversation_ids=[m.conversation_id for m in directs], user=user
    )
    queue = user.is_agent and not user.is_staff
    if user.is_staff or queue:
        # The desk's side: due soonest first, with the last message (as in the inbox).
        open_tickets = ticket_selectors.inbox_tickets(
            user=user, view="all" if user.is_staff else "mine"
        )
    else:
        open_tickets = ticket_selectors.tickets_list(user=user).filter(
            status__in=Ticket.OPEN_STATUSES
        )
    return {
        "tickets": list(open_tickets[:5]),
        "now": timezone.now(),
        "ticket_queue": queue,
        "memberships": list(room_selectors.memberships_for_user(user=user)),
        "directs": [(m, partners[m.conversation_id]) for m in directs],
        "unread_cap": settings.UCHAT_UNREAD_CAP,
    }
