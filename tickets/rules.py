"""The desk's rules in one place: which status moves exist, who may make them, and when a
ticket can be rated. The services enforce them; the pages ask them what to offer."""

from accounts.models import User
from tickets.models import Ticket

Status = Ticket.Status

# Allowed moves; "assigned" is reached only through ticket_assign.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.CLOSED},
    Status.ASSIGNED: {Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.IN_PROGRESS: {Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.WAITING: {Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.CLOSED},
    Status.CLOSED: set(),
}
AGENT_MOVES = {Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED}
CUSTOMER_MOVES = {Status.CLOSED}


def status_move_exists(ticket: Ticket, status: str) -> bool:
    return status in TRANSITIONS.get(ticket.status, set())


def may_set_status(ticket: Ticket, user: User, status: str) -> bool:
    """Admins make any move; the ticket's agent works it; its customer may close it."""
    return (
        user.is_staff
        or (ticket.agent_id == user.pk and status in AGENT_MOVES)
        or (ticket.customer_id == user.pk and status in CUSTOMER_MOVES)
    )


def statuses_offered(ticket: Ticket, user: User) -> list[str]:
    """The moves this person may make now, for the page's status box."""
    return [
        s for s in sorted(TRANSITIONS.get(ticket.status, ())) if may_set_status(ticket, user, s)
    ]


def reopenable(ticket: Ticket) -> bool:
    """A resolved ticket may be reopened (within UCHAT_TICKET_REOPEN_DAYS, which the service
    checks and explains)."""
    return ticket.status == Status.RESOLVED


def customer_may(ticket: Ticket) -> dict[str, bool]:
    """What the ticket's customer may do now. Sent with every ticket (pages show and hide
    these buttons live; API clients may too); the services enforce the same rules."""
    return {
        "reopen": reopenable(ticket),
        "close": status_move_exists(ticket, Status.CLOSED),
        "rate": rateable(ticket),
    }


def rateable(ticket: Ticket) -> bool:
    """Feedback is for a resolution: a resolved (or since closed) ticket."""
    return ticket.resolution_count > 0 and ticket.status in (Status.RESOLVED, Status.CLOSED)


def may_act(ticket: Ticket, user: User) -> bool:
    """Labels and macros on a ticket (and bulk actions): its agent and admins."""
    return user.is_active and (user.is_staff or (user.is_agent and ticket.agent_id == user.pk))
