"""Every read of the desk. Visibility lives here: a customer sees their own tickets, an
agent the ones assigned to them and the unassigned queue, an admin all; anything else is
"not found"."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from rooms.models import Message
from tickets.models import (
    CannedReply,
    Category,
    Feedback,
    Label,
    Macro,
    MailboxState,
    PlatformFeedback,
    Ticket,
)


def category_active(*, name: str) -> Category | None:
    return Category.objects.filter(name__iexact=name, is_active=True).first() if name else None


def canned_replies() -> QuerySet[CannedReply]:
    return CannedReply.objects.all()


def labels() -> QuerySet[Label]:
    return Label.objects.all()


def macros() -> QuerySet[Macro]:
    return Macro.objects.all()


def agents_active() -> QuerySet[User]:
    return User.objects.filter(is_agent=True, is_active=True).order_by("username")


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
        # Their own, and the unassigned queue (to take from it).
        unassigned = Q(agent__isnull=True, status__in=Ticket.OPEN_STATUSES)
        return tickets.filter(Q(agent=user) | Q(customer=user) | unassigned)
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


def label_counts() -> list[tuple[Label, int, int]]:
    """(label, open tickets, all tickets) for every label, most used first."""
    labels = Label.objects.annotate(
        open_count=Count("tickets", filter=Q(tickets__status__in=Ticket.OPEN_STATUSES)),
        total=Count("tickets"),
    ).order_by("-total", "name")
    return [(label, label.open_count, label.total) for label in labels]


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
    first_response, resolution = _medians(tickets.only(*_TIMES))
    return Satisfaction(
        tickets=tickets.count(),
        ratings=rating["n"],
        average_rating=round(rating["avg"], 2) if rating["avg"] is not None else None,
        median_first_response=first_response,
        median_resolution=resolution,
    )


def _medians(tickets: Iterable[Ticket]) -> tuple[timedelta | None, timedelta | None]:
    """The median first response and median resolution of these tickets."""
    responses, resolutions = [], []
    for t in tickets:
        if t.first_response_at is not None:
            responses.append(t.first_response_at - t.created_at)
        if t.resolved_at is not None:
            resolutions.append(t.resolved_at - t.created_at)
    return _median(responses), _median(resolutions)


_TIMES = ("priority", "created_at", "first_response_at", "resolved_at")


INBOX_VIEWS = ("mine", "unassigned", "all")


def _sla_next() -> Case:
    """What is due next, as SQL: the first response until there is one, then resolution."""
    return Case(
        When(first_response_at__isnull=True, first_response_due__isnull=False,
             then=F("first_response_due")),
        default=F("resolution_due"),
        output_field=DateTimeField(),
    )  # fmt: skip


def inbox_tickets(
    *,
    user: User,
    view: str,
    status: str = "",
    priority: str = "",
    category: int | None = None,
    label: int | None = None,
) -> QuerySet[Ticket]:
    """The inbox's list: ``view`` is "mine", "unassigned" or (admins) "all"; open tickets
    unless a status is chosen; what is due soonest first, with the last message's text."""
    tickets = tickets_visible_to(user=user)
    if view == "mine":
        tickets = tickets.filter(agent=user)
    elif view == "unassigned":
        tickets = tickets.filter(agent__isnull=True)
    elif not user.is_staff:
        tickets = tickets.filter(Q(agent=user) | Q(agent__isnull=True))
    if status:
        tickets = tickets.filter(status=status)
    else:
        tickets = tickets.filter(status__in=Ticket.OPEN_STATUSES)
    if priority:
        tickets = tickets.filter(priority=priority)
    if category:
        tickets = tickets.filter(category_id=category)
    if label:
        tickets = tickets.filter(labels=label)
    last = Message.objects.filter(
        conversation=OuterRef("conversation"), deleted_at__isnull=True
    ).order_by("-id")
    return (
        tickets.prefetch_related("labels")
        .annotate(
            sla_next=_sla_next(),
            last_text=Subquery(last.values("body")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
        )
        .order_by(F("sla_next").asc(nulls_last=True), "created_at", "id")
    )


def customer_summary(*, customer: User | None) -> dict[str, object] | None:
    """The inbox's customer panel: who they are, their tickets, the ratings they gave."""
    if customer is None:
        return None
    tickets = list(Ticket.objects.filter(customer=customer).order_by("-id")[:10])
    ratings = list(
        Feedback.objects.filter(ticket__customer=customer)
        .select_related("ticket")
        .order_by("-created_at")[:10]
    )
    return {"person": customer, "tickets": tickets, "ratings": ratings}


def platform_feedback_list() -> QuerySet[PlatformFeedback]:
    return PlatformFeedback.objects.select_related("author")


def platform_feedback_counts() -> dict[str, dict[str, int]]:
    """Feedback about the platform by topic and by the author's role, for the reports."""
    rows = PlatformFeedback.objects.values_list("topic", "role").annotate(n=Count("id"))
    by_topic: dict[str, int] = {}
    by_role: dict[str, int] = {}
    for topic, role, n in rows:
        label = PlatformFeedback.Topic(topic).label
        by_topic[label] = by_topic.get(label, 0) + n
        by_role[role] = by_role.get(role, 0) + n
    return {"topic": by_topic, "role": by_role}


def _per_day(field: str, start: date) -> dict[date, int]:
    """How many tickets have ``field`` on each day since ``start`` (UTC)."""
    rows = (
        Ticket.objects.filter(**{f"{field}__date__gte": start})
        .annotate(day=TruncDate(field))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return dict(rows)


def tickets_per_day(*, days: int = 30, today: date | None = None) -> list[tuple[date, int, int]]:
    """(day, opened, resolved) for the last ``days`` days (UTC), oldest first."""
    today = today or timezone.now().date()
    start = today - timedelta(days=days - 1)
    opened = _per_day("created_at", start)
    resolved = _per_day("resolved_at", start)
    return [
        (day, opened.get(day, 0), resolved.get(day, 0))
        for day in (start + timedelta(days=i) for i in range(days))
    ]


def medians_by_priority() -> list[tuple[str, timedelta | None, timedelta | None]]:
    """(priority label, median first response, median resolution) per priority."""
    by_priority: dict[str, list[Ticket]] = {}
    for ticket in Ticket.objects.only(*_TIMES):  # one query for all priorities
        by_priority.setdefault(ticket.priority, []).append(ticket)
    return [
        (label, *_medians(by_priority.get(value, []))) for value, label in Ticket.Priority.choices
    ]


def ratings_distribution() -> list[tuple[int, int]]:
    """(stars, how many ratings gave them), 1 to 5."""
    counts = dict(Feedback.objects.values_list("rating").annotate(n=Count("id")))
    return [(stars, counts.get(stars, 0)) for stars in range(1, 6)]


@dataclass(frozen=True)
class SlaFigures:
    answered: int  # tickets with a first response and a due time
    answered_in_time: int
    resolved: int  # resolved tickets with a due time
    resolved_in_time: int
    breached_open: int  # open tickets past a target now


def sla_figures(*, now: datetime | None = None) -> SlaFigures:
    now = now or timezone.now()
    with_due = Ticket.objects.exclude(first_response_due=None)
    answered = with_due.exclude(first_response_at=None)
    resolved = Ticket.objects.exclude(resolution_due=None).exclude(resolved_at=None)
    late_open = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).filter(
        Q(first_response_at=None, first_response_due__lt=now) | Q(resolution_due__lt=now)
    )
    return SlaFigures(
        answered=answered.count(),
        answered_in_time=answered.filter(first_response_at__lte=F("first_response_due")).count(),
        resolved=resolved.count(),
        resolved_in_time=resolved.filter(resolved_at__lte=F("resolution_due")).count(),
        breached_open=late_open.count(),
    )


def opening_images(*, ticket: Ticket) -> list[Message]:
    """The images the customer attached when raising the ticket (stored as the conversation's
    first messages, in the same transaction), for the ticket's card."""
    return list(
        Message.objects.filter(
            conversation=ticket.conversation_id,
            sender=ticket.customer_id,
            kind=Message.Kind.IMAGE,
            deleted_at__isnull=True,
            created_at__lte=ticket.created_at + timedelta(minutes=1),
        )
        .exclude(attachment="")
        .order_by("seq")[:5]
    )


# fetch_mail runs every minute (docs/deploy.md): no read through in this long is a stuck poller.
MAIL_STALE_AFTER = timedelta(minutes=10)


class MailboxHealth(TypedDict):
    last_success: str | None  # ISO 8601: when fetch_mail last read the mailbox through
    stale: bool  # never, or not within MAIL_STALE_AFTER


class MailboxStatus(MailboxHealth, total=False):
    # For staff only, as the last poll counted them:
    unseen: int  # unread in the mailbox as that poll left it (waiting for the next one)
    retrying: int  # failed, to be tried again (MailFailure rows)
    quarantined: int  # quarantined, within UCHAT_MAIL_FAILURE_DAYS


def mailbox_status(*, counts: bool) -> MailboxStatus:
    """What /check says about tickets by e-mail: whether the poller is healthy, and with
    ``counts`` (staff) how much mail waits. One row read; the poller did the counting."""
    state = MailboxState.objects.filter(pk=1).first()
    last = state.last_success_at if state else None
    status: MailboxStatus = {
        "last_success": last.isoformat() if last else None,
        "stale": last is None or timezone.now() - last > MAIL_STALE_AFTER,
    }
    if counts:
        status["unseen"] = state.unseen if state else 0
        status["retrying"] = state.retrying if state else 0
        status["quarantined"] = state.quarantined if state else 0
    return status
