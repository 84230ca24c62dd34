"""Agent availability: online, away or offline, set by the agent. Auto-assignment gives work
only to online agents (tickets.services.assignment); an agent who goes away or offline keeps
the tickets they have, and new ones wait in the queue for an online agent."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q

from accounts.models import User
from core import events
from core.cache import rate_take
from tickets import frames
from tickets import kind as ticket_kind
from tickets.models import AgentProfile, Availability, Ticket
from tickets.services.assignment import tickets_queue_drain


def agent_availability_set(*, agent: User, availability: str) -> AgentProfile:
    """The agent says whether they take work. Going online drains the queue to them (and
    any other online agent with room); every inbox hears the change."""
    if not (agent.is_agent and agent.is_active):
        raise PermissionDenied("Only agents have an availability.")
    if availability not in Availability.values:
        raise ValidationError(
            f"Availability is one of {', '.join(Availability.values)}.", code="availability"
        )
    rate_take(
        scope="availability",
        who=agent.pk,
        limit=settings.UCHAT_AVAILABILITY_PER_MINUTE,
        window=60,
        message="Too many changes. Wait a minute and try again.",
    )
    with transaction.atomic():
        profile, _ = AgentProfile.objects.select_for_update().get_or_create(user=agent)
        if profile.availability == availability:
            return profile
        profile.availability = availability
        profile.save(update_fields=["availability"])
        payload = {"agent": agent.pk, "availability": availability}
        events.broadcast_on_commit(
            [ticket_kind.desk_group(), events.user_group(agent.pk)], frames.AGENT_AVAILABILITY,
            payload,
        )  # fmt: skip
        if availability == Availability.ONLINE:
            transaction.on_commit(tickets_queue_drain, robust=True)
    return profile


def agent_availability_get(*, agent: User) -> str:
    if not agent.is_agent:
        raise PermissionDenied("Only agents have an availability.")
    profile = AgentProfile.objects.filter(user=agent).only("availability").first()
    return str(profile.availability) if profile is not None else str(Availability.ONLINE)


def agents_with_load() -> list[tuple[User, str, int]]:
    """Every active agent with their availability and open tickets, by name: the inbox's
    list and the assignee lists."""
    rows = (
        User.objects.filter(is_agent=True, is_active=True)
        .select_related("agent_profile")
        .annotate(
            open_count=Count(
                "assigned_tickets", filter=Q(assigned_tickets__status__in=Ticket.OPEN_STATUSES)
            )
        )
    )
    result = []
    for user in rows:
        profile = getattr(user, "agent_profile", None)
        state = profile.availability if profile is not None else Availability.ONLINE
        result.append((user, state, user.open_count))
    return sorted(result, key=lambda row: row[0].name.lower())
