"""``{% sidebar %}``: the conversation list beside every conversation page (its data from
dashboard.selectors; sidebar.js keeps it live)."""

from typing import Any

from django import template

from dashboard import selectors
from rooms import kinds

register = template.Library()


@register.inclusion_tag("_sidebar.html", takes_context=True)
def sidebar(context: template.Context, current: int | None = None) -> dict[str, Any]:
    request = context["request"]
    return {
        **selectors.sidebar_for(user=request.user),
        "current": current,
        # The events that change what the lists show, beyond the engine's own (sidebar.js).
        "reload_on": " ".join(kinds.list_events()),
        "user": request.user,
        "request": request,
        # An inclusion tag's context has no context processors' values: the page's, passed on.
        "full_member": context.get("full_member", False),
        "team_member": context.get("team_member", False),
    }
