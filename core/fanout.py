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
import atexit
import logging
import os
import threading
import time
import uuid
import weakref
from typing import Any, Protocol

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
# A handshake is accepted only once the layer has carried a probe that this hub sent after the
# socket's groups were joined, and is refused when none comes back within ANSWER_TIMEOUT: a
# stalled Redis still takes SUBSCRIBE commands into its socket buffer, so joining a group
# proves nothing by itself, and neither does a beat heard before the join (Redis may have
# stalled since). A probe costs one round trip to Redis; handshakes waiting together share it.
ANSWER_TIMEOUT = 3.0
# The most a handshake waits for its groups and that answer before it is refused (4013).
HANDSHAKE_TIMEOUT = 5.0
# Every hub listens here for "broadcasts failed" notices from the other processes.
HUBS_GROUP = "uchat-hubs"
# This process in those notices: it has closed its own sockets already.
ORIGIN = uuid.uuid4().hex
# Past this many failed groups a notice names none, and every hub closes all its sockets.
RESYNC_MAX_GROUPS = 500
# A process that failed a broadcast sends the notice from a thread of its own until the layer
# takes it, whether or not it has a hub or broadcasts again: at once, then after
# RESYNC_RETRY_SECONDS, doubling up to RESYNC_RETRY_MAX, for RESYNC_RETRY_FOR at most. At exit
# it waits up to RESYNC_EXIT_SECONDS for it (a one-shot command ends right after a failure).
RESYNC_RETRY_SECONDS = 0.5
RESYNC_RETRY_MAX = 2.0
RESYNC_RETRY_FOR = 600.0
RESYNC_EXIT_SECONDS = 5.0


class LayerUnavailable(Exception):
    """The channel layer did not answer in time."""


class Member(Protocol):
    """A socket in the hub's groups. The hub hands it an event of type ``a.b`` through its
    method ``event_a_b`` when it has one, else through ``event_default``: only methods that
    declare themselves handlers by that prefix, so an event whose type names another method
    (``close``, ``leave_group``) never calls it."""

    async def fanout_failed(self) -> None: ...


HANDLER_PREFIX = "event_"


def handler_for(member: Member, event: dict[str, Any]) -> Any:
    """The member's handler for ``event`` (see Member), or None when it takes no events."""
    kind = event.get("type")
    if isinstance(kind, str) and kind:
        handler = getattr(member, HANDLER_PREFIX + kind.replace(".", "_"), None)
        if handler is not None:
            return handler
    return getattr(member, HANDLER_PREFIX + "default", None)


class Resync:
    """Groups whose broadcasts failed in this process, not yet told to the other processes.

    The sockets of this process hear of a failure at once (``broadcast_failed``); those of the
    others, whose beats may never have stopped (a stall shorter than the read timeout, or a
    partition that cut off only the failing process), hear it once the layer takes the notice:
    a thread of the failing process retries it in the background (``_retry``), and the next
    broadcast or hub beat of that process sends it too. Each hub closes its sockets in the
    named groups (4011), and pages ``sync``. A process killed before Redis answers takes its
    notice with it (an orderly exit waits RESYNC_EXIT_SECONDS for it).
    """

    def __init__(self) -> None:
        self.groups: set[str] = set()
        self.sending = 0  # notices on their way (their groups are out of ``groups``)
        self.lock = threading.Lock()  # the event loops of several threads fail broadcasts
        self.wake = threading.Event()
        self.retrier: threading.Thread | None = None
        self.hooked = False

    def add(self, groups: list[str]) -> None:
        with self.lock:
            self.groups.update(groups)
            self._start_retrier()
            if not self.hooked:
                self.hooked = True
                atexit.register(self._flush_at_exit)

    def _start_retrier(self) -> None:
        """Call holding the lock."""
        if self.retrier is None or not self.retrier.is_alive():
            self.wake.clear()
            self.retrier = threading.Thread(target=self._retry, name="uchat-resync", daemon=True)
            self.retrier.start()

    def pending(self) -> bool:
        with self.lock:
            return bool(self.groups) or self.sending > 0

    async def send(self, layer: Any) -> None:
        """Send the notice, if any; raises when the layer does not take it (kept for later)."""
        with self.lock:
            groups, self.groups = self.groups, set()
            if not groups:
                return
            self.sending += 1
        named = sorted(groups) if len(groups) <= RESYNC_MAX_GROUPS else None
        notice = {"type": "hub.resync", "origin": ORIGIN, "groups": named}
        try:
            await asyncio.wait_for(layer.group_send(HUBS_GROUP, notice), ANSWER_TIMEOUT)
        except BaseException:
            with self.lock:
                self.groups |= groups
            raise
        finally:
            with self.lock:
                self.sending -= 1

    def _retry(self) -> None:
        """Until the notice is taken or RESYNC_RETRY_FOR has passed. One event loop for the
        thread's life: the layer keeps a connection per loop, and closing the loop frees it."""
        deadline = time.monotonic() + RESYNC_RETRY_FOR
        pause = RESYNC_RETRY_SECONDS
        loop = asyncio.new_event_loop()
        try:
            while True:
                with self.lock:  # decided under the lock: ``add`` starts a thread if none runs
                    if not self.groups and not self.sending:
                        self.retrier = None
                        return
                    ready = bool(self.groups)  # else a hub's beat is sending them
                if ready:
                    try:
                        loop.run_until_complete(self.send(get_channel_layer()))
                    except Exception as exc:
                        logger.info("fan-out: the resync notice waits for the layer (%r)", exc)
                    else:
                        continue
                if time.monotonic() + pause > deadline:
                    with self.lock:
                        self.retrier = None
                    logger.warning(
                        "fan-out: gave up retrying a resync notice after %.0f s; the next "
                        "broadcast or beat of this process sends it",
                        RESYNC_RETRY_FOR,
                    )
                    return
                if self.wake.wait(pause):  # exiting: once at once, then the pauses again
                    self.wake.clear()
                pause = min(pause * 2, RESYNC_RETRY_MAX)
        finally:
            loop.close()

    def _flush_at_exit(self) -> None:
        if not self.pending():
            return
        with self.lock:
            self._start_retrier()  # again, if it gave up
            retrier = self.retrier
        self.wake.set()  # retry now rather than after the pause
        if retrier is not None:
            retrier.join(RESYNC_EXIT_SECONDS)
        if self.pending():
            logger.warning("fan-out: exiting with a resync notice the layer did not take")

    def forked(self) -> None:
        """In a forked child (Celery's pool): the parent's thread and lock stay behind."""
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.retrier = None
        self.groups = set()  # the parent sends them
        self.sending = 0


resync = Resync()
os.register_at_fork(after_in_child=resync.forked)


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
        self.heard_at = 0.0  # when the reader last saw a beat or a probe
        # Handshakes waiting for a probe (``answering``), each with the number it needs: a
        # probe numbered that or higher was sent after its groups were joined.
        self.waiters: dict[asyncio.Future[None], int] = {}
        self.probes_asked = self.probes_sent = self.probes_heard = 0
        self.prober: asyncio.Task | None = None
        # The pub/sub layer forgets a channel whose reader was cancelled: a new one is made for
        # the next reader. The list layer keeps it (no forgotten channel stays in Redis' groups
        # collecting broadcasts that nobody reads).
        self.channel_per_reader = isinstance(layer, RedisPubSubChannelLayer)
        self.to_discard: set[tuple[str, str]] = set()  # (group, channel) left, not yet told

    async def join(self, group: str, member: Member) -> None:
        await self.join_many([group], member)

    async def join_many(self, groups: list[str], member: Member) -> None:
        """Join ``member`` to ``groups`` under one hold of the lock, the Redis subscriptions of
        the groups new to this process sent side by side (a ``presence.watch`` joins up to
        hundreds at once): one round trip's wait, not one per group. On failure the groups this
        call opened are closed again."""
        if not groups:
            return
        async with self.lock:
            if self.channel is None:
                # The layer's own kind of process channel: channels-redis reads all of a
                # process's channels through one Redis list and one lock.
                self.channel = await self.layer.new_channel()
            channel = self.channel
            if self.reader is None:
                self.beat_group = f"uchat-hub.{uuid.uuid4().hex}"
                self.to_discard.discard((HUBS_GROUP, channel))
                await self.layer.group_add(self.beat_group, channel)
                await self.layer.group_add(HUBS_GROUP, channel)
                self.last_beat = time.monotonic()
                self.heard_at = 0.0
                self.beats_sent = self.beats_seen = 0
                self.probes_asked = self.probes_sent = self.probes_heard = 0
                self.reader = asyncio.create_task(self._read(channel))
                self.keeper = asyncio.create_task(self._keep_fresh(channel))
            groups = list(dict.fromkeys(groups))
            fresh = [g for g in groups if not self.members.get(g)]
            for group in groups:
                self.to_discard.discard((group, channel))
            try:
                await asyncio.gather(*(self.layer.group_add(g, channel) for g in fresh))
            except BaseException:
                for group in fresh:  # some may have been added: the keeper leaves them
                    self.members.pop(group, None)
                    self.to_discard.add((group, channel))
                if not self.members:
                    self._stop()
                raise
            for group in groups:
                self.members.setdefault(group, set()).add(member)

    async def answering(self) -> None:
        """Return once the layer has carried a probe sent after the caller's ``join``s (Redis
        took the subscriptions and answers); raise LayerUnavailable when none comes back
        within ANSWER_TIMEOUT (a handshake is then refused)."""
        if self.reader is None:
            raise LayerUnavailable("the hub is not listening")
        # A probe already on its way may have left before the joins reached Redis.
        need = self.probes_sent + 1
        self.probes_asked = need
        if self.prober is None or self.prober.done():
            self.prober = asyncio.create_task(self._probe())
        waiter = asyncio.get_running_loop().create_future()
        self.waiters[waiter] = need
        try:
            await asyncio.wait_for(waiter, ANSWER_TIMEOUT)
        except TimeoutError as exc:
            raise LayerUnavailable(f"no answer for {ANSWER_TIMEOUT:.0f} s") from exc
        finally:
            self.waiters.pop(waiter, None)

    async def _probe(self) -> None:
        """Send probes through the layer to this hub's own channel until every waiting
        handshake has one sent after it asked: one in flight serves everyone who asked before
        it left, so a burst of handshakes costs two round trips, not one each."""
        while self.reader is not None and self.probes_sent < self.probes_asked:
            number = self.probes_sent = self.probes_asked
            probe = {"type": "hub.probe", "group": self.beat_group, "n": number}
            sent = self.layer.group_send(self.beat_group, probe)
            try:
                await asyncio.wait_for(sent, ANSWER_TIMEOUT)
            except Exception as exc:  # its handshakes time out and are refused
                logger.info("fan-out: a probe failed (%r)", exc)

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
                self.to_discard.update({(self.beat_group, channel), (HUBS_GROUP, channel)})
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
        first = True
        while True:
            # The first beat goes at once: ``answered_since`` counts on a hub hearing it.
            if not first:
                await asyncio.sleep(BEAT_SECONDS)
            first = False
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
            try:
                await resync.send(self.layer)
            except Exception as exc:  # kept for the next beat; a lasting outage stops the beats
                logger.warning("fan-out: could not send a resync notice (%r)", exc)
            if self.to_discard:
                await self._discard_left_groups()
            if time.monotonic() - refreshed < REFRESH_SECONDS:
                continue
            refreshed = time.monotonic()
            async with self.lock:
                try:
                    for group in [self.beat_group, HUBS_GROUP, *self.members]:
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
        tasks = [t for t in (self.reader, self.keeper, self.prober) if t is not None]
        self.reader = self.keeper = self.prober = None
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_exception(LayerUnavailable("the hub stopped listening"))
        self.waiters.clear()
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
                self.last_beat = self.heard_at = time.monotonic()
                continue
            if event.get("type") == "hub.probe":
                if event.get("group") == self.beat_group:
                    self.heard_at = time.monotonic()
                    self.probes_heard = max(self.probes_heard, event.get("n", 0))
                    for waiter, need in list(self.waiters.items()):
                        if need <= self.probes_heard and not waiter.done():
                            waiter.set_result(None)
                continue
            if event.get("type") == "hub.resync":
                if event.get("origin") != ORIGIN:  # this process closed its own already
                    groups = event.get("groups")
                    await self.drop(None if groups is None else set(groups))
                continue
            for member in list(self.members.get(event.get("group", ""), ())):
                handler = handler_for(member, event)
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
                for group in [self.beat_group, HUBS_GROUP, *self.members]:
                    self.to_discard.add((group, self.channel))
            self.members.clear()
            self._stop()
        for member in members:
            try:
                await member.fanout_failed()
            except Exception:
                logger.exception("fan-out: could not close a socket")

    async def drop(self, groups: set[str] | None) -> None:
        """Broadcasts to ``groups`` (None: any) failed: close every socket in them, so their
        clients reconnect and ``sync``.

        No time from the notice is compared with when a socket joined: the failing process's
        clock may be another machine's. Every socket in the groups when the notice arrives
        closes: one that joined before the failure may have missed the broadcast, and one that
        joined after it (between Redis' return and the notice) only reconnects once more than
        it needed. A socket that joins after the notice arrived was accepted after a probe
        went through (``answering``), so its ``sync`` reads what the failed broadcast was for.
        """
        async with self.lock:
            dropped = (
                {m for local in self.members.values() for m in local}
                if groups is None
                else {m for group in groups for m in self.members.get(group, ())}
            )
            if not dropped:
                return
            for group, local in list(self.members.items()):
                local -= dropped
                if not local:
                    del self.members[group]
                    if self.channel is not None:
                        self.to_discard.add((group, self.channel))
            if not self.members:
                if self.channel is not None:
                    self.to_discard.update(
                        {(self.beat_group, self.channel), (HUBS_GROUP, self.channel)}
                    )
                self._stop()
        for member in dropped:
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


def answered_since(moment: float) -> bool:
    """Whether a hub of this process heard its beat after ``moment`` (time.monotonic()): the
    layer carries broadcasts again."""
    return any(found.heard_at > moment for found in list(_hubs.values()))


def hub_hears() -> bool:
    """False while this process's hub listens but has not heard its own beat for BEAT_TIMEOUT
    (it is about to close its sockets); True when it hears, or has nobody to listen for."""
    found = _hubs.get(asyncio.get_running_loop())
    if found is None or found.reader is None:
        return True
    return time.monotonic() - found.last_beat < BEAT_TIMEOUT


_dropping: set["asyncio.Future[None]"] = set()


def broadcast_failed(groups: list[str]) -> None:
    """A broadcast to ``groups`` failed or was skipped (call from the event loop that tried):
    this process's sockets in them close at once (4011), and the other processes are told once
    the layer answers again (``resync``)."""
    resync.add(groups)
    current = asyncio.get_running_loop()
    for loop, found in list(_hubs.items()):
        if not loop.is_running():  # a finished test's loop: its sockets are gone
            continue
        task: asyncio.Future[None]
        if loop is current:
            task = loop.create_task(found.drop(set(groups)))
        else:  # a hub of another thread's loop (tests, async_to_sync from a worker)
            task = asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(found.drop(set(groups)), loop)
            )
        _dropping.add(task)
        task.add_done_callback(_dropping.discard)
