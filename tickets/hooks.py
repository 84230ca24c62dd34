"""Where apps above the desk plug into it (the widget, issue 28). The desk names no app above
it: they register here in their AppConfig.ready()."""

from collections.abc import Callable

from accounts.models import User
from tickets.models import Ticket

# The address to e-mail a customer who has none of their own (a widget visitor who gave one),
# or None. Asked only for people without an address.
mail_addresses: list[Callable[..., str | None]] = []  # (*, user: User)

# The account an inbound reply to a ticket's signed reply address speaks for, when its sender
# is no confirmed account of the ticket's customer (a widget visitor's given address).
mail_reply_senders: list[Callable[..., User | None]] = []  # (*, ticket: Ticket, sender: str)

# Lines for the inbox's customer panel: (label, text) pairs about a ticket's customer.
customer_facts: list[Callable[..., list[tuple[str, str]]]] = []  # (*, ticket: Ticket)


def mail_address(user: User) -> str | None:
    for hook in mail_addresses:
        found = hook(user=user)
        if found:
            return found
    return None


def mail_reply_sender(ticket: Ticket, sender: str) -> User | None:
    for hook in mail_reply_senders:
        found = hook(ticket=ticket, sender=sender)
        if found is not None:
            return found
    return None


def facts_for(ticket: Ticket) -> list[tuple[str, str]]:
    return [fact for hook in customer_facts for fact in hook(ticket=ticket)]
