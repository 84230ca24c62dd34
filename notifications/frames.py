"""The socket frames notifications sends (docs/websocket.md; rooms/frames.py lists every
frame)."""

from typing import TypedDict

from notifications.payloads import NotificationPayload

NOTIFICATION_CREATED = "notification.created"
NOTIFICATION_READ = "notification.read"


class NotificationCreated(NotificationPayload):
    unread: int
    alert: bool  # pop up and sound in open tabs (False: recorded silently, or muted)


class NotificationRead(TypedDict):
    unread: int
