"""Per-process fan-out: one channel-layer subscription per group per server process.

With a consumer per socket in every group, channels-redis does one Redis write, one Redis read,
one message decode and one handler call *per member* for every broadcast (docs/performance.md
measured about 240 µs of CPU per delivery). Here the process joins each group once, with a
channel of its own, and a single reader hands every event to that process's sockets: one Redis
write per process and one decode per process, and the frame text comes ready-made in the event
(``core.events.broadcast`` encodes it once), so a delivery is one socket write.

Consumers call ``join``/``leave``; the layer still decides which processes hear a group, so any
number of server processes share Redis as before (README, "Growing past one machine").
"""

import asyncio
import logging
import time
import uuid
import weakref
from typing import Any, Protocol

from channels.consumer import get_handler_name
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

logger = logging.getLogger(__name__)

# channels-redis forgets a group member after ``group_expiry`` (a day by default); the process
# channel re-adds itself to its groups well before that.
REFRESH_SECONDS = 600.0
# The hub sends itself a numbered beat through the layer every BEAT_SECONDS (group_send to a
# group of its own, read back by its reader). A beat that is missing (a gap in the numbers) or
# late by BEAT_TIMEOUT means the path from a broadcast to this process broke: Redis stalled,
# partitioned, or restarted (which forgets every group, and every pub/sub message published
# meanwhile). redis-py reconnects and re-subscribes quietly, so no error would say so.
BEAT_SECONDS = 1.0
BEAT_TIMEOUT = 15.0


class Member(Protocol):
    async def fanout_failed(self) -> None: ...


class Hub:
    """The groups this process listens to, and its sockets in each.

    The process channel is made once and kept for the hub's life: after a channel-layer
    failure the same channel joins the groups again, so no forgotten channel stays in Redis'
    groups collecting broadcasts that nobody reads.
    """

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.members: dict[str, set[Member]] = {}
        self.reader: asyncio.Task | None = None
        self.keeper: asyncio.Task | None = None
        self.lock = asyncio.Lock()
        self.beat_group = ""
        self.last_beat = 0.0
        self.beats_sent = self.beats_seen = 0
        # The pub/sub layer forgets a channel whose reader was cancelled: a new one is made for
        # the next reader. The list layer keeps it (no forgotten channel stays in Redis' groups
        # collecting broadcasts that nobody reads).
        self.channel_per_reader = isinstance(layer, RedisPubSubChannelLayer)
        self.to_discard: set[tuple[str, str]] = set()  # (group, channel) left, not yet told

    async def join(self, group: str, member: Member) -> None:
        async with self.lock:
            if self.channel is None:
                # The layer's own kind of process channel: channels-redis reads all of a
                # process's channels through one Redis list and one lock.
                self.channel = await self.layer.new_channel()
            if self.reader is None:
                self.beat_group = f"uchat-hub.{uuid.uuid4().hex}"
                await self.layer.group_add(self.beat_group, self.channel)
                self.last_beat = time.monotonic()
                self.beats_sent = self.beats_seen = 0
                self.reader = asyncio.create_task(self._read(self.channel))
                self.keeper = asyncio.create_task(self._keep_fresh(self.channel))
            local = self.members.setdefault(group, set())
            self.to_discard.discard((group, self.channel))
            if not local:
                try:
                    await self.layer.group_add(group, self.channel)
                except BaseException:
                    del self.members[group]
                    if not self.members:
                        self._stop()
                    raise
            local.add(member)

    async def leave(self, group: str, member: Member) -> None:
        async with self.lock:
            local = self.members.get(group)
            channel = self.channel
            if local is None or member not in local or channel is None:
                return
            local.discard(member)
            if not local:
                del self.members[group]
                # Left in the background (the keeper, under this lock): a disconnect never
                # waits on Redis, which during a stall would outlast the server's time limit
                # for disconnect() and skip the rest of it (Presence rows left behind).
                self.to_discard.add((group, channel))
            if not self.members:
                self.to_discard.add((self.beat_group, channel))
                # Let the reader and keeper finish cancelling: a test's event loop may end
                # right after, and a receive left pending would hold the layer's loop-bound
                # receive lock for the next loop.
                stopped = self._stop()
                if stopped:  # bounded: a disconnect must never hang on it
                    await asyncio.wait(stopped, timeout=1.0)

    async def _keep_fresh(self, channel: str) -> None:
        """Beat, and re-add the process channel to its groups whether or not sockets come and
        go. A lost beat closes every local socket (``_fail``)."""
        refreshed = time.monotonic()
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            if time.monotonic() - self.last_beat > BEAT_TIMEOUT:
                logger.warning("fan-out: no beat for %.0f s; closing local sockets", BEAT_TIMEOUT)
                await self._fail()
                return
            try:
                self.beats_sent += 1
                beat = {"type": "hub.beat", "group": self.beat_group, "n": self.beats_sent}
                await asyncio.wait_for(self.layer.group_send(self.beat_group, beat), BEAT_TIMEOUT)
            except Exception as exc:
                logger.warning("fan-out: beat failed (%r); closing local sockets", exc)
                await self._fail()
                return
            if self.to_discard:
                await self._discard_left_groups()
            if time.monotonic() - refreshed < REFRESH_SECONDS:
                continue
            refreshed = time.monotonic()
            async with self.lock:
                try:
                    for group in [self.beat_group, *self.members]:
                        await self.layer.group_add(group, channel)
                except Exception:  # a lasting outage stops the beat and closes the sockets
                    logger.warning("fan-out: could not refresh the groups", exc_info=True)

    async def _discard_left_groups(self) -> None:
        async with self.lock:
            for group, channel in list(self.to_discard):
                try:
                    await self.layer.group_discard(group, channel)
                except Exception:  # the layer is away; its group entry expires by itself
                    logger.warning("fan-out: could not leave %s", group, exc_info=True)
                    return
                self.to_discard.discard((group, channel))

    def _stop(self) -> list[asyncio.Task]:
        """Stop reading (nobody is left to hear). With the list layer the channel name stays
        for the next join. Returns the tasks cancelled."""
        tasks = [t for t in (self.reader, self.keeper) if t is not None]
        self.reader = self.keeper = None
        if self.channel_per_reader:
            self.channel = None
        # A handler run by the reader may be the one leaving (a removed member): the reader
        # then finishes that delivery and stops by itself instead of cancelling it half-way.
        cancelled = [t for t in tasks if t is not asyncio.current_task()]
        for task in cancelled:
            task.cancel()
        return cancelled

    async def _read(self, channel: str) -> None:
        while self.reader is asyncio.current_task():
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("fan-out: the channel layer failed (%r); closing local sockets", exc)
                await self._fail()
                return
            if event.get("type") == "hub.beat":
                if event.get("group") != self.beat_group:
                    continue  # an earlier reader's
                if event.get("n") != self.beats_seen + 1:
                    logger.warning("fan-out: a beat was lost; closing local sockets")
                    await self._fail()
                    return
                self.beats_seen += 1
                self.last_beat = time.monotonic()
                continue
            for member in list(self.members.get(event.get("group", ""), ())):
                handler = getattr(member, get_handler_name(event), None)
                if handler is None:
                    continue
                try:
                    await handler(event)
                except Exception as exc:  # a socket closing meanwhile; the others still get it
                    logger.info("fan-out: delivery of %s failed: %r", event.get("type"), exc)

    async def _fail(self) -> None:
        """The layer failed under the reader (Redis stopped, stalled or restarted): broadcasts
        may have been lost, so every local socket closes; clients reconnect (joining the groups
        again) and catch up with ``sync``. Nothing is delivered half-way."""
        async with self.lock:
            members = {m for local in self.members.values() for m in local}
            if self.channel is not None:  # the next keeper leaves them
                for group in [self.beat_group, *self.members]:
                    self.to_discard.add((group, self.channel))
            self.members.clear()
            self._stop()
        for member in members:
            try:
                await member.fanout_failed()
            except Exception:
                logger.exception("fan-out: could not close a socket")


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process's hub (one per event loop: test runners start several loops)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub(get_channel_layer())
    return found


def hub_hears() -> bool:
    """False while this process's hub listens but has not heard its own beat for BEAT_TIMEOUT
    (it is about to close its sockets); True when it hears, or has nobody to listen for."""
    found = _hubs.get(asyncio.get_running_loop())
    if found is None or found.reader is None:
        return True
    return time.monotonic() - found.last_beat < BEAT_TIMEOUT
