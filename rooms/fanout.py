"""Per-process fan-out: one channel-layer subscription per group per server process.

With a consumer per socket in every group, channels-redis does one Redis write, one Redis read,
one message decode and one handler call *per member* for every broadcast (docs/performance.md
measured about 240 µs of CPU per delivery). Here the process joins each group once, with a
channel of its own, and a single reader hands every event to that process's sockets: one Redis
write per process and one decode per process, and the frame text comes ready-made in the event
(``rooms.events.broadcast`` encodes it once), so a delivery is one socket write.

Consumers call ``join``/``leave``; the layer still decides which processes hear a group, so any
number of server processes share Redis as before (README, "Growing past one machine").
"""

import asyncio
import contextlib
import logging
import weakref
from typing import Any, Protocol

from channels.consumer import get_handler_name
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

# channels-redis forgets a group member after ``group_expiry`` (a day by default); the process
# channel re-adds itself to its groups well before that.
REFRESH_SECONDS = 600.0


class Member(Protocol):
    async def fanout_failed(self) -> None: ...


class Hub:
    """The groups this process listens to, and its sockets in each."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.members: dict[str, set[Member]] = {}
        self.reader: asyncio.Task | None = None
        self.keeper: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    async def join(self, group: str, member: Member) -> None:
        async with self.lock:
            if self.channel is None:
                # The layer's own kind of process channel: channels-redis reads all of a
                # process's channels through one Redis list and one lock.
                self.channel = await self.layer.new_channel()
                self.reader = asyncio.create_task(self._read(self.channel))
                self.keeper = asyncio.create_task(self._keep_fresh(self.channel))
            local = self.members.setdefault(group, set())
            if not local:
                try:
                    await self.layer.group_add(group, self.channel)
                except BaseException:
                    del self.members[group]
                    raise
            local.add(member)

    async def leave(self, group: str, member: Member) -> None:
        async with self.lock:
            local = self.members.get(group)
            if local is None or member not in local:
                return
            local.discard(member)
            if not local:
                del self.members[group]
                try:
                    await self.layer.group_discard(group, self.channel)
                except Exception:  # the layer is away; its group entry expires by itself
                    logger.warning("fan-out: could not leave %s", group, exc_info=True)
            if not self.members:
                self._stop()

    async def _keep_fresh(self, channel: str) -> None:
        """Re-add the process channel to its groups, whether or not sockets come and go."""
        while self.channel == channel:
            await asyncio.sleep(REFRESH_SECONDS)
            async with self.lock:
                if self.channel != channel:
                    return
                try:
                    for group in self.members:
                        await self.layer.group_add(group, channel)
                except Exception:  # the reader notices a lasting outage and closes the sockets
                    logger.warning("fan-out: could not refresh the groups", exc_info=True)

    def _stop(self) -> None:
        tasks = (self.reader, self.keeper)
        self.reader = self.keeper = self.channel = None
        # A handler run by the reader may be the one leaving (a removed member): the reader
        # then finishes that delivery and stops by itself instead of cancelling it half-way.
        for task in tasks:
            if task is not None and task is not asyncio.current_task():
                task.cancel()

    async def _read(self, channel: str) -> None:
        while self.channel == channel:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("fan-out: the channel layer failed; closing local sockets")
                await self._fail(channel)
                return
            for member in list(self.members.get(event.get("group", ""), ())):
                handler = getattr(member, get_handler_name(event), None)
                if handler is None:
                    continue
                try:
                    await handler(event)
                except Exception:  # one broken socket must not stop the others' deliveries
                    logger.exception("fan-out: delivery of %s failed", event.get("type"))

    async def _fail(self, channel: str) -> None:
        """The layer is gone (Redis stopped): every local socket closes, clients reconnect and
        catch up with ``sync`` once the layer is back. Nothing is delivered half-way."""
        async with self.lock:
            if self.channel != channel:
                return
            members = {m for local in self.members.values() for m in local}
            self.members.clear()
            self._stop()
        for member in members:
            with contextlib.suppress(Exception):
                await member.fanout_failed()


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process's hub (one per event loop: test runners start several loops)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub(get_channel_layer())
    return found
