"""Automation rules: "when (trigger), if (conditions), then (actions)", run after the commit as
handlers of the desk's events, in position order, each in its own transaction and recorded on
the ticket's history (a TicketEvent of kind "rule").

A rule never triggers rules: its writes run with ``_running`` set, and the context of a write
travels with the events it records (core.domain_events), so the handlers here see the flag
and return. A rule that fails is logged and undone alone; the rules after it still run."""

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import User
from notifications import rules
from notifications.models import Code
from notifications.services import notification_create
from rooms.domain_events import MessageCreated
from tickets import workflow
from tickets.models import AutomationRule, Category, Ticket, TicketEvent
from tickets.services.assignment import auto_assign, ticket_assign
from tickets.services.events import (
    TicketBreached,
    TicketChanged,
    TicketOpened,
    audit,
    record,
    rule_writes,
    rules_triggered_by_rule,
)
from tickets.services.reactions import desk_scope
from tickets.services.workflow import _desk_reply, _priority_set, labels_change

logger = logging.getLogger(__name__)
Trigger = AutomationRule.Trigger

# A username with a space: no sign-up, mail-in or admin form can make one (Django's username
# validator refuses spaces), so no person can be, or become, the desk's account.
DESK_USERNAME = "uchat desk"


def desk_account() -> User:
    """Who a rule's reply comes from when the ticket has no agent: the desk itself, an
    account no one signs in to (no password, no e-mail), named after the site."""
    user = User.objects.filter(username=DESK_USERNAME).first()
    if user is None:
        user = User(username=DESK_USERNAME, display_name=f"{settings.UCHAT_SITE_NAME} desk")
        user.set_unusable_password()
        user.save()
    return user


def _act(ticket: Ticket, key: str, value: Any) -> str:
    if key == "assign_agent":
        agent = User.objects.get(username=value)
        ticket_assign(ticket=ticket, agent=agent, actor=None)
        return f"assigned to {agent.name}"
    if key == "assign_category":
        ticket.category = Category.objects.get(name=value)
        ticket.save(update_fields=["category"])
        chosen = auto_assign(ticket) if ticket.agent_id is None else None
        return f"category → {value}" + (f", assigned to {chosen.name}" if chosen else "")
    if key == "priority":
        _priority_set(ticket, value)
        return f"priority → {value}"
    if key == "labels_add":
        labels_change(ticket, add=value, remove=[])
        return "labels +" + ", ".join(value)
    if key == "reply":
        sender = ticket.agent if ticket.agent and ticket.agent.is_active else desk_account()
        _desk_reply(ticket, sender, value)
        return "replied"
    people = (
        list(User.objects.filter(is_staff=True, is_active=True))
        if value == "admins"
        else list(User.objects.filter(username=value, is_active=True))
    )
    for person in people:
        notification_create(
            user=person,
            code=Code.TICKET_UPDATE,
            title=f"{ticket.number}: {ticket.subject}"[:200],
            payload={"ticket": ticket.pk, "conversation": ticket.conversation_id,
                     "status": ticket.status},
            email=False,
            reason=rules.DESK,
            scope=desk_scope(ticket, person),
        )  # fmt: skip
    return f"notified {value}"


def rule_run(rule: AutomationRule, ticket_id: int) -> bool:
    """One rule on one ticket, in its own transaction: whether it matched (and acted)."""
    with transaction.atomic(), rule_writes():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "agent", "category")
            .get(pk=ticket_id)
        )
        conditions = workflow.rule_conditions_clean(rule.conditions)
        if not all(workflow.condition_holds(ticket, *c.popitem()) for c in conditions):
            return False
        done = []
        for step in workflow.rule_actions_clean(rule.actions):
            ((key, value),) = step.items()
            done.append(_act(ticket, key, value))
            ticket.refresh_from_db()
        row = audit(
            ticket, TicketEvent.Kind.RULE, actor=None,
            detail=f"Rule “{rule.name}”: {'; '.join(done)}"[:500],
        )  # fmt: skip
        record(TicketChanged(ticket, row))
        return True


def rules_run(ticket_id: int, trigger: str) -> int:
    """The active rules of ``trigger``, lowest position first. How many acted."""
    if rules_triggered_by_rule():
        return 0
    acted = 0
    for rule in AutomationRule.objects.filter(active=True, trigger=trigger):
        try:
            acted += rule_run(rule, ticket_id)
        except Exception:
            logger.exception("automation rule %s on ticket %s failed", rule.pk, ticket_id)
    return acted


# The handlers (TicketsConfig.ready()). Each runs the rules outside its own transaction's
# lock: every rule locks the ticket itself.


def on_ticket_opened(event: TicketOpened) -> None:
    rules_run(event.ticket.pk, Trigger.CREATED)


def on_ticket_breached(event: TicketBreached) -> None:
    rules_run(event.ticket.pk, Trigger.SLA_BREACHED)


def customer_message(event: MessageCreated) -> bool:
    """Whether a committed message is its ticket's customer's (a cheap test first)."""
    from tickets.services.reactions import message_in_ticket

    return message_in_ticket(event) and not rules_triggered_by_rule()


def on_customer_message(event: MessageCreated) -> None:
    message = event.message
    ticket = Ticket.objects.filter(conversation_id=message.conversation_id).first()
    if ticket is None or message.sender_id != ticket.customer_id or not ticket.is_open:
        return  # (a message after the reopen window opened a follow-up: that is its opening)
    # A new ticket's own images are part of its opening, not a reply.
    if ticket.events.filter(
        kind=TicketEvent.Kind.CREATED, created_at__gte=message.created_at
    ).exists():
        return
    rules_run(ticket.pk, Trigger.CUSTOMER_REPLIED)
