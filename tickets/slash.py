"""The desk's slash command: /ticket turns a message into a ticket (agents and admins), with
the same service as the message menu's "Turn into ticket"."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.models import User
from rooms.commands import Command, Invocation, Outcome, register
from rooms.models import Conversation, Message
from tickets import kind as ticket_kind
from tickets import services


def _available(user: User, conversation: Conversation) -> bool:
    return (user.is_staff or user.is_agent) and conversation.kind != ticket_kind.NAME


def _target(invocation: Invocation) -> Message | None:
    """In a thread, its root (the message the thread is about); elsewhere the newest message
    of the conversation's own list written by someone else (what a customer or colleague just
    asked)."""
    if invocation.thread is not None:
        return invocation.thread
    return (
        Message.objects.filter(conversation=invocation.conversation, deleted_at__isnull=True)
        .filter(Q(thread__isnull=True) | Q(also_to_room=True))
        .exclude(sender=invocation.user)
        .exclude(sender__isnull=True)
        .order_by("-id")
        .first()
    )


def ticket_run(invocation: Invocation) -> Outcome:
    message = _target(invocation)
    if message is None:
        raise ValidationError("There is no message from someone else here to turn into a ticket.")
    try:
        ticket = services.ticket_from_message(message_id=message.pk, actor=invocation.user)
    except Message.DoesNotExist as exc:  # purged meanwhile
        raise ValidationError("That message is gone.") from exc
    who = message.sender.name if message.sender else "deleted user"
    return Outcome(reply=f"Ticket {ticket.number} opened from {who}'s message.")


TICKET_COMMAND = Command(
    "ticket",
    "Turn the last message from someone else (in a thread: its first) into a ticket",
    "/ticket",
    ticket_run,
    _available,
)


def register_commands() -> None:
    register(TICKET_COMMAND)
