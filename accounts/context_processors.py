from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.tour import tour_steps


def site_name(request: HttpRequest) -> dict[str, Any]:
    """``site_name`` for page titles and the navigation bar (UCHAT_SITE_NAME)."""
    return {"site_name": settings.UCHAT_SITE_NAME}


def tour(request: HttpRequest) -> dict[str, Any]:
    """``tour_steps`` on the dashboard of a person who has not finished the guided tour."""
    user = request.user
    match = request.resolver_match
    if not user.is_authenticated or match is None or match.url_name != "dashboard":
        return {}
    if user.tour_done_at is not None:
        return {}
    return {"tour_steps": tour_steps(user)}
