"""The desk's domain events (core.domain_events) and its audit trail. Each write of a ticket
stores a TicketEvent row in its transaction and records one of these; what people are told
(the ticket's page, every inbox, notifications, e-mails) are handlers, registered in
TicketsConfig.ready() and run after the commit (tickets.services.reactions)."""

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from accounts.models import User
from core import domain_events
from core.domain_events import DomainEvent
from tickets.models import InternalNote, Ticket, TicketEvent


@dataclass(frozen=True)
class TicketChanged(DomainEvent):
    """What every ticket event shares: the ticket and its audit row."""

    name: ClassVar[str] = "ticket.changed"
    ticket: Ticket
    audit: TicketEvent


@dataclass(frozen=True)
class TicketOpened(TicketChanged):
    name: ClassVar[str] = "ticket.opened"
    made_by: User | None = None  # who turned someone's message into this ticket


@dataclass(frozen=True)
class TicketAssigned(TicketChanged):
    name: ClassVar[str] = "ticket.assigned"
    agent: User | None = None
    previous: User | None = None  # the agent it was taken from


@dataclass(frozen=True)
class TicketStatusChanged(TicketChanged):
    name: ClassVar[str] = "ticket.status_changed"
    actor: User | None = None
    old_status: str = ""
    # A move the conversation made by itself (the agent's first reply): live on the pages, but
    # the customer is not told twice (they get the reply itself).
    quiet: bool = False


@dataclass(frozen=True)
class TicketBreached(TicketChanged):
    """An SLA target was missed ("first response", "resolution")."""

    name: ClassVar[str] = "ticket.breached"
    missed: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class TicketReleased(TicketChanged):
    """The agent's open ticket went back to the queue (account deleted, no longer an agent)."""

    name: ClassVar[str] = "ticket.released"
    agent: User | None = None
    reason: str = "deleted"


@dataclass(frozen=True)
class TicketRated(TicketChanged):
    name: ClassVar[str] = "ticket.rated"


@dataclass(frozen=True)
class TicketNoteAdded(DomainEvent):
    """An internal note was written (by an agent, an admin or the desk itself). Not a
    TicketChanged: a note writes no audit row and tells no customer; integrations hear it."""

    name: ClassVar[str] = "ticket.note_added"
    note: InternalNote


def audit(ticket: Ticket, kind: str, *, actor: User | None, **fields: object) -> TicketEvent:
    """The ticket's history row, in the write's transaction."""
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, **fields)


def record(event: TicketChanged) -> None:
    domain_events.record(event)


# --- a rule's own writes (tickets.services.automation) ------------------------------------
# Here, below the handlers, so that any of them can ask: a rule's writes trigger no rules, and
# what a rule writes to a customer is never mailed to an address nobody confirmed.
_running: contextvars.ContextVar[bool] = contextvars.ContextVar("rule_running", default=False)


@contextlib.contextmanager
def rule_writes() -> Iterator[None]:
    """Writes (and the events they record) that are a rule's own: they trigger no rules."""
    token = _running.set(True)
    try:
        yield
    finally:
        _running.reset(token)


def rules_triggered_by_rule() -> bool:
    return _running.get()
