from django.http import HttpRequest

from notifications import selectors


def badge(request: HttpRequest) -> dict[str, int]:
    """The navigation bar's unread count (one capped query per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": selectors.unread_count(user=user)}
