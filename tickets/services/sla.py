"""Service levels: a ticket's due times, and the breaches found by the minute's check."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets.models import SlaPolicy, Ticket, TicketEvent
from tickets.services import hours
from tickets.services.events import TicketBreached, audit, record


def sla_start(ticket: Ticket, since: datetime, *, first_response: bool) -> None:
    """Set the ticket's due times from its priority's policy (none: no due times). A policy
    that counts business hours only adds open minutes of its calendar (or the desk's)."""
    policy = SlaPolicy.objects.filter(priority=ticket.priority).first()
    if policy is None:
        ticket.first_response_due = ticket.resolution_due = None
        return
    calendar = None
    if policy.business_hours_only:
        calendar = (
            hours.calendar_get(policy.calendar_id) if policy.calendar_id else hours.desk_calendar()
        )

    def due(minutes: int) -> datetime:
        if calendar is None:
            return since + timedelta(minutes=minutes)
        return hours.add_business_minutes(calendar, since, minutes)

    if first_response:
        ticket.first_response_due = due(policy.first_response_minutes)
        ticket.first_response_breached_at = None
    ticket.resolution_due = due(policy.resolution_minutes)
    ticket.resolution_breached_at = None


def sla_breaches_check(*, now: datetime | None = None) -> list[Ticket]:
    """Record and report each SLA target that has just been missed: once per ticket and
    target, with an event in the ticket's history (live on its page and in every inbox) and
    an e-mail to the admins. Run every minute by Celery beat (tickets.tasks.sla_check)."""
    now = now or timezone.now()
    late = Q(first_response_at__isnull=True, first_response_due__lt=now,
             first_response_breached_at__isnull=True) | Q(
        resolution_due__lt=now, resolution_breached_at__isnull=True
    )  # fmt: skip
    breached = []
    for ticket_id in Ticket.objects.filter(late, status__in=Ticket.OPEN_STATUSES).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("customer", "agent")
                .filter(late, pk=ticket_id, status__in=Ticket.OPEN_STATUSES)
                .first()
            )
            if ticket is None:  # answered or resolved meanwhile, or another checker took it
                continue
            missed = []
            if (
                ticket.first_response_at is None
                and ticket.first_response_due
                and (ticket.first_response_due < now and ticket.first_response_breached_at is None)
            ):
                ticket.first_response_breached_at = now
                missed.append("first response")
            if (
                ticket.resolution_due
                and ticket.resolution_due < now
                and (ticket.resolution_breached_at is None)
            ):
                ticket.resolution_breached_at = now
                missed.append("resolution")
            ticket.save(update_fields=["first_response_breached_at", "resolution_breached_at"])
            # The event's from_status says which target: "first", "resolve" or "both".
            code = (
                "both"
                if len(missed) == 2
                else ("first" if missed[0] != "resolution" else "resolve")
            )
            row = audit(ticket, TicketEvent.Kind.SLA, actor=None, to_status=ticket.status,
                        from_status=code)  # fmt: skip
            record(TicketBreached(ticket, row, missed=tuple(missed)))
            breached.append(ticket)
    return breached
