"""Signed feedback links (the "resolved" e-mail's one-click rating, good for one resolution),
and the reply addresses and Message-IDs that thread e-mail replies into tickets."""

import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

from tickets.models import Ticket

FEEDBACK_SALT = "tickets.feedback"
FEEDBACK_LINK_DAYS = 60


def feedback_token(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "r": ticket.resolution_count}, salt=FEEDBACK_SALT)


def feedback_token_read(token: str) -> tuple[Ticket, int]:
    """The ticket and the resolution a link rates; ValidationError("bad_link") otherwise."""
    try:
        data = signing.loads(token, salt=FEEDBACK_SALT, max_age=timedelta(days=FEEDBACK_LINK_DAYS))
    except signing.BadSignature:
        raise ValidationError("This feedback link is not valid.", code="bad_link") from None
    ticket = Ticket.objects.filter(pk=data.get("t")).first()
    if ticket is None:
        raise ValidationError("This feedback link is not valid.", code="bad_link")
    return ticket, int(data.get("r", 0))


# --- Reply addresses: support+t<id>-<signature>@domain (tickets by e-mail) -------------------

REPLY_SALT = "tickets.reply-address"
_REPLY = re.compile(r"\+t(\d+)-([0-9a-f]{16})@", re.IGNORECASE)


def _reply_signature(ticket_id: int) -> str:
    return salted_hmac(REPLY_SALT, str(ticket_id)).hexdigest()[:16]


def reply_address(ticket: Ticket) -> str:
    """The ticket's own reply address: replies to it are threaded into the ticket."""
    local, _, domain = settings.UCHAT_SUPPORT_ADDRESS.partition("@")
    return f"{local.split('+')[0]}+t{ticket.pk}-{_reply_signature(ticket.pk)}@{domain}"


def reply_address_ticket_id(addresses: list[str]) -> int | None:
    """The ticket a reply address among ``addresses`` names, if its signature holds.
    Raises ValidationError("bad_token") for an address that looks like one but is forged."""
    for address in addresses:
        found = _REPLY.search(address)
        if found is None:
            continue
        ticket_id, signature = int(found.group(1)), found.group(2).lower()
        if not constant_time_compare(signature, _reply_signature(ticket_id)):
            raise ValidationError("The ticket token is not valid.", code="bad_token")
        return ticket_id
    return None


MESSAGE_ID_SALT = "tickets.message-id"
_REFERENCE = re.compile(r"<ticket-(\d+)\.([A-Za-z0-9-]{1,40})\.([0-9a-f]{16})@([^<>\s]+)>")


def _message_id_signature(ticket_id: int, nonce: str) -> str:
    return salted_hmac(MESSAGE_ID_SALT, f"{ticket_id}.{nonce}").hexdigest()[:16]


def message_id(ticket: Ticket, what: str) -> str:
    """A signed Message-ID for a ticket's e-mail, ``<ticket-<id>.<nonce>.<signature>@domain>``:
    replies name it in In-Reply-To / References, and only a signature that holds threads them
    (anyone can write a made-up Message-ID into a header)."""
    domain = settings.UCHAT_SUPPORT_ADDRESS.partition("@")[2] or "localhost"
    nonce = f"{what}-{get_random_string(12)}"
    return f"<ticket-{ticket.pk}.{nonce}.{_message_id_signature(ticket.pk, nonce)}@{domain}>"


def referenced_ticket_id(references: str) -> int | None:
    """The newest ticket named by a Message-ID of ours in In-Reply-To / References whose
    signature holds; made-up or altered ones are ignored."""
    domain = (settings.UCHAT_SUPPORT_ADDRESS.partition("@")[2] or "localhost").lower()
    found = [
        int(m.group(1))
        for m in _REFERENCE.finditer(references)
        if m.group(4).lower() == domain
        and constant_time_compare(m.group(3), _message_id_signature(int(m.group(1)), m.group(2)))
    ]
    return found[-1] if found else None
