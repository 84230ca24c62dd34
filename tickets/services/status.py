"""A ticket's status: set by its people (tickets.rules says who may), reopened by its customer."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from core import domain_events
from rooms.models import Message
from tickets import rules
from tickets.models import InternalNote, Ticket, TicketEvent
from tickets.services.events import TicketNoteAdded, TicketStatusChanged, audit, record
from tickets.services.opening import ticket_follow_up
from tickets.services.sla import sla_start

Status = Ticket.Status


@transaction.atomic
def ticket_status_set(*, ticket: Ticket, actor: User, status: str) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "agent")
        .get(pk=ticket.pk)
    )
    if status == ticket.status:
        return ticket
    if not rules.status_move_exists(ticket, status):
        raise ValidationError(
            f"A ticket cannot go from {ticket.get_status_display()} to {Status(status).label}.",
            code="bad_transition",
        )
    if not rules.may_set_status(ticket, actor, status):
        raise PermissionDenied("You cannot set this status.")
    return status_change(ticket, actor=actor, status=status)


def status_change(
    ticket: Ticket,
    *,
    actor: User | None,
    status: str,
    kind: str = TicketEvent.Kind.STATUS,
    quiet: bool = False,
) -> Ticket:
    """Inside the caller's transaction, with the ticket's row locked."""
    old = ticket.status
    ticket.status = status
    now = timezone.now()
    if status == Status.RESOLVED:
        ticket.resolved_at = now
        ticket.resolution_count += 1
    if status == Status.CLOSED:
        ticket.closed_at = now
    ticket.save(update_fields=["status", "resolved_at", "closed_at", "resolution_count"])
    row = audit(ticket, kind, actor=actor, from_status=old, to_status=status)
    record(TicketStatusChanged(ticket, row, actor=actor, old_status=old, quiet=quiet))
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, actor: User) -> Ticket:
    """The customer reopens a resolved ticket within UCHAT_TICKET_REOPEN_DAYS."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "agent")
        .get(pk=ticket.pk)
    )
    if ticket.customer_id != actor.pk and not actor.is_staff:
        raise PermissionDenied("Only the customer can reopen a ticket.")
    if not rules.reopenable(ticket):
        raise ValidationError("Only a resolved ticket can be reopened.", code="bad_transition")
    limit = timedelta(days=settings.UCHAT_TICKET_REOPEN_DAYS)
    if ticket.resolved_at and timezone.now() - ticket.resolved_at > limit:
        raise ValidationError(
            f"This ticket was resolved more than {limit.days} days ago. Please raise a new one.",
            code="reopen_expired",
        )
    return _reopen(ticket, actor)


def _reopen(ticket: Ticket, actor: User | None) -> Ticket:
    status = Status.IN_PROGRESS if ticket.agent_id else Status.NEW
    # A reopened ticket is due to be resolved again, counted from now.
    sla_start(ticket, timezone.now(), first_response=False)
    ticket.save(update_fields=["resolution_due", "resolution_breached_at"])
    return status_change(ticket, actor=actor, status=status, kind=TicketEvent.Kind.REOPENED)


def ticket_customer_wrote_after_resolution(ticket: Ticket, message: Message) -> Ticket | None:
    """The customer wrote on their resolved ticket (the ticket's row locked by the caller):
    within UCHAT_TICKET_REOPEN_DAYS it reopens, back in its agent's inbox (or the queue);
    later a new ticket opens that follows it (returned), with the message as its description.
    """
    limit = timedelta(days=settings.UCHAT_TICKET_REOPEN_DAYS)
    if ticket.resolved_at is None or message.created_at - ticket.resolved_at <= limit:
        _reopen(ticket, message.sender)
        return None
    # An e-mail's text and its images are messages of their own: one follow-up for them all.
    recent = Ticket.objects.filter(
        follows=ticket, created_at__gte=message.created_at - timedelta(minutes=2)
    ).first()
    if recent is not None:
        return recent
    text = message.body.strip() or "(The message was an image or a file: see the conversation.)"
    assert ticket.customer is not None
    return ticket_follow_up(ticket, customer=ticket.customer, description=text)


def tickets_auto_resolve(*, now: datetime | None = None) -> list[Ticket]:
    """Resolve tickets waiting on their customer for UCHAT_TICKET_AUTO_RESOLVE_DAYS (0: never),
    with an internal note saying so. Run hourly by Celery beat (tickets.tasks.auto_resolve)."""
    days = settings.UCHAT_TICKET_AUTO_RESOLVE_DAYS
    if days <= 0:
        return []
    since = (now or timezone.now()) - timedelta(days=days)
    waiting_since = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), to_status=Status.WAITING)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    stale = (
        Ticket.objects.filter(status=Status.WAITING)
        .annotate(waiting_since=Subquery(waiting_since))
        .filter(waiting_since__lt=since)
        .values_list("pk", flat=True)
    )
    resolved = []
    for ticket_id in list(stale):
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("customer", "agent")
                .filter(pk=ticket_id, status=Status.WAITING)
                .first()
            )
            if ticket is None:  # the customer answered meanwhile
                continue
            note = InternalNote.objects.create(
                ticket=ticket,
                author=None,
                body=f"Resolved automatically: no answer from the customer in {days} days.",
            )
            domain_events.record(TicketNoteAdded(note))
            resolved.append(status_change(ticket, actor=None, status=Status.RESOLVED))
    return resolved
