"""Channel-layer group names and the one way to broadcast: after the transaction commits."""

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def event(group: str, event_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The channel-layer event: the group it is for (rooms.fanout routes by it), the payload for
    handlers that look inside, and the socket frame, encoded once for every member."""
    frame = json.dumps({"type": event_type, **payload}, separators=(",", ":"))
    return {"type": event_type, "group": group, "payload": dict(payload), "frame": frame}


def broadcast(groups: Iterable[str], event_type: str, payload: Mapping[str, Any]) -> None:
    """Send now. A layer failure is logged, never raised: the data is already stored and
    clients catch up with a ``sync`` frame when they reconnect."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, event(group, event_type, payload))
        except Exception:
            logger.exception("broadcast of %s to %s failed", event_type, group)


def broadcast_on_commit(
    groups: str | Iterable[str], event_type: str, payload: Mapping[str, Any]
) -> None:
    """Queue a broadcast for when the current transaction commits (never for a rollback)."""
    targets = [groups] if isinstance(groups, str) else list(groups)
    transaction.on_commit(lambda: broadcast(targets, event_type, payload))
