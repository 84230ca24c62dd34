"""Feedback: a customer rates a resolution; customers and agents tell the admins about the
platform."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from core.cache import rate_take
from notifications.models import Code
from notifications.services import notification_create
from tickets import rules
from tickets.models import Feedback, PlatformFeedback, Ticket, TicketEvent
from tickets.services.events import TicketRated, audit, record


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
    row = audit(ticket, TicketEvent.Kind.FEEDBACK, actor=ticket.customer, to_status=ticket.status)
    record(TicketRated(ticket, row))
    return feedback


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
                title=f"Feedback about {settings.UCHAT_SITE_NAME} from {author.name}",
                payload={"feedback": feedback.pk},
                email=False,
            )
    return feedback
