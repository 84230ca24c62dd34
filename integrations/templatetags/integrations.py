"""``{% integrations_panel room %}``: the Integrations panel of a room's edit page (rooms'
template includes it with that one line; the panel's forms post to integrations' views)."""

from collections.abc import Iterable
from typing import Any

from django import template

from accounts.models import User
from integrations import selectors
from integrations.models import OutgoingWebhook, WebhookDelivery
from integrations.services.outgoing import MESSAGE_EVENTS
from rooms.models import Conversation

register = template.Library()

DELIVERIES_SHOWN = 5


def hook_rows(hooks: Iterable[OutgoingWebhook], *, user: User) -> list[dict[str, Any]]:
    rows = []
    for hook in hooks:
        recent = list(
            WebhookDelivery.objects.filter(webhook=hook).order_by("-id")[:DELIVERIES_SHOWN]
        )
        rows.append({"hook": hook, "deliveries": list(recent), "mine": hook.owner_id == user.pk})
    return rows


@register.inclusion_tag("integrations/_room_panel.html", takes_context=True)
def integrations_panel(context: dict[str, Any], room: Conversation) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "room": room,
        "incoming": list(selectors.incoming_for_room(room=room)) if not user.is_guest else [],
        "rows": hook_rows(selectors.outgoing_for_room(room=room), user=user),
        "events": [(v, label) for v, label in OutgoingWebhook.Event.choices if v in MESSAGE_EVENTS],
        "may": not user.is_guest and not user.is_bot,
    }
