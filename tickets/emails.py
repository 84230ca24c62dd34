"""The desk's e-mails: rendered and queued (Celery) after the transaction commits.
Text and HTML bodies; every one links to the ticket. Internal notes never appear here."""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.selectors import users_mailable
from accounts.site import email_subject
from accounts.tasks import send_email
from tickets import hooks, tokens
from tickets.models import Ticket
from tickets.tokens import feedback_token


def _name(user: User | None) -> str:
    return user.name if user is not None else "deleted user"


def _url(path: str) -> str:
    return settings.UCHAT_SITE_URL.rstrip("/") + path


# The Message-ID of the inbound e-mail being stored (tickets.mailbox), while it is: what the
# desk sends then, to that mail's sender, is an automatic answer to it.
_answering: ContextVar[str | None] = ContextVar("tickets_answering_mail", default=None)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


@contextmanager
def answering_mail(message_id: str) -> Iterator[None]:
    """E-mails queued inside this block answer the inbound mail ``message_id``."""
    found = _MESSAGE_ID.search(message_id)
    token = _answering.set(found.group(0) if found else "")
    try:
        yield
    finally:
        _answering.reset(token)


def _send(
    *,
    to: Sequence[User | None],
    subject: str,
    headline: str,
    lines: list[str],
    ticket: Ticket | None = None,
    replyable: bool = True,
    given_address: bool = False,
    **extra: object,
) -> None:
    """Render and queue one e-mail per person, once the transaction commits. ``replyable``:
    to the customer, from the ticket's reply address (their reply lands in the ticket), with
    a Message-ID that replies name in In-Reply-To (tickets.tokens).

    Every e-mail says it was sent automatically (RFC 3834), so that no auto-responder answers
    it and two of them cannot loop through the desk: ``auto-replied`` for the answer to an
    inbound mail's sender (naming that mail in In-Reply-To), ``auto-generated`` otherwise."""
    recipients = users_mailable(users=to)
    addresses = {user.pk: user.email for user in recipients}
    # People with no address of their own (a widget visitor who gave one) get only what a
    # person wrote them (``given_address``): the address was typed, never confirmed, so
    # automatic mail (received, assigned, status) to it would let anyone make the desk mail
    # a stranger.
    for person in to if given_address else ():
        if person is not None and not person.email and (found := hooks.mail_address(person)):
            recipients.append(person)
            addresses[person.pk] = found
    answered = _answering.get()
    # (Only the customer's copy carries the reply address: agents answer on the page.)
    customer_copy: dict[str, Any] = {"headers": {"Auto-Submitted": "auto-generated"}}
    if replyable and ticket is not None and settings.UCHAT_SUPPORT_ADDRESS:
        customer_copy = {
            "reply_to": tokens.reply_address(ticket),
            "headers": {
                "Message-ID": tokens.message_id(ticket, "reply"),
                "Auto-Submitted": "auto-generated",
            },
        }
    if answered is not None:
        customer_copy["headers"]["Auto-Submitted"] = "auto-replied"
        if answered:
            customer_copy["headers"].update({"In-Reply-To": answered, "References": answered})
    others = {"headers": {"Auto-Submitted": "auto-generated"}}

    ticket_customer_id = ticket.customer_id if ticket is not None else None

    def send() -> None:
        for user in recipients:
            context = {
                "user": user,
                "site_name": settings.UCHAT_SITE_NAME,
                "headline": headline,
                "lines": lines,
                "url": _url(reverse("tickets:detail", args=[ticket.pk])) if ticket else None,
                **extra,
            }
            send_email.delay(
                subject=email_subject(subject),
                body=render_to_string("tickets/email.txt", context),
                html=render_to_string("tickets/email.html", context),
                to=[addresses[user.pk]],
                **(customer_copy if user.pk == ticket_customer_id else others),
            )

    # robust: an e-mail that cannot be queued is logged; it never turns a stored write
    # into an error (a 500, or "nothing was stored" on a socket) that invites a re-send.
    transaction.on_commit(send, robust=True)


def ticket_received(ticket: Ticket, *, closed_text: str = "") -> None:
    """The acknowledgement; outside business hours ``closed_text`` says when the team is back
    (tickets.services.hours.opening_text)."""
    _send(
        to=[ticket.customer],
        ticket=ticket,
        subject=f"We received your ticket {ticket.number}",
        headline=f"Your ticket {ticket.number} “{ticket.subject}” has been received.",
        lines=[
            f"{closed_text} An agent will answer then."
            if closed_text
            else "An agent will be assigned to it shortly.",
            "You can follow it and talk with the agent on its page.",
        ],
    )


def ticket_new_for_admins(ticket: Ticket) -> None:
    admins = list(User.objects.filter(is_staff=True, is_active=True))
    _send(
        to=admins,
        ticket=ticket,
        subject=f"New ticket {ticket.number}: {ticket.subject}",
        headline=f"{_name(ticket.customer)} raised {ticket.number} “{ticket.subject}”.",
        lines=[
            f"Priority: {ticket.get_priority_display()}. Status: {ticket.get_status_display()}."
        ],
    )


def ticket_assigned(ticket: Ticket) -> None:
    _send(
        to=[ticket.customer],
        ticket=ticket,
        subject=f"{_name(ticket.agent)} is handling {ticket.number}",
        headline=f"{_name(ticket.agent)} is now handling your ticket {ticket.number}.",
        lines=["You can talk with them on the ticket's page."],
    )
    _send(
        to=[ticket.agent],
        ticket=ticket,
        subject=f"{ticket.number} was assigned to you",
        headline=f"{ticket.number} “{ticket.subject}” from {_name(ticket.customer)} is yours.",
        lines=[f"Priority: {ticket.get_priority_display()}."],
    )


def ticket_reply(ticket: Ticket, *, sender: User, text: str, given_address: bool = True) -> None:
    """An agent's (or admin's) message, to a customer who is not on the page. Replying to
    the e-mail writes into the ticket (manage.py fetch_mail). ``given_address`` False: not
    to an address the customer only typed (a rule's automatic reply)."""
    _send(
        to=[ticket.customer],
        ticket=ticket,
        subject=f"Re: {ticket.number} {ticket.subject}",
        headline=f"{_name(sender)} wrote on {ticket.number}:",
        lines=[text, "Reply to this e-mail, or open the ticket, to answer."],
        given_address=given_address,
    )


def sla_breached(ticket: Ticket, *, missed: list[str]) -> None:
    """To the admins (and the ticket's agent): an SLA target was missed."""
    admins = list(User.objects.filter(is_staff=True, is_active=True))
    what = " and ".join(missed)
    _send(
        to=[*admins, *([ticket.agent] if ticket.agent and not ticket.agent.is_staff else [])],
        ticket=ticket,
        subject=f"SLA missed on {ticket.number}: {what}",
        headline=f"{ticket.number} “{ticket.subject}” missed its {what} target.",
        lines=[
            f"Priority: {ticket.get_priority_display()}. Status: {ticket.get_status_display()}. "
            f"Agent: {_name(ticket.agent) if ticket.agent else 'nobody yet'}."
        ],
    )


def ticket_taken_away(ticket: Ticket, *, previous: User) -> None:
    """To the agent a ticket was reassigned from. No link: the ticket is not theirs to open."""
    _send(
        to=[previous],
        subject=f"{ticket.number} was reassigned to {_name(ticket.agent)}",
        headline=f"{ticket.number} “{ticket.subject}” is now handled by {_name(ticket.agent)}.",
        lines=["You no longer need to work on it. Nothing is lost: the conversation stays."],
    )


def ticket_status_changed(ticket: Ticket, *, old_status: str) -> None:
    old = Ticket.Status(old_status).label
    links = []
    if ticket.status == Ticket.Status.RESOLVED:
        token = feedback_token(ticket)
        links = [
            (n, _url(reverse("tickets:feedback-link", args=[token])) + f"?rating={n}")
            for n in range(1, 6)
        ]
    _send(
        to=[ticket.customer],
        ticket=ticket,
        subject=f"{ticket.number} is now {ticket.get_status_display().lower()}",
        headline=f"Your ticket {ticket.number} went from {old} to {ticket.get_status_display()}.",
        lines=[
            "How did we do? Choose a rating (1 = poor, 5 = excellent); the page it opens "
            "sends it with one more click, and takes a comment if you like:"
        ]
        if links
        else [],
        feedback_links=links,
    )


def agent_welcome(agent: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(agent.pk))
    token = default_token_generator.make_token(agent)
    link = _url(reverse("tickets:agent-welcome", args=[uid, token]))
    _send(
        to=[agent],
        subject=f"You are an agent on {settings.UCHAT_SITE_NAME}",
        headline=f"An account was created for you: {agent.username}.",
        lines=["Choose your password with the link below to start handling tickets."],
        action_url=link,
    )


def ticket_released_for_admins(ticket: Ticket, *, agent: User, reason: str = "deleted") -> None:
    why = "'s account was deleted" if reason == "deleted" else " is no longer an agent"
    admins = list(User.objects.filter(is_staff=True, is_active=True))
    _send(
        to=admins,
        ticket=ticket,
        subject=f"{ticket.number} is back in the queue",
        headline=f"{agent.name}{why}; {ticket.number} “{ticket.subject}” needs an agent.",
        lines=[f"Priority: {ticket.get_priority_display()}."],
    )
