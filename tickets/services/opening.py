"""Opening a ticket: by its customer (page, API, e-mail), or by an agent or admin who turns a
room or direct message into one."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from core.cache import rate_take
from rooms import services as engine
from rooms import uploads
from rooms.models import Message
from tickets import kind as ticket_kind
from tickets.models import Category, Ticket, TicketEvent
from tickets.services.assignment import auto_assign
from tickets.services.events import TicketOpened, audit, record
from tickets.services.sla import sla_start

Status = Ticket.Status


def ticket_open(
    *,
    customer: User,
    subject: str,
    description: str,
    category: Category | None = None,
    priority: str = Ticket.Priority.NORMAL,
    images: Iterable[UploadedFile] = (),
    source: str = Ticket.Source.WEB,
    follows: Ticket | None = None,
) -> Ticket:
    """A customer raises a ticket: stored with its conversation, acknowledged by e-mail,
    admins told, and given to an online agent at once when auto-assignment finds one.
    A refused ticket leaves nothing behind, no image file either. Customers raise at most
    UCHAT_TICKETS_PER_HOUR tickets (each one e-mails every admin), and only staff mark one
    urgent (customers choose up to high)."""
    if priority == Ticket.Priority.URGENT and not customer.is_staff:
        raise ValidationError(
            {"priority": "Only the support team marks a ticket urgent; choose high."}
        )
    if not customer.is_staff:
        rate_take(
            scope="tickets", who=customer.pk, limit=settings.UCHAT_TICKETS_PER_HOUR, window=3600,
            message="You have raised many tickets in the last hour. Add to an open one, "
            "or try again later.",
        )  # fmt: skip
    with uploads.removed_on_error():
        return _ticket_open(
            customer=customer, subject=subject, description=description, category=category,
            priority=priority, images=images, source=source, follows=follows,
        )  # fmt: skip


@transaction.atomic
def _ticket_open(
    *,
    customer: User,
    subject: str,
    description: str,
    category: Category | None,
    priority: str,
    images: Iterable[UploadedFile],
    source: str = Ticket.Source.WEB,
    follows: Ticket | None = None,
    source_message: Message | None = None,
    made_by: User | None = None,
) -> Ticket:
    subject, description = subject.strip(), description.strip()
    conversation = engine.conversation_create(
        kind=ticket_kind.NAME, creator=customer, name=subject[:80] or "Ticket"
    )
    ticket = Ticket(
        customer=customer,
        subject=subject,
        description=description,
        category=category if category is None or category.is_active else None,
        priority=priority,
        conversation=conversation,
        source_message=source_message,
        source=source,
        follows=follows,
    )
    sla_start(ticket, ticket.created_at, first_response=True)
    ticket.full_clean()
    ticket.save()
    for image in images:
        engine.message_create(conversation=conversation, sender=customer, image=image)
    row = audit(ticket, TicketEvent.Kind.CREATED, actor=customer, to_status=Status.NEW)
    record(TicketOpened(ticket, row, made_by=made_by))
    if settings.UCHAT_TICKET_AUTO_ASSIGN and auto_assign(ticket) is not None:
        ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_from_message(*, message_id: int, actor: User) -> Ticket:
    """ "Turn into ticket": an agent or admin who can read a room or direct message makes it a
    ticket. Its author becomes the customer; the ticket links to the message and the message
    to the ticket (live on the room's pages). Raises Message.DoesNotExist for a message the
    actor cannot read (they learn nothing about it)."""
    if not (actor.is_staff or actor.is_agent):
        raise PermissionDenied("Only agents and admins turn messages into tickets.")
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation", "sender")
        .filter(pk=message_id, conversation__memberships__user=actor)
        .get()
    )
    if message.conversation.kind == ticket_kind.NAME:
        raise ValidationError("This message is already in a ticket.", code="in_ticket")
    if message.deleted_at is not None or message.sender is None or not message.sender.is_active:
        raise ValidationError(
            "A deleted message, or one by a deleted account, cannot become a ticket.", code="gone"
        )
    existing = Ticket.objects.filter(source_message=message).first()
    if existing is not None:
        raise ValidationError(f"This message is already ticket {existing.number}.", code="done")
    text = message.body.strip()
    place = message.conversation.name or "a direct conversation"
    subject = (text.splitlines()[0] if text else "")[:150] or f"From a message in {place}"
    ticket = _ticket_open(
        customer=message.sender, subject=subject,
        description=text or "(The message was an image or a video: see the conversation.)",
        category=None, priority=Ticket.Priority.NORMAL, images=(), source_message=message,
        source=Ticket.Source.CHAT, made_by=actor,
    )  # fmt: skip
    # The engine's service writes the link into the message (and redraws it on open pages).
    engine.message_annotate(
        message_id=message.pk, key="ticket", value={"id": ticket.pk, "number": ticket.number}
    )
    return ticket
