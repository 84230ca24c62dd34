"""The desk in a ticket's conversation: who may post (checked before the engine's batch), admins
joining, and internal notes. What a posted message sets off is tickets.services.reactions."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from core import domain_events, events
from rooms import services as engine
from rooms.models import Conversation, Membership
from tickets import frames
from tickets import kind as ticket_kind
from tickets.models import InternalNote, Ticket
from tickets.services.events import TicketNoteAdded

Status = Ticket.Status


def ticket_message_check(*, conversation: Conversation, sender: User) -> None:
    """rooms.hooks.message_checks: run for each message before the engine's batch, without a
    row lock. A closed ticket takes no message (that message alone is refused). A message
    checked just before a close that commits ahead of it is stored, as one sent a moment
    earlier would have been."""
    if Ticket.objects.filter(conversation_id=conversation.pk, status=Status.CLOSED).exists():
        raise ValidationError(
            "This ticket is closed. Raise a new ticket for a new problem.", code="ticket_closed"
        )


@transaction.atomic
def ticket_join(*, ticket: Ticket, admin: User) -> None:
    """An admin joins a ticket's conversation: they follow it live and may post (shown with
    their admin badge). They stay in it until they leave, whoever the agent is."""
    if not admin.is_staff:
        raise PermissionDenied("Only admins join tickets they are not part of.")
    if ticket.status == Status.CLOSED:
        raise ValidationError("This ticket is closed.", code="ticket_closed")
    if not Membership.objects.filter(conversation=ticket.conversation, user=admin).exists():
        engine.members_add(
            conversation=ticket.conversation, actor=admin, users=[admin], notify=False
        )


def ticket_note_add(*, ticket: Ticket, author: User, body: str) -> InternalNote:
    if not (author.is_staff or ticket.agent_id == author.pk):
        raise PermissionDenied("Only the ticket's agent and admins write internal notes.")
    note = InternalNote(ticket=ticket, author=author, body=body.strip())
    note.full_clean()
    note.save()
    domain_events.record(TicketNoteAdded(note))
    # Open inboxes hear that the ticket changed (its id only, as for any change): the staff
    # side of a page showing it fetches its notes (never the socket: notes stay off the wire).
    events.broadcast_on_commit(
        [ticket_kind.desk_group()], frames.DESK_TICKET, {"ticket": ticket.pk}
    )
    return note
