"""``{% sidebar %}``: the conversation list beside every conversation page (its data from
dashboard.selectors; sidebar.js keeps it live)."""

from typing import Any

from django import template

from dashboard import selectors

register = template.Library()


@register.inclusion_tag("_sidebar.html", takes_context=True)
def sidebar(context: template.Context, current: int | None = None) -> dict[str, Any]:
    request = context["request"]
    return {
        **selectors.sidebar_for(user=request.user),
        "current": current,
        "user": request.user,
        "request": request,
    }
