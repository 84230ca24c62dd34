from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone

from notifications import selectors


def badge(request: HttpRequest) -> dict[str, int | datetime | None]:
    """The navigation bar's unread count (one capped query per page), and until when the
    person paused notifications (do not disturb), if they did."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    paused = user.dnd_until if user.dnd_until and user.dnd_until > timezone.now() else None
    return {
        "notifications_unread": selectors.unread_count(user=user),
        "notify_paused_until": paused,
    }
