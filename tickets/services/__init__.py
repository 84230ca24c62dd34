"""Every write of the customer-care desk. Each one checks who may do it, keeps the ticket's
conversation membership in step (customer + assigned agent), writes a TicketEvent and records
a domain event; people are told (sockets, notifications, e-mail) by the handlers of those
events, after the transaction commits.

- ``events``: the desk's domain events and the TicketEvent audit row;
- ``reactions``: the handlers (registered in TicketsConfig.ready());
- ``opening``: raising a ticket, and turning a message into one;
- ``assignment``: assigning, auto-assignment and the queue, release;
- ``status``: status changes and reopening;
- ``sla``: due times and breaches;
- ``conversation``: the check before a message is stored, admins joining, internal notes;
- ``feedback``: ratings and platform feedback;
- ``agents``: agents, categories, canned replies;
- ``workflow``: labels, macros and bulk actions;
- ``automation``: automation rules (their handlers).
- ``availability``: an agent's online/away/offline;
- ``hours``: business hours (calendars, open minutes);
- ``viewers``: who is viewing and replying on a ticket (collision).
"""

from tickets.services.agents import (
    agent_create,
    agent_role_changed,
    canned_reply_create,
    category_create,
)
from tickets.services.assignment import (
    ticket_assign,
    ticket_assign_least_busy,
    tickets_queue_drain,
    tickets_release,
)
from tickets.services.availability import (
    agent_availability_get,
    agent_availability_set,
    agents_with_load,
)
from tickets.services.conversation import ticket_join, ticket_message_check, ticket_note_add
from tickets.services.feedback import platform_feedback_give, ticket_feedback_give
from tickets.services.opening import ticket_from_message, ticket_open
from tickets.services.sla import sla_breaches_check
from tickets.services.status import ticket_reopen, ticket_status_set, tickets_auto_resolve
from tickets.services.workflow import (
    label_create,
    macro_create,
    macro_run,
    ticket_labels_set,
    tickets_bulk,
)

__all__ = [
    "agent_availability_get",
    "agent_availability_set",
    "agent_create",
    "agent_role_changed",
    "agents_with_load",
    "canned_reply_create",
    "category_create",
    "label_create",
    "macro_create",
    "macro_run",
    "platform_feedback_give",
    "sla_breaches_check",
    "ticket_assign",
    "ticket_assign_least_busy",
    "ticket_feedback_give",
    "ticket_from_message",
    "ticket_join",
    "ticket_labels_set",
    "ticket_message_check",
    "ticket_note_add",
    "ticket_open",
    "ticket_reopen",
    "ticket_status_set",
    "tickets_auto_resolve",
    "tickets_bulk",
    "tickets_queue_drain",
    "tickets_release",
]
