"""The desk's socket frames (docs/websocket.md; the engine's are in rooms/frames.py). Sockets
forward them as they forward any event their groups carry (rooms.sockets.base)."""

from typing import Any, TypedDict

TICKET_UPDATED = "ticket.updated"
DESK_TICKET = "desk.ticket"


class TicketUpdated(TypedDict):
    ticket: dict[str, Any]  # tickets.payloads.ticket_payload
    event: dict[str, Any]  # tickets.payloads.event_payload


class DeskTicket(TypedDict):
    ticket: int


SERVER_FRAMES: dict[str, type] = {TICKET_UPDATED: TicketUpdated, DESK_TICKET: DeskTicket}
