"""What every page's template may show of the desk: an agent's own availability (the user
menu and the inbox header)."""

from functools import cache
from typing import Any

from django.http import HttpRequest

AVAILABILITY_OPTIONS = (
    ("online", "Online", "Gets new tickets"),
    ("away", "Away", "Keeps tickets, gets no new ones"),
    ("offline", "Offline", "Keeps tickets, gets no new ones"),
)


def availability(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_agent", False):
        return {}
    from tickets.services.availability import agent_availability_get

    # Called by the template only when it shows it, once per page.
    return {
        "availability_options": AVAILABILITY_OPTIONS,
        "my_availability": cache(lambda: agent_availability_get(agent=user)),
    }
