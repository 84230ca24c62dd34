"""Which outgoing webhooks hear an event (handlers of the domain events, after the commit),
and queueing one delivery per hook.

- message.created / .updated / .deleted: rooms only (never a direct conversation or a
  ticket's). A room's hook hears its own room (while its owner is staff or still a member);
  a site-wide hook (staff's, no room) hears every room.
- ticket.created / .updated / .message / .resolved: site-wide hooks of staff owners only.
- ticket.note (internal notes): the same, and only hooks that asked for ticket.note.
"""

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.payloads import person_payload
from core.cache import rates_take
from integrations.models import OutgoingWebhook
from integrations.services import delivery
from rooms import payloads as room_payloads
from rooms.domain_events import MessageCreated, MessageDeleted, MessageEdited
from rooms.models import Conversation, Membership, Message
from tickets import payloads as ticket_payloads
from tickets.kind import NAME as TICKET_KIND
from tickets.models import Ticket
from tickets.services.events import (
    TicketAssigned,
    TicketNoteAdded,
    TicketOpened,
    TicketStatusChanged,
)

Event = OutgoingWebhook.Event


def _hooks(event: str, *, room: Conversation | None) -> list[OutgoingWebhook]:
    hooks = OutgoingWebhook.objects.filter(active=True, owner__is_active=True)
    site_wide = Q(conversation__isnull=True, owner__is_staff=True)
    if room is None:  # the desk's events
        hooks = hooks.filter(site_wide)
    else:
        still_member = Exists(
            Membership.objects.filter(conversation_id=room.pk, user_id=OuterRef("owner_id"))
        )
        room_scoped = Q(conversation_id=room.pk) & (Q(owner__is_staff=True) | Q(still_member))
        hooks = hooks.filter(site_wide | room_scoped)
    # The events are picked here, not by a JSON "contains" lookup, which SQLite (the first
    # run's database) lacks; the switched-on hooks of one room are few.
    return [hook for hook in hooks if event in hook.events]


def _queue(hooks: list[OutgoingWebhook], event: str, data: Mapping[str, Any]) -> None:
    if not hooks:
        return
    body = json.dumps(
        {"event": event, "created_at": timezone.now().isoformat(), "data": data},
        separators=(",", ":"),
        default=str,
    )
    allowed = rates_take(
        scope="webhook-deliveries",
        whos=[h.pk for h in hooks],
        limit=settings.UCHAT_WEBHOOK_DELIVERIES_PER_MINUTE,
        window=60,
    )
    for hook, ok in zip(hooks, allowed, strict=True):
        delivery_id = str(uuid.uuid4())
        if not ok:
            delivery.dropped(
                webhook=hook,
                event=event,
                delivery_id=delivery_id,
                reason=f"Dropped: over {settings.UCHAT_WEBHOOK_DELIVERIES_PER_MINUTE} "
                "deliveries a minute.",
            )
            continue
        delivery.webhook_send.delay(
            webhook_id=hook.pk, event=event, delivery_id=delivery_id, body=body
        )


# Whether any hook is switched on, asked again at most every HOOKS_CHECK_EVERY seconds per
# process: most sites have none, and then a message costs the handlers no transaction at all.
# A hook made in this process is heard at once; one made in another within those seconds.
HOOKS_CHECK_EVERY = 5.0
_any_active: list[float | bool] = [float("-inf"), False]  # (when asked, the answer)


def hooks_changed() -> None:
    """A hook was made or switched on here: ask again at the next message."""
    _any_active[0] = float("-inf")


def _hooks_exist() -> bool:
    now = time.monotonic()
    if now - float(_any_active[0]) > HOOKS_CHECK_EVERY:
        _any_active[1] = OutgoingWebhook.objects.filter(active=True).exists()
        _any_active[0] = now
    return bool(_any_active[1])


def message_in_room_or_ticket(event: MessageCreated) -> bool:
    """The new-message handler's ``when``: a room's or a ticket's message (a direct one never
    leaves), while some hook is on. Its conversation is loaded with it (the writer's draft)."""
    return event.message.conversation.kind in (Conversation.Kind.ROOM, TICKET_KIND) and (
        _hooks_exist()
    )


def _message_event(message: Message, event: str) -> None:
    conversation = message.conversation
    if conversation.kind == Conversation.Kind.ROOM:
        _queue(_hooks(event, room=conversation), event, room_payloads.message_payload(message))
    elif conversation.kind == TICKET_KIND and event == Event.MESSAGE_CREATED:
        ticket = Ticket.objects.filter(conversation_id=conversation.pk).first()
        hooks = _hooks(Event.TICKET_MESSAGE, room=None)
        if ticket is not None and hooks:
            data = {
                "ticket": ticket_payloads.ticket_payload(ticket, desk=True),
                "message": room_payloads.message_payload(message),
            }
            _queue(hooks, Event.TICKET_MESSAGE, data)


def on_message_created(event: MessageCreated) -> None:
    _message_event(event.message, Event.MESSAGE_CREATED)


def on_message_edited(event: MessageEdited) -> None:
    _message_event(event.message, Event.MESSAGE_UPDATED)


def on_message_deleted(event: MessageDeleted) -> None:
    _message_event(event.message, Event.MESSAGE_DELETED)


def _ticket_event(ticket: Ticket, event: str, **extra: Any) -> None:
    hooks = _hooks(event, room=None)
    if hooks:
        _queue(hooks, event, {"ticket": ticket_payloads.ticket_payload(ticket, desk=True), **extra})


def on_ticket_opened(event: TicketOpened) -> None:
    _ticket_event(event.ticket, Event.TICKET_CREATED)


def on_ticket_updated(event: TicketAssigned) -> None:
    _ticket_event(event.ticket, Event.TICKET_UPDATED, change=event.audit.kind)


def on_ticket_status_changed(event: TicketStatusChanged) -> None:
    _ticket_event(event.ticket, Event.TICKET_UPDATED, change=event.audit.kind)
    if event.ticket.status == Ticket.Status.RESOLVED:
        _ticket_event(event.ticket, Event.TICKET_RESOLVED)


def on_ticket_note(event: TicketNoteAdded) -> None:
    note = event.note
    author = note.author
    _ticket_event(
        note.ticket,
        Event.TICKET_NOTE,
        note={
            "id": note.pk,
            "author": person_payload(author) if author is not None else None,
            "body": note.body,
            "created_at": note.created_at.isoformat(),
        },
    )
