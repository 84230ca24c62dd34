"""What the widget plugs into the layers below it (registered in WidgetConfig.ready())."""

import re
from typing import Any

from accounts.models import User
from rooms.models import Conversation
from widget import services
from widget.models import Visitor

_ROOM_PATH = re.compile(r"^/ws/rooms/(\d+)/$")


def socket_user(token: str, path: str) -> User | None:
    """core.ws_auth: ``?widget=<token>`` authenticates its visitor, for the socket of their
    own ticket's conversation only (not ``/ws/me/`` nor any other)."""
    found = _ROOM_PATH.match(path)
    visitor = services.visitor_for_token(widget_key=None, token=token)
    if found is None or visitor is None or visitor.ticket is None:
        return None
    if int(found.group(1)) != visitor.ticket.conversation_id:
        return None
    return visitor.user


def message_check(*, conversation: Conversation, sender: User) -> None:
    """rooms.hooks.message_checks (ticket conversations): a visitor's messages count against
    the widget's limits. Staff and agents are never visitors: no query for them."""
    if sender.is_staff or sender.is_agent:
        return
    visitor = Visitor.objects.filter(user=sender).only("pk", "widget_id").first()
    if visitor is not None:
        services.visitor_message_check(visitor=visitor)


def email_confirmed(request: Any, email_address: Any, **kwargs: Any) -> None:
    """allauth: an address was confirmed; the widget chats that gave it become its owner's."""
    services.visitor_tickets_claim(user=email_address.user, email=email_address.email)
