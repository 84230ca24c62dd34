"""Collision: which agents and admins have a ticket's page open ("viewing") and which are
typing in its reply box ("replying"). Each page says so over its socket (``ticket.view``,
repeated every 20 s while open, and at most every few seconds while typing); its tab closing
forgets it (rooms.hooks.socket_closed). The state is short-lived and kept in the cache, by
socket; every change goes to the desk's group as ``ticket.viewers`` (agents and admins only:
a customer's socket never joins it)."""

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from accounts.payloads import PersonPayload
from core import events
from core.input_limits import is_id
from tickets import frames, selectors
from tickets import kind as ticket_kind

# A page repeats ticket.view every 20 s: a socket unheard for this long (its server died
# without closing it) no longer counts as viewing.
VIEW_SECONDS = 60

# socket -> [user id, name, username, replying until (epoch seconds), seen at]
Viewers = dict[str, list[Any]]


def _key(ticket_id: int) -> str:
    return f"uchat:viewers:{ticket_id}"


def _socket_key(socket: str) -> str:
    return f"uchat:viewing:{socket}"


def ticket_view(*, user: User, socket: str, content: dict[str, Any]) -> None:
    """``{"type": "ticket.view", "ticket": <id>, "replying": <bool>}`` from a ticket's page
    (rooms.hooks.socket_frames). Agents and admins who may see the ticket only."""
    raw, replying = content.get("ticket"), content.get("replying", False)
    if not is_id(raw) or not isinstance(replying, bool):
        raise ValidationError('ticket.view needs a "ticket" id and "replying" true or false.')
    ticket_id = int(raw)  # type: ignore[arg-type]
    if not (user.is_agent or user.is_staff):
        raise PermissionDenied("Only agents and admins say what they are viewing.")
    ticket = selectors.ticket_for_user(user=user, ticket_id=ticket_id)
    if ticket is None:
        raise PermissionDenied("You cannot see that ticket.")
    if ticket.customer_id == user.pk:  # an agent's own ticket: they are its customer there
        raise PermissionDenied("This is your own ticket.")
    previous = cache.get(_socket_key(socket))
    if previous is not None and previous != ticket_id:
        viewer_forget(socket=socket, ticket_id=previous)
    now = time.time()
    until = now + settings.UCHAT_TICKET_REPLYING_SECONDS if replying else 0
    viewers: Viewers = cache.get(_key(ticket_id)) or {}
    before = _lists(viewers, now)
    viewers[socket] = [user.pk, user.name, user.username, until, now]
    _store(ticket_id, viewers, now)
    cache.set(_socket_key(socket), ticket_id, VIEW_SECONDS)
    if _lists(viewers, now) != before or replying:
        _tell(ticket_id, viewers, now)


def viewer_forget(*, socket: str, ticket_id: int | None = None, **_: Any) -> None:
    """The socket left the ticket's page (another ticket, or its tab closed)."""
    if ticket_id is None:
        ticket_id = cache.get(_socket_key(socket))
        if ticket_id is None:
            return
        cache.delete(_socket_key(socket))
    viewers: Viewers = cache.get(_key(ticket_id)) or {}
    if viewers.pop(socket, None) is None:
        return
    now = time.time()
    _store(ticket_id, viewers, now)
    _tell(ticket_id, viewers, now)


def viewers_closed(*, user: User, socket: str) -> None:
    """rooms.hooks.socket_closed."""
    viewer_forget(socket=socket)


def ticket_viewers(*, ticket_id: int) -> frames.TicketViewers:
    return _payload(ticket_id, cache.get(_key(ticket_id)) or {}, time.time())


def _store(ticket_id: int, viewers: Viewers, now: float) -> None:
    fresh = {s: v for s, v in viewers.items() if now - v[4] < VIEW_SECONDS}
    viewers.clear()
    viewers.update(fresh)
    if fresh:
        cache.set(_key(ticket_id), fresh, VIEW_SECONDS)
    else:
        cache.delete(_key(ticket_id))


def _lists(viewers: Viewers, now: float) -> tuple[list[PersonPayload], list[PersonPayload]]:
    """(viewing, replying): each person once, by name (a person with two tabs is one)."""
    viewing: dict[int, PersonPayload] = {}
    replying: dict[int, PersonPayload] = {}
    for user_id, name, username, until, seen in viewers.values():
        if now - seen >= VIEW_SECONDS:
            continue
        # Viewers are agents and admins: never bots or guests.
        person: PersonPayload = {
            "id": user_id,
            "username": username,
            "name": name,
            "is_bot": False,
            "is_guest": False,
        }
        viewing[user_id] = person
        if until > now:
            replying[user_id] = person
    order = sorted(viewing.values(), key=lambda p: p["name"].lower())
    return order, [p for p in order if p["id"] in replying]


def _payload(ticket_id: int, viewers: Viewers, now: float) -> frames.TicketViewers:
    viewing, replying = _lists(viewers, now)
    return {"ticket": ticket_id, "viewing": viewing, "replying": replying}


def _tell(ticket_id: int, viewers: Viewers, now: float) -> None:
    events.broadcast(
        [ticket_kind.desk_group()], frames.TICKET_VIEWERS, _payload(ticket_id, viewers, now)
    )
