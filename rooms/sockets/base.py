"""The base of every socket (protocol: docs/websocket.md): JSON frames in and out, the
handshake's checks and presence row, access revocation, timers, and the channel-layer groups
joined through the process's fan-out hub. Channel-layer events are forwarded by default
(``JsonFrameConsumer.event_default``); a consumer names only the events it filters or acts on,
as ``event_<type>`` methods (``event_member_removed`` for ``member.removed``): the hub calls no
other method for an event, whatever its type."""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from core import events, fanout
from core.db_calls import database_sync_to_async
from core.input_limits import InputRefused, is_id, json_loads_limited
from rooms import frames, services
from rooms.sweeper import sweeper_start

logger = logging.getLogger(__name__)

# Presence writes that must finish even when the socket's task is cancelled (held here so that
# they are not garbage-collected half-way).
_presence_writes: set["asyncio.Task[Any]"] = set()


def _outliving(work: Any) -> "asyncio.Task[Any]":
    task = asyncio.ensure_future(work)
    _presence_writes.add(task)
    task.add_done_callback(_presence_writes.discard)
    return task


CLOSE_FORBIDDEN = 4403  # rejected or removed: the client must not reconnect on its own
# Reconnect and sync: the live path broke under this socket (the channel layer failed), so
# broadcasts may have been missed. Daphne (autobahn) sends only 1000 or 3000-4999 as a
# server's close code: a 1011 raised instead, and the socket stayed open but deaf.
CLOSE_RECONNECT = 4011
CLOSE_TRY_LATER = 4013  # the handshake could not join the groups: retry with back-off
# Access ended (log-out, password change, deactivation, deletion, an expired token): the
# client may reconnect, and the handshake decides with the credentials it has now.
CLOSE_REAUTHENTICATE = 4401
CLOSE_IDLE = 4408  # nothing received for UCHAT_WS_IDLE_SECONDS (pages ping every 30 s)
CLOSE_TOO_MANY = 4429  # the person has UCHAT_WS_MAX_PER_USER sockets open already
# A socket's presence.watch frames: one a second at most (each joins and leaves groups).
WATCH_EVERY = 1.0


class TokenBucket:
    """Per-connection flood limit: ``rate`` frames, refilled evenly over ``window`` seconds."""

    def __init__(self, rate: int, window: float) -> None:
        self.capacity = float(rate)
        self.tokens = float(rate)
        self.refill = rate / window
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.refill)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class JsonFrameConsumer(AsyncWebsocketConsumer):
    """JSON frames in and out. A bad frame gets an error frame; the socket stays open."""

    user: Any = None
    groups_joined: set[str]
    last_watch = -WATCH_EVERY  # time.monotonic() of the last presence.watch taken
    watched: frozenset[str] | set[str] = frozenset()  # the presence groups it watches
    # No channel-layer channel per socket: sockets hear their groups through the process's
    # fan-out hub (core/fanout.py). With one, Channels runs a layer receive() per socket,
    # and a Redis timeout in any of them ends that socket without disconnect() (1011, a
    # Presence row left behind). An alias with no layer configured turns it off.
    channel_layer_alias = "uchat.no-layer-per-socket"

    @property
    def socket_id(self) -> str:
        """This socket's id in Presence rows (unique per socket, across processes)."""
        if not hasattr(self, "_socket_id"):
            # Named after this process too: a dead process's rows go at once (rooms/sweeper.py).
            self._socket_id = services.socket_name(uuid.uuid4().hex)
        return self._socket_id

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its hop to the main thread to close database
        connections before every frame: this consumer reaches the database only through
        database_sync_to_async, which does that in the thread that owns the connection."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        """A frame to a client that left meanwhile is dropped. ASGI servers raise an OSError
        for it (uvicorn's ClientDisconnected); raised out of a handler it would end the
        consumer before its websocket.disconnect, so disconnect() and the presence row's
        removal would never run. The disconnect still follows."""
        with contextlib.suppress(OSError):
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        with contextlib.suppress(OSError):  # already gone: see send()
            await super().close(code=code, reason=reason)

    async def send_json(self, content: Mapping[str, Any]) -> None:
        await self.send(text_data=events.frame_encode(content))

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        error: frames.Error = {"type": frames.ERROR, "code": code, "message": message}
        await self.send_json({**error, **extra})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        self.last_frame = time.monotonic()
        if not self.frame_bucket.take():
            # Every kind of frame counts (read, ping and sync too: each reaches the database).
            await self.send_error("rate_limited", "Too many frames. Slow down.")
            return
        if text_data is None:
            await self.send_error("bad_frame", "Frames must be JSON text, not binary.")
            return
        if len(text_data) > settings.UCHAT_WS_MAX_FRAME:
            await self.send_error("too_large", "The frame is too large.")
            return
        try:
            content = json_loads_limited(text_data)
        except InputRefused as exc:
            await self.send_error("bad_frame", str(exc))
            return
        except ValueError:
            await self.send_error("bad_json", "The frame is not valid JSON.")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("bad_frame", 'A frame is a JSON object with a "type".')
            return
        handler = self.frame_handlers().get(content["type"])
        if handler is None:
            await self.send_error("unknown_type", f"Unknown frame type “{content['type'][:40]}”.")
            return
        try:
            await handler(content)
        except Exception:
            # An outage (database, Redis) must not end the socket without disconnect().
            logger.exception("frame %s failed", content["type"])
            await self.send_error("server_error", "Something went wrong on our side. Try again.")

    def frame_handlers(self) -> dict[str, Any]:
        return {frames.PING: self.on_ping, frames.PRESENCE_WATCH: self.on_presence_watch}

    async def on_ping(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(services.presence_heartbeat)(channel_name=self.socket_id)
        pong: frames.Pong = {"type": frames.PONG}
        await self.send_json(pong)

    async def on_presence_watch(self, content: dict[str, Any]) -> None:
        """``{"type": "presence.watch", "users": [ids]}``: the people whose ``presence`` frames
        this socket gets from now on (replacing those it watched), answered with
        ``presence.state``: which of them are online. Only people who share a conversation with
        the person count; other ids are dropped without a word (whether they exist stays
        unsaid). The groups are joined before the snapshot is read, so no change falls between
        the two (one made meanwhile may reach the client just before the state, which then
        counts it already)."""
        users = content.get("users")
        if not isinstance(users, list) or not all(is_id(u) for u in users):
            await self.send_error(
                "bad_frame", 'presence.watch needs "users", a list of positive integer ids.'
            )
            return
        if len(users) > settings.UCHAT_PRESENCE_WATCH_MAX:
            await self.send_error(
                "too_many",
                f"At most {settings.UCHAT_PRESENCE_WATCH_MAX} people can be watched at once.",
            )
            return
        now = time.monotonic()
        if now - self.last_watch < WATCH_EVERY:
            await self.send_error("rate_limited", "One presence.watch a second at most.")
            return
        self.last_watch = now
        allowed = await database_sync_to_async(services.presence_watchable)(
            user=self.user, user_ids=list(dict.fromkeys(users))
        )
        wanted = {events.presence_group(pk) for pk in allowed}
        watched, self.watched = self.watched, wanted
        for group in watched - wanted:
            await self.leave_group(group)
        try:
            await self.join_groups(sorted(wanted - watched))
        except Exception:
            logger.warning("presence.watch failed: the channel layer is unavailable")
            for group in wanted - watched:  # whatever the hub took of them
                await self.leave_group(group)
            await self.fanout_failed()
            return
        online = await database_sync_to_async(services.presence_online)(user_ids=sorted(allowed))
        state: frames.PresenceState = {"type": frames.PRESENCE_STATE, "online": online}
        await self.send_json(state)

    async def open_socket(self, **asked: Any) -> services.SocketOpened | None:
        """The handshake's checks and the presence row, in one database trip (``asked``: what
        else to look up, see services.socket_open). None when refused (the socket is closed)."""
        if not self.user.is_authenticated:
            await self.close(code=CLOSE_FORBIDDEN)
            return None
        write = _outliving(
            database_sync_to_async(services.socket_open)(
                user=self.user, channel_name=self.socket_id, **asked
            )
        )
        try:
            opened = await asyncio.shield(write)
        except Exception:  # the database is away: the client retries with back-off
            logger.warning("socket refused: its handshake failed", exc_info=True)
            await self.close(code=CLOSE_TRY_LATER)
            return None
        except asyncio.CancelledError:
            # The server gave up on this socket (it closed, and its disconnect waited too long
            # behind a busy database) while the row was being written: the write goes on, so
            # remove the row once it is there, or it would count as a socket for 90 s.
            _outliving(self._presence_undo(write))
            raise
        if opened.refused is not None:
            refused = {services.Refused.TOO_MANY: CLOSE_TOO_MANY}
            await self.close(code=refused.get(opened.refused, CLOSE_FORBIDDEN))
            return None
        self.present = True
        return opened

    async def _presence_undo(self, write: "asyncio.Future[Any]") -> None:
        with contextlib.suppress(Exception):
            await write
        await self._presence_remove()

    async def _presence_remove(self) -> None:
        """Remove this socket's presence row (in the database thread), then, if it was the
        person's last socket, tell their watchers from the event loop: a stalled Redis
        holds up the broadcast, never the database thread that every socket shares."""
        gone = await database_sync_to_async(services.socket_close)(
            user=self.user, channel_name=self.socket_id
        )
        if gone:
            await events.broadcast_async(
                *services.presence_event(user_id=self.user.pk, online=False)
            )

    async def leave_presence(self) -> None:
        self.stop_timers()
        if getattr(self, "present", False):
            self.present = False
            # Shielded: a disconnect cancelled while queued behind other database work must
            # still remove the row.
            await asyncio.shield(_outliving(self._presence_remove()))

    async def open(self, groups: list[str], opened: services.SocketOpened) -> None:
        """Join the groups, accept, start the timers, and tell the person's watchers when this
        is their first socket."""
        try:
            if not await self.join_groups_or_refuse(groups):
                await self.leave_presence()
                return
            await self.accept()
        except BaseException:
            # Cancelled (the server gave up on a handshake stuck behind a stalled Redis), or the
            # client left before the accept: disconnect() may never run, so the presence row
            # written by open_socket goes now, or it would count as a socket for 90 s.
            if getattr(self, "present", False):
                self.present = False
                _outliving(self._presence_remove())
            raise
        self.start_timers()
        sweeper_start()
        if opened.came_online:
            await events.broadcast_async(*services.presence_event(user_id=self.user.pk))

    def start_timers(self) -> None:
        """After accept: the frame limit, the idle timeout, and a token's expiry."""
        loop = asyncio.get_running_loop()
        self.frame_bucket = TokenBucket(
            settings.UCHAT_WS_FRAME_RATE, settings.UCHAT_WS_FRAME_RATE_WINDOW
        )
        self.last_frame = time.monotonic()
        self.timers = [loop.call_later(settings.UCHAT_WS_IDLE_SECONDS, self._idle_check)]
        expires = self.scope.get("token_exp")
        if expires is not None:  # a socket opened with an access token lives no longer
            self.timers.append(
                loop.call_later(
                    max(0.0, expires - time.time()), self._close_soon, CLOSE_REAUTHENTICATE
                )
            )

    def _idle_check(self) -> None:
        quiet = time.monotonic() - self.last_frame
        limit = settings.UCHAT_WS_IDLE_SECONDS
        if quiet >= limit:
            self._close_soon(CLOSE_IDLE)
        else:
            self.timers[0] = asyncio.get_running_loop().call_later(limit - quiet, self._idle_check)

    def _close_soon(self, code: int) -> None:
        self.closing = asyncio.ensure_future(self.close(code=code))

    def stop_timers(self) -> None:
        for timer in getattr(self, "timers", ()):
            timer.cancel()

    def access_groups(self) -> list[str]:
        """Where revocations reach this socket: the person's, and the browser session's."""
        groups = [events.access_group(self.user.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key and self.scope.get("token_exp") is None:
            groups.append(events.session_group(session_key))
        if self.scope.get("api_token"):  # opened with a personal API token: deleting it closes
            groups.append(events.token_group(self.scope["api_token"]))
        return groups

    async def event_access_revoked(self, event: dict[str, Any]) -> None:
        await self.forward(event)
        await self.close(code=CLOSE_REAUTHENTICATE)

    async def join_groups_or_refuse(self, groups: list[str]) -> bool:
        """Join the groups before accepting. Until the channel layer answers (a stalled Redis
        takes a subscription without a word) the handshake is refused, and the client retries
        with back-off, instead of the socket going deaf."""
        groups = [*self.access_groups(), *groups]
        try:
            async with asyncio.timeout(fanout.HANDSHAKE_TIMEOUT):
                # One batch: a dashboard's socket joins every conversation of its person.
                await self.join_groups(groups)
                await fanout.hub().answering()
        except Exception as exc:
            logger.warning("socket refused: the channel layer is unavailable (%r)", exc)
            await self.leave_all_groups()
            await self.close(code=CLOSE_TRY_LATER)
            return False
        return True

    # Groups are joined through this process's fan-out hub (core/fanout.py), not per socket.
    async def join_group(self, group: str) -> None:
        await fanout.hub().join(group, self)
        self.groups_joined.add(group)

    async def join_groups(self, groups: list[str]) -> None:
        """Join several groups at once (the hub's batch form: one lock, subscriptions side by
        side)."""
        # Counted first: a join that fails half-way is undone by leave_all_groups (leaving a
        # group the hub never added this socket to does nothing).
        self.groups_joined.update(groups)
        await fanout.hub().join_many(groups, self)

    async def leave_group(self, group: str) -> None:
        self.groups_joined.discard(group)
        await fanout.hub().leave(group, self)

    async def leave_all_groups(self) -> None:
        for group in list(self.groups_joined):
            await self.leave_group(group)

    async def fanout_failed(self) -> None:
        """The channel layer failed under the hub: close, so the client reconnects and syncs."""
        self.groups_joined.clear()
        await self.close(code=CLOSE_RECONNECT)

    # The frame comes encoded once for every member (core.events.event).
    async def forward(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["frame"])

    # Every event the socket's groups carry reaches its client, unless the consumer has an
    # ``event_<type>`` handler that filters it (core.fanout calls this when it has none).
    event_default = forward
