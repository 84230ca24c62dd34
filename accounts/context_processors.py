from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.selectors import is_full_member, is_team_member
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


def bots_menu(request: HttpRequest) -> dict[str, Any]:
    """``bots_menu``: whether the user menu links the Bots page: the team's (no query on every
    page; the page itself says who may make one: staff and room admins)."""
    user = request.user
    return {"bots_menu": bool(user.is_authenticated and is_team_member(user))}


def full_member(request: HttpRequest) -> dict[str, Any]:
    """``full_member``: False for a guest (accounts.selectors.is_full_member), so pages hide
    what guests may not do (create rooms, invite links, ...); ``team_member``: whether the
    person is on the team (the user groups). The services refuse either way whatever the page
    shows."""
    user = request.user
    return {
        "full_member": bool(user.is_authenticated and is_full_member(user)),
        "team_member": bool(user.is_authenticated and is_team_member(user)),
    }
