"""What the desk does after a commit: handlers of the desk's events (tickets.services.events)
and of the engine's MessageCreated, registered in TicketsConfig.ready(). Each runs in its own
transaction (core.domain_events); one that fails is logged and leaves the others be."""

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from core import events
from notifications import hooks as notification_hooks
from notifications import rules
from notifications.models import Code
from notifications.rules import Scope
from notifications.services import notification_create, notification_decide
from rooms.domain_events import MessageCreated
from rooms.models import Membership, Message
from rooms.notify_levels import membership_scope
from tickets import emails, frames, payloads
from tickets import kind as ticket_kind
from tickets.models import Ticket, TicketEvent
from tickets.services import hours
from tickets.services.assignment import tickets_queue_drain
from tickets.services.events import (
    TicketAssigned,
    TicketBreached,
    TicketChanged,
    TicketOpened,
    TicketReleased,
    TicketStatusChanged,
    rules_triggered_by_rule,
)
from tickets.services.status import status_change, ticket_customer_wrote_after_resolution

Status = Ticket.Status


def desk_ping(ticket: Ticket) -> None:
    """Tell every open inbox that this ticket changed (its id only: each inbox reloads its
    list through the page, which shows a person only the tickets they may see)."""
    events.broadcast([ticket_kind.desk_group()], frames.DESK_TICKET, {"ticket": ticket.pk})


def desk_scope(ticket: Ticket, user: User) -> Scope | None:
    """``user``'s notification setting in the ticket's conversation, when they are in it (an
    admin told of a released ticket may not be: then the rule's default)."""
    membership = Membership.objects.filter(
        conversation_id=ticket.conversation_id, user=user
    ).first()
    return None if membership is None else membership_scope(membership, kind=ticket_kind.NAME)


def notify(ticket: Ticket, user: User | None, title: str) -> None:
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
            reason=rules.DESK,
            scope=desk_scope(ticket, user),
        )


def ticket_updated(event: TicketChanged) -> None:
    """Every ticket event: live on the ticket's page and in every inbox."""
    ticket = event.ticket
    groups = [events.conversation_group(ticket.conversation_id)]
    if event.audit.kind in payloads.DESK_ONLY_KINDS:
        # Labels, macros and rules are the desk's: its people on the ticket hear them.
        desk = Membership.objects.filter(conversation_id=ticket.conversation_id).filter(
            Q(user__is_staff=True) | Q(user_id=ticket.agent_id)
        )
        groups = [events.user_group(uid) for uid in desk.values_list("user_id", flat=True)]
    if isinstance(event, TicketAssigned) and event.previous is not None:
        # The agent it was taken from has left the conversation's group: their open page
        # hears it through their own group (ticket.js drops a second copy by its event id).
        groups.append(events.user_group(event.previous.pk))
    events.broadcast(
        groups,
        frames.TICKET_UPDATED,
        {"ticket": payloads.ticket_payload(ticket), "event": payloads.event_payload(event.audit)},
    )
    desk_ping(ticket)


def ticket_opened(event: TicketOpened) -> None:
    ticket = event.ticket
    emails.ticket_received(
        ticket, closed_text=hours.opening_text(hours.desk_calendar(), ticket.created_at)
    )
    emails.ticket_new_for_admins(ticket)
    if event.made_by is not None:  # "turn into ticket": the message's author is told
        notify(
            ticket,
            ticket.customer,
            f"{event.made_by.name} made your message into ticket {ticket.number}",
        )


def ticket_assigned(event: TicketAssigned) -> None:
    ticket, agent, previous = event.ticket, event.agent, event.previous
    assert agent is not None
    notify(ticket, ticket.customer, f"{agent.name} is handling {ticket.number}")
    notify(ticket, agent, f"{ticket.number} was assigned to you")
    emails.ticket_assigned(ticket)
    if previous is not None and previous.is_active:
        # The agent it was taken from is told, live and by e-mail (they can no longer open it).
        notify(ticket, previous, f"{ticket.number} was reassigned to {agent.name}")
        emails.ticket_taken_away(ticket, previous=previous)


def ticket_status_changed(event: TicketStatusChanged) -> None:
    ticket = event.ticket
    if event.quiet:
        return
    notify(
        ticket,
        ticket.customer if event.actor != ticket.customer else ticket.agent,
        f"{ticket.number} is now {ticket.get_status_display().lower()}",
    )
    emails.ticket_status_changed(ticket, old_status=event.old_status)


def queue_drain_when_freed(event: TicketStatusChanged) -> None:
    """A resolved or closed ticket frees its agent for the next one."""
    if event.ticket.status in (Status.RESOLVED, Status.CLOSED) and (
        event.old_status in Ticket.OPEN_STATUSES
    ):
        transaction.on_commit(tickets_queue_drain, robust=True)


def ticket_breached(event: TicketBreached) -> None:
    """The admins and the ticket's agent: by e-mail (the desk's own) and a notification,
    which the one rule lets through, silences or drops like any other."""
    ticket = event.ticket
    emails.sla_breached(ticket, missed=list(event.missed))
    title = f"{ticket.number} missed its {' and '.join(event.missed)} target"
    for admin in User.objects.filter(is_staff=True, is_active=True):
        notify(ticket, admin, title)
    if ticket.agent is not None and not ticket.agent.is_staff:
        notify(ticket, ticket.agent, title)


def ticket_released(event: TicketReleased) -> None:
    ticket, agent = event.ticket, event.agent
    assert agent is not None
    for admin in User.objects.filter(is_staff=True, is_active=True).exclude(pk=agent.pk):
        notify(ticket, admin, f"{ticket.number} is back in the queue")
    emails.ticket_released_for_admins(ticket, agent=agent, reason=event.reason)


def message_in_ticket(event: MessageCreated) -> bool:
    """Whether ``message_posted`` concerns ``event``: asked before its transaction opens."""
    message = event.message
    return message.conversation.kind == ticket_kind.NAME and message.sender_id is not None


def message_posted(event: MessageCreated) -> None:
    """A message in a ticket's conversation, committed: the agent's first response is timed,
    and their first reply puts an assigned ticket in progress; a waiting ticket is back in
    progress when its customer answers, and a resolved one reopens (or, after the reopen
    window, a follow-up ticket opens); the other party is told, inboxes re-sort."""
    message = event.message
    if not message_in_ticket(event) or message.sender is None:
        return
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "agent")
        .filter(conversation_id=message.conversation_id)
        .first()
    )
    if ticket is None:
        return
    if message.sender_id == ticket.agent_id and ticket.first_response_at is None:
        ticket.first_response_at = message.created_at
        ticket.save(update_fields=["first_response_at"])
    transaction.on_commit(lambda: desk_ping(ticket), robust=True)  # last message, re-sort
    if message.sender_id == ticket.customer_id and ticket.status == Status.WAITING:
        status_change(ticket, actor=message.sender, status=Status.IN_PROGRESS)
    elif message.sender_id == ticket.agent_id and ticket.status == Status.ASSIGNED:
        # The agent's first reply: the ticket is being worked on.
        status_change(ticket, actor=message.sender, status=Status.IN_PROGRESS, quiet=True)
    elif (
        message.sender_id == ticket.customer_id
        and ticket.status == Status.RESOLVED
        and ticket_customer_wrote_after_resolution(ticket, message) is not None
    ):
        return  # a follow-up ticket opened: its opening tells the desk
    from_customer = message.sender_id == ticket.customer_id
    other = ticket.agent if from_customer else ticket.customer
    if other is not None and from_customer and _assigned_after(ticket, message):
        other = None  # a new ticket's images: its agent was told of the whole ticket instead
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
            reason=rules.DESK,
            scope=desk_scope(ticket, other),
        )
    customer = ticket.customer
    if (
        not from_customer
        and customer is not None
        and message.body
        # The reply's e-mail obeys the customer's settings like any other channel.
        and notification_decide(
            user=customer, reason=rules.DESK, scope=desk_scope(ticket, customer)
        ).email
        and customer.pk not in notification_hooks.online_user_ids(user_ids=[customer.pk])
    ):
        # A rule's reply is automatic mail: never to an address a visitor only typed.
        emails.ticket_reply(
            ticket,
            sender=message.sender,
            text=message.body,
            given_address=not rules_triggered_by_rule(),
        )


def _assigned_after(ticket: Ticket, message: Message) -> bool:
    """Whether the ticket went to its agent after ``message`` was stored (auto-assignment in
    the transaction that opened the ticket with it)."""
    return TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.ASSIGNED, created_at__gt=message.created_at
    ).exists()
