"""The desk's socket frames (docs/websocket.md; the engine's are in rooms/frames.py). Sockets
forward them as they forward any event their groups carry (rooms.sockets.base)."""

from typing import Any, TypedDict

from accounts.payloads import PersonPayload

TICKET_UPDATED = "ticket.updated"
DESK_TICKET = "desk.ticket"
AGENT_AVAILABILITY = "agent.availability"
TICKET_VIEWERS = "ticket.viewers"
# Client -> server, on /ws/me/ (rooms.hooks.socket_frames): a ticket page is open, and whether
# its reply box is being typed in.
TICKET_VIEW = "ticket.view"


class TicketUpdated(TypedDict):
    ticket: dict[str, Any]  # tickets.payloads.ticket_payload
    event: dict[str, Any]  # tickets.payloads.event_payload


class DeskTicket(TypedDict):
    ticket: int


class AgentAvailability(TypedDict):
    agent: int
    availability: str  # online, away, offline


class TicketViewers(TypedDict):
    """Collision: the staff on a ticket's page besides the one told (person payloads)."""

    ticket: int
    viewing: list[PersonPayload]
    replying: list[PersonPayload]


class TicketView(TypedDict):
    ticket: int
    replying: bool


# Taken by /ws/me/ through rooms.hooks.socket_frames (registered in TicketsConfig.ready()).
CLIENT_FRAMES: dict[str, type] = {TICKET_VIEW: TicketView}

SERVER_FRAMES: dict[str, type] = {
    TICKET_UPDATED: TicketUpdated,
    DESK_TICKET: DeskTicket,
    AGENT_AVAILABILITY: AgentAvailability,
    TICKET_VIEWERS: TicketViewers,
}
