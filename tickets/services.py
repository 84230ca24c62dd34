"""Every write of the customer-care desk. Each one checks who may do it, keeps the ticket's
conversation membership in step (customer + assigned agent), writes a TicketEvent, and
tells people (sockets, notifications, e-mail) only after the transaction commits."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from core import events
from core.cache import rate_take
from notifications import hooks as notification_hooks
from notifications.models import Code
from notifications.services import notification_create
from rooms import selectors as room_selectors
from rooms import services as engine
from rooms import uploads
from rooms.models import Conversation, Membership, Message
from tickets import emails, payloads, rules
from tickets.models import (
    AgentProfile,
    CannedReply,
    Category,
    Feedback,
    InternalNote,
    PlatformFeedback,
    SlaPolicy,
    Ticket,
    TicketEvent,
)

Status = Ticket.Status


def _event(ticket: Ticket, kind: str, *, actor: User | None, **fields: object) -> TicketEvent:
    event = TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, **fields)
    events.broadcast_on_commit(
        events.conversation_group(ticket.conversation_id),
        "ticket.updated",
        {"ticket": payloads.ticket_payload(ticket), "event": payloads.event_payload(event)},
    )
    _desk_ping(ticket)
    return event


def _desk_ping(ticket: Ticket) -> None:
    """Tell every open inbox that this ticket changed (its id only: each inbox reloads its
    list through the page, which shows a person only the tickets they may see)."""
    events.broadcast_on_commit(events.desk_group(), "desk.ticket", {"ticket": ticket.pk})


# --- SLA -------------------------------------------------------------------------------------


def _sla_start(ticket: Ticket, since: datetime, *, first_response: bool) -> None:
    """Set the ticket's due times from its priority's policy (none: no due times)."""
    policy = SlaPolicy.objects.filter(priority=ticket.priority).first()
    if policy is None:
        ticket.first_response_due = ticket.resolution_due = None
        return
    if first_response:
        ticket.first_response_due = since + timedelta(minutes=policy.first_response_minutes)
        ticket.first_response_breached_at = None
    ticket.resolution_due = since + timedelta(minutes=policy.resolution_minutes)
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
            _event(ticket, TicketEvent.Kind.SLA, actor=None, to_status=ticket.status,
                   from_status=code)  # fmt: skip
            emails.sla_breached(ticket, missed=missed)
            breached.append(ticket)
    return breached


def _notify(ticket: Ticket, user: User | None, title: str) -> None:
    if user is not None:
        notification_create(
            user=user,
            code=Code.TICKET_UPDATE,
            title=title,
            payload={
                "ticket": ticket.pk,
                "conversation": ticket.conversation_id,
                "status": ticket.status,
            },
            email=False,  # ticket e-mails are sent by tickets.emails, always
        )


# --- opening -----------------------------------------------------------------------------


def ticket_open(
    *,
    customer: User,
    subject: str,
    description: str,
    category: Category | None = None,
    priority: str = Ticket.Priority.NORMAL,
    images: Iterable[UploadedFile] = (),
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
            priority=priority, images=images,
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
    source_message: Message | None = None,
) -> Ticket:
    subject, description = subject.strip(), description.strip()
    conversation = engine.conversation_create(
        kind=Conversation.Kind.TICKET, creator=customer, name=subject[:80] or "Ticket"
    )
    ticket = Ticket(
        customer=customer,
        subject=subject,
        description=description,
        category=category if category is None or category.is_active else None,
        priority=priority,
        conversation=conversation,
        source_message=source_message,
    )
    _sla_start(ticket, ticket.created_at, first_response=True)
    ticket.full_clean()
    ticket.save()
    for image in images:
        engine.message_create(conversation=conversation, sender=customer, image=image)
    _event(ticket, TicketEvent.Kind.CREATED, actor=customer, to_status=Status.NEW)
    emails.ticket_received(ticket)
    emails.ticket_new_for_admins(ticket)
    if settings.UCHAT_TICKET_AUTO_ASSIGN and _auto_assign(ticket) is not None:
        ticket.refresh_from_db()
    return ticket


# --- assignment --------------------------------------------------------------------------


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
            engine.member_remove(conversation=ticket.conversation, membership=membership)
    engine.members_add(
        conversation=ticket.conversation, actor=actor or agent, users=[agent], notify=False
    )
    old_status = ticket.status
    ticket.agent = agent
    if ticket.status == Status.NEW:
        ticket.status = Status.ASSIGNED
    ticket.save(update_fields=["agent", "status"])
    AgentProfile.objects.update_or_create(user=agent, defaults={"last_assigned_at": timezone.now()})
    _event(
        ticket,
        TicketEvent.Kind.ASSIGNED,
        actor=actor,
        agent=agent,
        from_status=old_status,
        to_status=ticket.status,
    )
    _notify(ticket, ticket.customer, f"{agent.name} is handling {ticket.number}")
    _notify(ticket, agent, f"{ticket.number} was assigned to you")
    emails.ticket_assigned(ticket)
    if previous is not None and previous.is_active:
        # The agent it was taken from is told, live and by e-mail (they can no longer open it).
        _notify(ticket, previous, f"{ticket.number} was reassigned to {agent.name}")
        emails.ticket_taken_away(ticket, previous=previous)
    return ticket


def _online_agent_ids() -> Q:
    return Q(user__presences__last_seen__gte=room_selectors.presence_fresh_since())


def _auto_assign(ticket: Ticket) -> User | None:
    """Auto-assignment: the chosen online agent below capacity. None: it stays queued."""
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
        profiles = profiles.filter(_online_agent_ids())
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
    Called when an agent comes online or frees up. Returns how many were assigned."""
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
            if ticket is None or _auto_assign(ticket) is None:
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
    admins = list(User.objects.filter(is_staff=True, is_active=True).exclude(pk=user.pk))
    released = False
    for ticket in tickets:
        old = ticket.status
        membership = Membership.objects.filter(conversation=ticket.conversation_id, user=user)
        for gone in membership.select_related("conversation"):
            engine.member_remove(conversation=gone.conversation, membership=gone)
        ticket.agent = None
        ticket.status = Status.NEW
        ticket.save(update_fields=["agent", "status"])
        _event(
            ticket, TicketEvent.Kind.RELEASED, actor=None, agent=user, from_status=old,
            to_status=Status.NEW,
        )  # fmt: skip
        for admin in admins:
            _notify(ticket, admin, f"{ticket.number} is back in the queue")
        emails.ticket_released_for_admins(ticket, agent=user, reason=reason)
        released = True
    if released:
        transaction.on_commit(tickets_queue_drain, robust=True)


# --- status --------------------------------------------------------------------------------


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
    return _status_change(ticket, actor=actor, status=status)


def _status_change(
    ticket: Ticket, *, actor: User | None, status: str, kind: str = TicketEvent.Kind.STATUS
) -> Ticket:
    old = ticket.status
    ticket.status = status
    now = timezone.now()
    if status == Status.RESOLVED:
        ticket.resolved_at = now
        ticket.resolution_count += 1
    if status == Status.CLOSED:
        ticket.closed_at = now
    ticket.save(update_fields=["status", "resolved_at", "closed_at", "resolution_count"])
    _event(ticket, kind, actor=actor, from_status=old, to_status=status)
    _notify(
        ticket,
        ticket.customer if actor != ticket.customer else ticket.agent,
        f"{ticket.number} is now {ticket.get_status_display().lower()}",
    )
    emails.ticket_status_changed(ticket, old_status=old)
    if status in (Status.RESOLVED, Status.CLOSED) and old in Ticket.OPEN_STATUSES:
        # The agent has room for the next one.
        transaction.on_commit(tickets_queue_drain, robust=True)
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
    status = Status.IN_PROGRESS if ticket.agent_id else Status.NEW
    # A reopened ticket is due to be resolved again, counted from now.
    _sla_start(ticket, timezone.now(), first_response=False)
    ticket.save(update_fields=["resolution_due", "resolution_breached_at"])
    return _status_change(ticket, actor=actor, status=status, kind=TicketEvent.Kind.REOPENED)


# --- conversation hook, notes, feedback -------------------------------------------------------


def ticket_message_posted(*, message: Message) -> None:
    """Called by the message engine inside the message's transaction."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "agent")
        .filter(conversation_id=message.conversation_id)
        .first()
    )
    if ticket is None or message.sender is None:
        return
    if ticket.status == Status.CLOSED:
        # Raised inside the message's transaction: the message is not stored.
        raise ValidationError(
            "This ticket is closed. Raise a new ticket for a new problem.", code="ticket_closed"
        )
    if message.sender_id == ticket.agent_id and ticket.first_response_at is None:
        ticket.first_response_at = message.created_at
        ticket.save(update_fields=["first_response_at"])
    _desk_ping(ticket)  # inboxes show the last message and re-sort
    if message.sender_id == ticket.customer_id and ticket.status == Status.WAITING:
        _status_change(ticket, actor=message.sender, status=Status.IN_PROGRESS)
    from_customer = message.sender_id == ticket.customer_id
    other = ticket.agent if from_customer else ticket.customer
    if other is not None:
        notification_create(
            user=other,
            code=Code.NEW_TICKET_MESSAGE,
            title=f"New message on {ticket.number}",
            payload={
                "ticket": ticket.pk,
                "conversation": ticket.conversation_id,
                "sender_name": message.sender.name,
                "text": message.body,
            },
            # The customer gets the words themselves by e-mail instead (below), answerable.
            email=from_customer,
        )
    customer = ticket.customer
    if (
        not from_customer
        and customer is not None
        and message.body
        and customer.pk not in notification_hooks.online_user_ids(user_ids=[customer.pk])
    ):
        emails.ticket_reply(ticket, sender=message.sender, text=message.body)


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
    return note


@transaction.atomic
def ticket_feedback_give(
    *,
    ticket: Ticket,
    rating: int,
    comment: str = "",
    by: User | None = None,
    resolution: int | None = None,
) -> Feedback:
    """Rate a resolution 1-5, once. ``by`` is the logged-in customer; ``resolution`` comes
    from a signed e-mail link instead (see tickets.tokens)."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if by is not None and by.pk != ticket.customer_id:
        raise PermissionDenied("Only the customer rates a ticket.")
    if not rules.rateable(ticket):
        raise ValidationError("Feedback is for resolved tickets.", code="not_resolved")
    resolution = resolution or ticket.resolution_count
    if resolution != ticket.resolution_count:
        raise ValidationError("This feedback link is for an earlier resolution.", code="stale")
    feedback = Feedback(
        ticket=ticket, resolution=resolution, rating=rating, comment=comment.strip()
    )
    feedback.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        raise ValidationError(
            "Thank you — this resolution was already rated.", code="already_rated"
        ) from None
    _event(ticket, TicketEvent.Kind.FEEDBACK, actor=ticket.customer, to_status=ticket.status)
    return feedback


# --- agents ------------------------------------------------------------------------------------


@transaction.atomic
def agent_create(
    *,
    creator: User | None,
    username: str,
    email: str,
    categories: Iterable[Category] = (),
    capacity: int = 5,
    password: str | None = None,
    display_name: str = "",
) -> User:
    """An admin (or the operator: ``creator`` None) creates an agent. Without a password the
    agent gets an e-mail with a link to choose one."""
    if creator is not None and not creator.is_staff:
        raise PermissionDenied("Only admins create agents.")
    agent = account_services.user_create(
        creator=creator, username=username, email=email, password=password,
        display_name=display_name, is_agent=True, tell_creator=False,
    )  # fmt: skip
    profile = AgentProfile.objects.get(user=agent)  # made by agent_role_changed
    profile.capacity = capacity
    profile.full_clean()
    profile.save(update_fields=["capacity"])
    profile.categories.set(categories)
    if password is None:
        emails.agent_welcome(agent)
    return agent


def agent_role_changed(*, user: User) -> None:
    """accounts.hooks: a new agent gets a profile (auto-assignment finds them); someone who
    stops being an agent hands their open tickets back to the queue."""
    if user.is_agent:
        AgentProfile.objects.get_or_create(user=user)
    else:
        tickets_release(user=user, reason="not_agent")


def agent_came_online(*, user: User) -> None:
    """rooms.hooks: queued tickets go to an agent as soon as one is online."""
    tickets_queue_drain()


@transaction.atomic
def category_create(*, name: str) -> Category:
    """A ticket category (the admin site adds them too; this is for commands and the demo)."""
    category = Category.objects.filter(name__iexact=name.strip()).first()
    if category is None:
        category = Category(name=name.strip())
        category.full_clean()
        category.save()
    return category


@transaction.atomic
def canned_reply_create(*, title: str, body: str) -> CannedReply:
    reply = CannedReply.objects.filter(title=title.strip()).first()
    if reply is None:
        reply = CannedReply(title=title.strip(), body=body.strip())
        reply.full_clean()
        reply.save()
    return reply


# --- platform feedback -------------------------------------------------------------------------


def platform_feedback_give(*, author: User, topic: str, body: str) -> PlatformFeedback:
    """A customer or agent tells the admins about the platform. At most
    UCHAT_FEEDBACK_PER_HOUR a person; admins are told by a notification."""
    if author.is_staff:
        raise PermissionDenied("Admins read feedback; customers and agents send it.")
    rate_take(
        scope="platform-feedback",
        who=author.pk,
        limit=settings.UCHAT_FEEDBACK_PER_HOUR,
        window=3600,
        message="You have sent a lot of feedback this hour. Thank you! Try again later.",
    )
    feedback = PlatformFeedback(author=author, role=author.role, topic=topic, body=body.strip())
    feedback.full_clean()
    with transaction.atomic():
        feedback.save()
        for admin in User.objects.filter(is_staff=True, is_active=True):
            notification_create(
                user=admin,
                code=Code.TICKET_UPDATE,
                title=f"Feedback about uchat from {author.name}",
                payload={"feedback": feedback.pk},
                email=False,
            )
    return feedback


# --- a room message into a ticket ----------------------------------------------------------------


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
    if message.conversation.kind == Conversation.Kind.TICKET:
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
    )  # fmt: skip
    message.content = {**message.content, "ticket": {"id": ticket.pk, "number": ticket.number}}
    message.save(update_fields=["content"])
    engine.message_changed(message=message)
    _notify(ticket, message.sender, f"{actor.name} made your message into ticket {ticket.number}")
    return ticket
