"""Channel-layer group names and the one way to broadcast: after the transaction commits."""

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def desk_group() -> str:
    """The sockets of every agent and admin: "a ticket changed" pings for their inbox, which
    then reloads its list through the page (so each person sees only what they may)."""
    return "desk"


def access_group(user_id: int) -> str:
    """Every socket of one person, whatever page it serves: revocation closes them all."""
    return f"access.user.{user_id}"


def session_group(session_key: str) -> str:
    """Every socket of one browser session (logging out closes them). Hashed: a group name
    lands in Redis keys, and a session key is a credential."""
    return "access.session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def frame_encode(frame: Mapping[str, Any]) -> str:
    """A socket frame's text: compact JSON, encoded by orjson (several times json's speed)."""
    return orjson.dumps(frame).decode()


def event(group: str, event_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The channel-layer event: the group it is for (core.fanout routes by it), the payload for
    handlers that look inside, and the socket frame, encoded once for every member."""
    frame = frame_encode({"type": event_type, **payload})
    return {"type": event_type, "group": group, "payload": dict(payload), "frame": frame}


# A broadcast waits at most this long for the channel layer, and after a failure the next
# ones are skipped for SKIP_AFTER_FAILURE seconds instead of each waiting in turn: during a
# Redis stall the threads that store messages and presence must not queue behind it. What is
# skipped is stored; the fan-out hubs notice the outage and close their sockets, and clients
# catch up with ``sync`` (core/fanout.py).
BROADCAST_TIMEOUT = 2.0
SKIP_AFTER_FAILURE = 3.0
_failed_at = 0.0


async def broadcast_async(
    groups: Iterable[str], event_type: str, payload: Mapping[str, Any]
) -> None:
    """Send now, from the event loop. A layer failure is logged, never raised: the data is
    already stored and clients catch up with a ``sync`` frame when they reconnect."""
    global _failed_at
    layer = get_channel_layer()
    if layer is None:
        return
    if time.monotonic() - _failed_at < SKIP_AFTER_FAILURE:
        logger.warning("broadcast of %s skipped: the channel layer failed just now", event_type)
        return
    try:
        for group in groups:
            await asyncio.wait_for(
                layer.group_send(group, event(group, event_type, payload)), BROADCAST_TIMEOUT
            )
    except Exception as exc:
        _failed_at = time.monotonic()
        logger.warning("broadcast of %s failed: %r", event_type, exc)


def broadcast(groups: Iterable[str], event_type: str, payload: Mapping[str, Any]) -> None:
    """``broadcast_async`` from synchronous code (a view, a service in a worker thread)."""
    if get_channel_layer() is not None:
        async_to_sync(broadcast_async)(list(groups), event_type, payload)


def broadcast_on_commit(
    groups: str | Iterable[str], event_type: str, payload: Mapping[str, Any]
) -> None:
    """Queue a broadcast for when the current transaction commits (never for a rollback)."""
    targets = [groups] if isinstance(groups, str) else list(groups)
    transaction.on_commit(lambda: broadcast(targets, event_type, payload), robust=True)
