"""WebSocket consumers (protocol: docs/websocket.md). Thin: parse a frame, call one service,
answer. The ORM is reached only through database_sync_to_async."""

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from core import events, fanout
from core.input_limits import InputRefused, is_id, json_loads_limited
from rooms import payloads, selectors, services
from rooms.models import Conversation, Message
from rooms.sweeper import sweeper_start
from rooms.writer import message_submit

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
    # No channel-layer channel per socket: sockets hear their groups through the process's
    # fan-out hub (core/fanout.py). With one, Channels runs a layer receive() per socket,
    # and a Redis timeout in any of them ends that socket without disconnect() (1011, a
    # Presence row left behind). An alias with no layer configured turns it off.
    channel_layer_alias = "uchat.no-layer-per-socket"

    @property
    def socket_id(self) -> str:
        """This socket's id in Presence rows (unique per socket, across processes)."""
        if not hasattr(self, "_socket_id"):
            self._socket_id = f"socket.{uuid.uuid4().hex}"
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

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=events.frame_encode(content))

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

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
        return {"ping": self.on_ping}

    async def on_ping(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(services.presence_heartbeat)(channel_name=self.socket_id)
        await self.send_json({"type": "pong"})

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
        person's last socket, tell their conversations from the event loop: a stalled Redis
        holds up the broadcast, never the database thread that every socket shares."""
        ids = await database_sync_to_async(services.socket_close)(
            user=self.user, channel_name=self.socket_id
        )
        if ids is not None:
            await events.broadcast_async(
                *services.presence_event(user=self.user, conversation_ids=ids, online=False)
            )

    async def leave_presence(self) -> None:
        self.stop_timers()
        if getattr(self, "present", False):
            self.present = False
            # Shielded: a disconnect cancelled while queued behind other database work must
            # still remove the row.
            await asyncio.shield(_outliving(self._presence_remove()))

    async def open(self, groups: list[str], opened: services.SocketOpened) -> None:
        """Join the groups, accept, start the timers, and tell the person's conversations when
        this is their first socket."""
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
            await events.broadcast_async(
                *services.presence_event(user=self.user, conversation_ids=opened.conversation_ids)
            )

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
        return groups

    async def access_revoked(self, event: dict[str, Any]) -> None:
        await self.forward(event)
        await self.close(code=CLOSE_REAUTHENTICATE)

    async def join_groups_or_refuse(self, groups: list[str]) -> bool:
        """Join the groups before accepting. Until the channel layer answers (a stalled Redis
        takes a subscription without a word) the handshake is refused, and the client retries
        with back-off, instead of the socket going deaf."""
        groups = [*self.access_groups(), *groups]
        try:
            async with asyncio.timeout(fanout.HANDSHAKE_TIMEOUT):
                for group in groups:
                    await self.join_group(group)
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

    # Channel-layer events shared by both consumers: the frame comes encoded once for everyone.
    async def forward(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["frame"])

    presence = forward


class ConversationFrames(JsonFrameConsumer):
    """The frames that act on one conversation (sending, editing, reactions, sync, read,
    typing), for whichever consumer holds ``self.conversation``: ``/ws/rooms/<id>/`` fixes it
    by its URL, ``/ws/me/`` by a ``subscribe`` frame."""

    conversation: Conversation | None = None
    group = ""
    bucket: TokenBucket
    last_typing = 0.0

    def conversation_frame_handlers(self) -> dict[str, Any]:
        return {
            "message.send": self.on_send,
            "message.edit": self.on_edit,
            "message.delete": self.on_delete,
            "reaction.add": self.on_reaction,
            "reaction.remove": self.on_reaction,
            "sync": self.on_sync,
            "read": self.on_read,
            "typing": self.on_typing,
        }

    async def _call(self, service: Any, frame: dict[str, Any], /, **kwargs: Any) -> Any:
        """Run a writing service in a worker thread; refusals become an error frame."""
        # Writes of different sockets run side by side in the thread pool (each thread keeps
        # its own database connection); the conversation's row lock orders them.
        write = database_sync_to_async(service, thread_sensitive=False)
        return await self._answer(frame, write(conversation=self.conversation, **kwargs))

    async def _answer(self, frame: dict[str, Any], work: Any) -> Any:
        """Await ``work`` (a write); map refusals to an error frame. None when refused."""
        client_id = frame.get("client_id")
        if not self.bucket.take():
            work.close()
            await self.send_error(
                "rate_limited",
                "You are sending too fast. Wait a moment and try again.",
                client_id=client_id,
            )
            return None
        try:
            return await work
        except PermissionDenied as exc:
            await self.send_error("forbidden", str(exc) or "Not allowed.", client_id=client_id)
        except ValidationError as exc:
            await self.send_error(exc.code or "invalid", exc.messages[0], client_id=client_id)
        except Exception:
            # A bug or an outage must not kill the socket; nothing was stored (the service's
            # transaction rolled back), and the client keeps the text to send again.
            logger.exception("frame %s failed", frame.get("type"))
            await self.send_error(
                "server_error",
                "Something went wrong on our side; nothing was stored. Try again.",
                client_id=client_id,
            )
        return None

    async def on_send(self, frame: dict[str, Any]) -> None:
        body, content, client_id = frame.get("body"), frame.get("content"), frame.get("client_id")
        if not isinstance(client_id, str | None) or (
            not isinstance(body, str) and not isinstance(content, dict)
        ):
            await self.send_error(
                "bad_frame", 'message.send needs a text "body" or a "content" object.'
            )
            return
        result = await self._answer(frame, self._store(frame))
        if result is not None:
            message, created = result
            await self.send(
                text_data=events.frame_encode(
                    {
                        "type": "message.ack",
                        "client_id": client_id,
                        "duplicate": not created,
                        "message": payloads.message_payload(message),
                    }
                )
            )

    async def _store(self, frame: dict[str, Any]) -> tuple[Message, bool]:
        """Check the message here, then store it with this process's next batch."""
        body, content = frame.get("body"), frame.get("content")
        assert self.conversation is not None  # set before the socket was accepted
        draft = services.message_draft(
            conversation=self.conversation,
            sender=self.user,
            body=body if isinstance(body, str) else None,
            content=content if isinstance(content, dict) else None,
            client_id=frame.get("client_id"),
            reply_to=frame.get("reply_to"),
        )
        return await message_submit(draft)

    async def on_edit(self, content: dict[str, Any]) -> None:
        if not is_id(content.get("id")) or not isinstance(content.get("body"), str):
            await self.send_error("bad_frame", 'message.edit needs an integer "id" and a "body".')
            return
        await self._call(
            services.message_edit,
            content,
            message_id=content["id"],
            editor=self.user,
            body=content["body"],
        )

    async def on_delete(self, content: dict[str, Any]) -> None:
        if not is_id(content.get("id")):
            await self.send_error("bad_frame", 'message.delete needs an integer "id".')
            return
        await self._call(
            services.message_delete, content, message_id=content["id"], actor=self.user
        )

    async def on_reaction(self, content: dict[str, Any]) -> None:
        if not is_id(content.get("id")) or not isinstance(content.get("emoji"), str):
            await self.send_error(
                "bad_frame", f'{content.get("type")} needs an integer "id" and an "emoji".'
            )
            return
        await self._call(
            services.reaction_set, content, message_id=content["id"], user=self.user,
            emoji=content["emoji"], on=content.get("type") == "reaction.add",
        )  # fmt: skip

    async def on_sync(self, content: dict[str, Any]) -> None:
        # after_seq (preferred): the last sequence number seen with no gap before it.
        # after_id: the newest id seen (older clients; may miss a message that overtook another).
        key = "after_seq" if "after_seq" in content else "after_id"
        after = content.get(key, 0)
        if not (after == 0 or is_id(after)):
            await self.send_error("bad_frame", f'sync needs a non-negative integer "{key}".')
            return
        page = await database_sync_to_async(self._sync_page)(**{key: after})
        if page is None:
            await self.send_error("not_member", "You were removed from this room.")
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.send_json(
            {
                "type": "sync",
                key: after,
                "messages": page[0],
                "has_more": page[1],
            }
        )

    def _sync_page(self, **after: int) -> tuple[list[Any], bool] | None:
        # Membership is checked again: a removed member gets nothing.
        conversation = self.conversation
        if conversation is None or not selectors.membership_get(
            user=self.user, conversation=conversation
        ):
            return None
        page = selectors.message_history(conversation=conversation, limit=200, **after)
        reactions = selectors.reactions_for(messages=page.messages, viewer=self.user)
        return payloads.message_payloads(page.messages, reactions=reactions), page.has_more

    async def on_read(self, content: dict[str, Any]) -> None:
        if not is_id(content.get("id")):
            await self.send_error("bad_frame", 'read needs a message "id".')
            return
        await database_sync_to_async(services.conversation_mark_read)(
            conversation=self.conversation, user=self.user, message_id=content["id"]
        )

    async def group_event(self, event_type: str, payload: dict[str, Any]) -> None:
        """An event from this socket to everyone in its conversation (typing)."""
        await get_channel_layer().group_send(
            self.group, events.event(self.group, event_type, payload)
        )

    async def on_typing(self, content: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self.last_typing < 2.0:  # at most one typing event per 2 s per socket
            return
        self.last_typing = now
        assert self.conversation is not None
        await self.group_event(
            "typing",
            {"conversation": self.conversation.pk, "user": payloads.person_payload(self.user)},
        )


class ConversationConsumer(ConversationFrames):
    """One conversation's live channel: ``/ws/rooms/<id>/``."""

    async def connect(self) -> None:
        self.user = self.scope["user"]
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        # Refused before accept (a member of nothing learns nothing).
        opened = await self.open_socket(conversation_id=conversation_id)
        if opened is None:
            return
        self.conversation = opened.conversation
        assert self.conversation is not None
        self.group = events.conversation_group(self.conversation.pk)
        self.bucket = TokenBucket(settings.UCHAT_WS_RATE, settings.UCHAT_WS_RATE_WINDOW)
        self.last_typing = 0.0
        self.groups_joined = set()
        await self.open([self.group], opened)

    async def disconnect(self, code: int) -> None:
        if self.conversation is None:
            return
        await self.leave_presence()  # first: the database row matters more than the groups
        await self.leave_all_groups()

    def frame_handlers(self) -> dict[str, Any]:
        return {**super().frame_handlers(), **self.conversation_frame_handlers()}

    # --- channel-layer events -------------------------------------------------------------
    message_created = JsonFrameConsumer.forward
    ticket_updated = JsonFrameConsumer.forward
    message_updated = JsonFrameConsumer.forward
    message_deleted = JsonFrameConsumer.forward
    reaction_updated = JsonFrameConsumer.forward
    member_added = JsonFrameConsumer.forward
    member_updated = JsonFrameConsumer.forward
    room_updated = JsonFrameConsumer.forward

    async def typing(self, event: dict[str, Any]) -> None:
        if event["payload"]["user"]["id"] != self.user.pk:
            await self.forward(event)

    async def member_removed(self, event: dict[str, Any]) -> None:
        await self.forward(event)
        if event["payload"]["user_id"] == self.user.pk:
            # Removed: stop receiving at once.
            await self.leave_group(self.group)
            await self.close(code=CLOSE_FORBIDDEN)

    async def room_deleted(self, event: dict[str, Any]) -> None:
        await self.forward(event)
        await self.close(code=CLOSE_FORBIDDEN)


class UserConsumer(ConversationFrames):
    """A person's own channel, ``/ws/me/``: the one socket a page opens.

    It listens to every conversation the person belongs to (one group_send per message reaches
    conversation pages and sidebars alike) and to the person's own group for membership changes
    and notifications. A ``subscribe`` frame picks the conversation the page shows: from then
    on the socket also carries that conversation's typing, reactions and member changes, and
    takes its frames (``message.send``, ``sync`` …), as ``/ws/rooms/<id>/`` does.
    """

    async def connect(self) -> None:
        self.user = self.scope["user"]
        self.groups_joined: set[str] = set()
        # "?rooms=0": only the person's own events (pages with no conversation list), not
        # every conversation's messages; a subscribed conversation's still come.
        self.rooms = parse_qs(self.scope.get("query_string", b"").decode()).get("rooms") != ["0"]
        opened = await self.open_socket(conversation_ids=self.rooms)
        if opened is None:
            return
        ids = opened.conversation_ids if self.rooms else []
        groups = [events.user_group(self.user.pk)] + [events.conversation_group(i) for i in ids]
        if self.user.is_staff or self.user.is_agent:
            groups.append(events.desk_group())
        self.bucket = TokenBucket(settings.UCHAT_WS_RATE, settings.UCHAT_WS_RATE_WINDOW)
        self.last_typing = 0.0
        await self.open(groups, opened)

    async def disconnect(self, code: int) -> None:
        await self.leave_presence()
        await self.leave_all_groups()

    def frame_handlers(self) -> dict[str, Any]:
        handlers = self.conversation_frame_handlers()
        if self.conversation is None:
            handlers = dict.fromkeys(handlers, self.on_unsubscribed)
        return {**super().frame_handlers(), **handlers, "subscribe": self.on_subscribe}

    async def on_unsubscribed(self, content: dict[str, Any]) -> None:
        await self.send_error(
            "not_subscribed",
            f'{content["type"]} acts on a conversation: send "subscribe" with its id first.',
        )

    async def on_subscribe(self, content: dict[str, Any]) -> None:
        """``{"type": "subscribe", "conversation": <id>}``: the conversation this page shows
        (one at a time; a new one replaces it). Members only."""
        conversation_id = content.get("conversation")
        if not is_id(conversation_id):
            await self.send_error("bad_frame", 'subscribe needs a conversation "id".')
            return
        conversation = await database_sync_to_async(selectors.conversation_for_member)(
            user=self.user, conversation_id=conversation_id
        )
        await self.unsubscribe()
        if conversation is None:
            await self.send_error(
                "not_member", "You are not a member of that conversation.",
                conversation=conversation_id,
            )  # fmt: skip
            return
        self.conversation = conversation
        self.group = events.conversation_group(conversation.pk)
        if self.group not in self.groups_joined:
            try:
                await self.join_group(self.group)
            except Exception:
                logger.warning("subscribe failed: the channel layer is unavailable")
                await self.fanout_failed()
                return
            self.subscription_joined = True
        await self.send_json({"type": "subscribed", "conversation": conversation.pk})

    async def unsubscribe(self) -> None:
        if getattr(self, "subscription_joined", False):
            self.subscription_joined = False
            await self.leave_group(self.group)
        self.conversation = None
        self.group = ""

    def subscribed_to(self, event: dict[str, Any]) -> bool:
        return self.conversation is not None and event.get("group") == self.group

    message_created = JsonFrameConsumer.forward
    ticket_updated = JsonFrameConsumer.forward
    desk_ticket = JsonFrameConsumer.forward
    message_updated = JsonFrameConsumer.forward
    message_deleted = JsonFrameConsumer.forward
    room_updated = JsonFrameConsumer.forward
    notification_created = JsonFrameConsumer.forward
    notification_read = JsonFrameConsumer.forward

    # The open conversation's own events; the sidebar has no use for other conversations'.
    async def reaction_updated(self, event: dict[str, Any]) -> None:
        if self.subscribed_to(event):
            await self.forward(event)

    member_updated = reaction_updated

    async def typing(self, event: dict[str, Any]) -> None:
        if self.subscribed_to(event) and event["payload"]["user"]["id"] != self.user.pk:
            await self.forward(event)

    async def member_added(self, event: dict[str, Any]) -> None:
        if event["payload"]["member"]["user"]["id"] == self.user.pk:
            await self.join_group(events.conversation_group(event["payload"]["room"]["id"]))
            await self.forward(event)
        elif self.subscribed_to(event):
            await self.forward(event)

    async def member_removed(self, event: dict[str, Any]) -> None:
        room_id = event["payload"]["room"]["id"]
        if event["payload"]["user_id"] == self.user.pk:
            if self.conversation is not None and self.conversation.pk == room_id:
                await self.unsubscribe()
            await self.leave_group(events.conversation_group(room_id))
            await self.forward(event)
        elif self.subscribed_to(event):
            await self.forward(event)

    async def room_deleted(self, event: dict[str, Any]) -> None:
        if self.conversation is not None and self.conversation.pk == event["payload"]["id"]:
            await self.unsubscribe()
        await self.leave_group(events.conversation_group(event["payload"]["id"]))
        await self.forward(event)
