"""Channel-layer group names and the one way to broadcast: after the transaction commits."""

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

import orjson
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db import transaction

from core import fanout

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def presence_group(user_id: int) -> str:
    """The sockets watching one person's presence (a ``presence.watch`` frame joins it)."""
    return f"presence.{user_id}"


def access_group(user_id: int) -> str:
    """Every socket of one person, whatever page it serves: revocation closes them all."""
    return f"access.user.{user_id}"


def session_group(session_key: str) -> str:
    """Every socket of one browser session (logging out closes them). Hashed: a group name
    lands in Redis keys, and a session key is a credential."""
    return "access.session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def token_group(token_id: int) -> str:
    """Every socket opened with one personal API token: deleting the token closes them."""
    return f"access.token.{token_id}"


def frame_encode(frame: Mapping[str, Any]) -> str:
    """A socket frame's text: compact JSON, encoded by orjson (several times json's speed)."""
    return orjson.dumps(frame).decode()


class LayerEvent(TypedDict):
    """A channel-layer event: ``type`` is the frame's (rooms/frames.py lists them)."""

    type: str
    group: str
    payload: dict[str, Any]
    frame: str


def event(group: str, event_type: str, payload: Mapping[str, Any]) -> LayerEvent:
    """The channel-layer event: the group it is for (core.fanout routes by it), the payload for
    handlers that look inside, and the socket frame, encoded once for every member."""
    frame = frame_encode({"type": event_type, **payload})
    return {"type": event_type, "group": group, "payload": dict(payload), "frame": frame}


# A broadcast waits at most this long for the channel layer, and after a failure the next
# ones are skipped for SKIP_AFTER_FAILURE seconds (or until a hub hears its beat again) instead
# of each waiting in turn: during a Redis stall the threads that store messages and presence
# must not queue behind it. What is skipped is stored; the sockets in the groups it was for
# are closed (4011), in this process at once and in the others when the layer answers again,
# and clients catch up with ``sync`` (core/fanout.py).
BROADCAST_TIMEOUT = 2.0
SKIP_AFTER_FAILURE = 3.0
_failed_at = 0.0


async def broadcast_async(
    groups: Iterable[str], event_type: str, payload: Mapping[str, Any]
) -> None:
    """Send now, from the event loop. A layer failure is logged, never raised: the data is
    already stored, and the sockets that missed it are closed so that their clients ``sync``."""
    await broadcast_many_async([(groups, event_type, payload)])


Broadcast = tuple[Iterable[str], str, Mapping[str, Any]]


async def broadcast_many_async(broadcasts: list[Broadcast]) -> None:
    """``broadcast_async`` for several broadcasts, sent in order (a batch of new messages):
    on channels-redis' pub/sub layer one pipelined round trip to Redis for all of them
    (``_publish``), where one ``group_send`` after another waits for each ``PUBLISH``'s
    answer under the layer's lock. If any fails, every group they were for counts as missed."""
    global _failed_at
    layer = get_channel_layer()
    if layer is None or not broadcasts:
        return
    sends = [(g, event(g, kind, payload)) for groups, kind, payload in broadcasts for g in groups]
    targets = list(dict.fromkeys(group for group, _ in sends))
    kinds = ", ".join(sorted({kind for _, kind, _ in broadcasts}))
    failed_lately = time.monotonic() - _failed_at < SKIP_AFTER_FAILURE
    if failed_lately and not fanout.answered_since(_failed_at):
        logger.warning("broadcast of %s skipped: the channel layer failed just now", kinds)
        fanout.broadcast_failed(targets)
        return
    try:
        # Other processes hear of earlier failures before they hear anything newer.
        await fanout.resync.send(layer)
        await asyncio.wait_for(_publish(layer, sends), BROADCAST_TIMEOUT)
    except Exception as exc:
        _failed_at = time.monotonic()
        logger.warning("broadcast of %s failed: %r", kinds, exc)
        fanout.broadcast_failed(targets)


async def _publish(layer: Any, sends: list[tuple[str, LayerEvent]]) -> None:
    """``group_send`` each, in order. On channels-redis' pub/sub layer, several go as one
    pipeline of ``PUBLISH``es per Redis shard, under the shard's lock as its ``group_send``
    takes it (so a group's events keep their order: a group always maps to one shard)."""
    shards = _pubsub_shards(layer) if len(sends) > 1 else None
    if shards is None:
        for group, sent in sends:
            await layer.group_send(group, sent)
        return
    by_shard: dict[int, tuple[Any, list[tuple[str, bytes]]]] = {}
    for group, sent in sends:
        channel = shards._get_group_channel_name(group)
        shard = shards._get_shard(channel)
        by_shard.setdefault(id(shard), (shard, []))[1].append((channel, layer.serialize(sent)))
    for shard, items in by_shard.values():
        async with shard._lock:
            shard._ensure_redis()
            pipe = shard._redis.pipeline(transaction=False)
            for channel, data in items:
                pipe.publish(channel, data)
            await pipe.execute()


def _pubsub_shards(layer: Any) -> Any:
    """The running loop's channels-redis pub/sub layer, whose shards ``_publish`` pipelines
    to; None for any other layer (one ``group_send`` each). Pinned channels-redis 4.3's
    internals; rooms/tests/test_fanout.py fails if they move."""
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    loop_layer = layer._get_layer()
    needed = ("_get_group_channel_name", "_get_shard")
    return loop_layer if all(hasattr(loop_layer, name) for name in needed) else None


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
