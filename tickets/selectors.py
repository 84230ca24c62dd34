"""Every read of the desk. Visibility lives here: a customer sees their own tickets, an
agent the ones assigned to them, an admin all; anything else is "not found"."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, QuerySet

from accounts.models import User
from tickets.models import CannedReply, Category, Feedback, Ticket


def category_active(*, name: str) -> Category | None:
    return Category.objects.filter(name__iexact=name, is_active=True).first() if name else None


def canned_replies() -> QuerySet[CannedReply]:
    return CannedReply.objects.all()


def feedback_current(*, ticket: Ticket, resolution: int | None = None) -> Feedback | None:
    """The rating of the ticket's latest resolution (or of ``resolution``), if it was rated."""
    return ticket.feedback.filter(resolution=resolution or ticket.resolution_count).first()


def tickets_visible_to(*, user: User) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("customer", "agent", "category")
    if not user.is_authenticated:
        return tickets.none()
    if user.is_staff:
        return tickets
    if user.is_agent:
        return tickets.filter(Q(agent=user) | Q(customer=user))
    return tickets.filter(customer=user)


def ticket_for_user(*, user: User, ticket_id: int) -> Ticket | None:
    return tickets_visible_to(user=user).filter(pk=ticket_id).first()


def tickets_list(
    *, user: User, status: str = "", priority: str = "", query: str = "", queue: bool = False
) -> QuerySet[Ticket]:
    """The list a person sees at /tickets/. ``queue`` (agents): assigned to me, oldest
    waiting first; otherwise newest first."""
    tickets = tickets_visible_to(user=user)
    if queue:
        tickets = tickets.filter(agent=user).order_by("created_at", "id")
    else:
        tickets = tickets.order_by("-id")
    if status:
        tickets = tickets.filter(status=status)
    if priority:
        tickets = tickets.filter(priority=priority)
    if query:
        search = Q(subject__icontains=query) | Q(customer__username__icontains=query)
        if query.lstrip("#").isdigit():
            search |= Q(pk=int(query.lstrip("#")))
        tickets = tickets.filter(search)
    return tickets


def status_counts(*, since: datetime | None = None) -> dict[str, int]:
    tickets = Ticket.objects.all()
    if since is not None:
        tickets = tickets.filter(created_at__gte=since)
    counts = dict(tickets.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status, _ in Ticket.Status.choices}


def agent_workload() -> list[tuple[User, int, int]]:
    """(agent, open tickets, resolved or closed tickets) for every active agent."""
    agents = User.objects.filter(is_agent=True, is_active=True).annotate(
        open_count=Count(
            "assigned_tickets", filter=Q(assigned_tickets__status__in=Ticket.OPEN_STATUSES)
        ),
        done_count=Count(
            "assigned_tickets",
            filter=Q(assigned_tickets__status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]),
        ),
    )
    return [(a, a.open_count, a.done_count) for a in agents.order_by("username")]


@dataclass(frozen=True)
class Satisfaction:
    tickets: int
    ratings: int
    average_rating: float | None
    median_first_response: timedelta | None
    median_resolution: timedelta | None


def _median(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    ordered = sorted(durations)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def satisfaction(*, since: datetime | None = None) -> Satisfaction:
    tickets = Ticket.objects.all()
    if since is not None:
        tickets = tickets.filter(created_at__gte=since)
    feedback = Feedback.objects.filter(ticket__in=tickets)
    rating = feedback.aggregate(avg=Avg("rating"), n=Count("id"))
    responses = [
        t.first_response_at - t.created_at
        for t in tickets.filter(first_response_at__isnull=False).only(
            "created_at", "first_response_at"
        )
        if t.first_response_at is not None
    ]
    resolutions = [
        t.resolved_at - t.created_at
        for t in tickets.filter(resolved_at__isnull=False).only("created_at", "resolved_at")
        if t.resolved_at is not None
    ]
    return Satisfaction(
        tickets=tickets.count(),
        ratings=rating["n"],
        average_rating=round(rating["avg"], 2) if rating["avg"] is not None else None,
        median_first_response=_median(responses),
        median_resolution=_median(resolutions),
    )
