"""Reads of integrations."""

from django.db.models import QuerySet

from accounts.models import User
from integrations.models import IncomingWebhook, OutgoingWebhook, WebhookDelivery
from rooms.models import Conversation, Membership


def room_managed(*, user: User, room_id: int) -> Conversation | None:
    """The room if ``user`` may manage its integrations (a room admin, or staff), else None
    (callers answer 404 to anyone who is not even a member: they learn nothing)."""
    rooms = Conversation.objects.filter(pk=room_id, kind=Conversation.Kind.ROOM)
    room = rooms.first()
    if room is None or user.is_staff:
        return room
    if Membership.objects.filter(conversation=room, user=user).exists():
        return room
    return None


def incoming_for_room(*, room: Conversation) -> QuerySet[IncomingWebhook]:
    return IncomingWebhook.objects.filter(
        conversation=room, revoked_at__isnull=True
    ).select_related("bot", "created_by")


def outgoing_for_room(*, room: Conversation) -> QuerySet[OutgoingWebhook]:
    return OutgoingWebhook.objects.filter(conversation=room).select_related("owner")


def deliveries_recent(*, webhook: OutgoingWebhook, limit: int = 20) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(webhook=webhook).order_by("-id")[:limit])
