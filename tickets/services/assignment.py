"""Who handles a ticket: assignment by an admin, taking by an agent, auto-assignment of the
queue to agents who are online (their availability, not an open tab) below capacity, and
release back to the queue."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone

from accounts.models import User
from rooms import services as engine
from rooms.models import Membership
from tickets.models import AgentProfile, Availability, Ticket, TicketEvent
from tickets.services.events import TicketAssigned, TicketReleased, audit, record

Status = Ticket.Status


@transaction.atomic
def ticket_assign(*, ticket: Ticket, agent: User, actor: User | None) -> Ticket:
    """Give the ticket to ``agent`` (an admin does, or auto-assignment when actor is None)."""
    if not (agent.is_agent and agent.is_active):
        raise ValidationError("Tickets can only be assigned to active agents.", code="not_agent")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    # Admins assign anyone; an agent may take an unassigned ticket for themselves.
    taking = actor is not None and actor.pk == agent.pk and ticket.agent_id is None
    if actor is not None and not actor.is_staff and not taking:
        raise PermissionDenied("Only admins assign tickets; agents take unassigned ones.")
    if not ticket.is_open:
        raise ValidationError("A resolved or closed ticket cannot be assigned.", code="not_open")
    if ticket.agent_id == agent.pk:
        return ticket
    previous = ticket.agent
    if previous is not None:
        membership = Membership.objects.filter(
            conversation=ticket.conversation, user=previous
        ).first()
        if membership is not None:
            engine.member_remove(
                conversation=ticket.conversation,
                membership=membership,
                notice=f"This ticket was reassigned to {agent.name}.",
            )
    engine.members_add(
        conversation=ticket.conversation, actor=actor or agent, users=[agent], notify=False
    )
    old_status = ticket.status
    ticket.agent = agent
    if ticket.status == Status.NEW:
        ticket.status = Status.ASSIGNED
    ticket.save(update_fields=["agent", "status"])
    AgentProfile.objects.update_or_create(user=agent, defaults={"last_assigned_at": timezone.now()})
    row = audit(
        ticket,
        TicketEvent.Kind.ASSIGNED,
        actor=actor,
        agent=agent,
        from_status=old_status,
        to_status=ticket.status,
    )
    record(TicketAssigned(ticket, row, agent=agent, previous=previous))
    return ticket


def auto_assign(ticket: Ticket) -> User | None:
    """Auto-assignment: the chosen online agent below capacity (AgentProfile.availability;
    whether they have a tab open does not matter). None: it stays queued."""
    agent = _agent_choose(ticket, online=True, below_capacity=True)
    if agent is not None:
        ticket_assign(ticket=ticket, agent=agent, actor=None)
    return agent


def ticket_assign_least_busy(*, ticket: Ticket, actor: User) -> User | None:
    """An admin hands the ticket to the least busy agent, online or not, even above capacity
    (the admin's call). Same ranking as auto-assignment. None: there are no agents."""
    agent = _agent_choose(ticket, online=False, below_capacity=False)
    if agent is not None:
        ticket_assign(ticket=ticket, agent=agent, actor=actor)
    return agent


def _agent_choose(ticket: Ticket, *, online: bool, below_capacity: bool) -> User | None:
    """The one assignment policy: the active agent (in the ticket's category when it has
    agents) with the fewest open tickets; among equals the one who waited longest."""
    profiles = AgentProfile.objects.filter(user__is_active=True, user__is_agent=True)
    if online:
        profiles = profiles.filter(availability=Availability.ONLINE)
    if ticket.category_id and AgentProfile.objects.filter(categories=ticket.category_id).exists():
        profiles = profiles.filter(categories=ticket.category_id)
    profiles = (
        profiles.annotate(
            open_count=Count(
                "user__assigned_tickets",
                filter=Q(user__assigned_tickets__status__in=Ticket.OPEN_STATUSES),
                distinct=True,
            )
        )
        .select_related("user")
        .order_by("open_count", F("last_assigned_at").asc(nulls_first=True), "user_id")
        .distinct()
    )
    if below_capacity:
        profiles = profiles.filter(open_count__lt=F("capacity"))
    chosen = profiles.first()
    return chosen.user if chosen is not None else None


_PRIORITY_RANK = Case(
    When(priority=Ticket.Priority.URGENT, then=Value(0)),
    When(priority=Ticket.Priority.HIGH, then=Value(1)),
    When(priority=Ticket.Priority.NORMAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def tickets_queue_drain() -> int:
    """Assign queued tickets (most urgent, then oldest, first) while an agent fits.
    Called when an agent sets themselves online or frees up. Returns how many were assigned."""
    if not settings.UCHAT_TICKET_AUTO_ASSIGN:
        return 0
    assigned = 0
    while True:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(status=Status.NEW, agent__isnull=True)
                .order_by(_PRIORITY_RANK, "created_at", "id")
                .first()
            )
            if ticket is None or auto_assign(ticket) is None:
                return assigned
        assigned += 1


def tickets_release(*, user: User, reason: str = "deleted") -> None:
    """Before an account is deleted (``reason`` "deleted") or when someone stops being an agent
    ("not_agent"): the agent's open tickets go back to the queue (and to the next agent, when
    auto-assignment finds one), and the admins are told. Called through accounts.hooks
    inside the change's transaction."""
    tickets = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(agent=user, status__in=Ticket.OPEN_STATUSES)
    )
    released = False
    for ticket in tickets:
        old = ticket.status
        membership = Membership.objects.filter(conversation=ticket.conversation_id, user=user)
        for gone in membership.select_related("conversation"):
            engine.member_remove(conversation=gone.conversation, membership=gone)
        ticket.agent = None
        ticket.status = Status.NEW
        ticket.save(update_fields=["agent", "status"])
        row = audit(
            ticket, TicketEvent.Kind.RELEASED, actor=None, agent=user, from_status=old,
            to_status=Status.NEW,
        )  # fmt: skip
        record(TicketReleased(ticket, row, agent=user, reason=reason))
        released = True
    if released:
        transaction.on_commit(tickets_queue_drain, robust=True)
