"""Signed feedback links: the "resolved" e-mail's one-click rating, good for one resolution."""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError

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
