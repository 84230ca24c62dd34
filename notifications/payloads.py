from typing import Any, TypedDict

from notifications.models import Notification


class NotificationPayload(TypedDict):
    id: int
    code: int
    title: str
    is_error: bool
    timestamp: str
    message: dict[str, Any]
    read: bool


def notification_payload(notification: Notification) -> NotificationPayload:
    """The seed chat server's shape: the event's object sits under "message"."""
    return {
        "id": notification.pk,
        "code": notification.code,
        "title": notification.title,
        "is_error": notification.is_error,
        "timestamp": notification.created_at.isoformat(),
        "message": notification.payload,
        "read": notification.read_at is not None,
    }
