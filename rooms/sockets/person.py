"""``/ws/me/``: a person's own socket, the one a page opens."""

import logging
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from core import events
from core.db_calls import database_sync_to_async
from core.input_limits import is_id
from rooms import frames, hooks, kinds, services
from rooms.sockets.base import TokenBucket
from rooms.sockets.conversation import ConversationFrames

logger = logging.getLogger(__name__)


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
        groups += kinds.socket_groups(user=self.user)
        self.bucket = TokenBucket(settings.UCHAT_WS_RATE, settings.UCHAT_WS_RATE_WINDOW)
        self.last_typing = 0.0
        await self.open(groups, opened)

    async def disconnect(self, code: int) -> None:
        await self.leave_presence()
        await self.leave_all_groups()
        if hooks.socket_closed and getattr(self, "hooked", False):
            await database_sync_to_async(self._closed_hooks)()

    def _closed_hooks(self) -> None:
        for hook in hooks.socket_closed:
            try:
                hook(user=self.user, socket=self.socket_id)
            except Exception:
                logger.exception("socket_closed hook %r failed", hook)

    def frame_handlers(self) -> dict[str, Any]:
        handlers = self.conversation_frame_handlers()
        if self.conversation is None:
            handlers = dict.fromkeys(handlers, self.on_unsubscribed)
        hooked = dict.fromkeys(hooks.socket_frames, self.on_hooked_frame)
        return {
            **super().frame_handlers(), **hooked, **handlers, frames.SUBSCRIBE: self.on_subscribe
        }  # fmt: skip

    async def on_hooked_frame(self, content: dict[str, Any]) -> None:
        """A frame a higher app registered (rooms.hooks.socket_frames)."""
        handler = hooks.socket_frames[content["type"]]
        self.hooked = True  # its socket_closed hooks run when this socket closes
        try:
            await database_sync_to_async(handler)(
                user=self.user, socket=self.socket_id, content=content
            )
        except PermissionDenied as exc:
            await self.send_error("forbidden", str(exc) or "Not allowed.")
        except ValidationError as exc:
            await self.send_error(exc.code or "bad_frame", " ".join(exc.messages))

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
        conversation = await database_sync_to_async(services.socket_subscribe)(
            user=self.user, channel_name=self.socket_id, conversation_id=conversation_id
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
        subscribed: frames.Subscribed = {"type": frames.SUBSCRIBED, "conversation": conversation.pk}
        await self.send_json(subscribed)

    async def unsubscribe(self) -> None:
        if getattr(self, "subscription_joined", False):
            self.subscription_joined = False
            await self.leave_group(self.group)
        self.conversation = None
        self.group = ""

    def subscribed_to(self, event: dict[str, Any]) -> bool:
        return self.conversation is not None and event.get("group") == self.group

    # The open conversation's own events; the sidebar has no use for other conversations'.
    async def event_reaction_updated(self, event: dict[str, Any]) -> None:
        if self.subscribed_to(event):
            await self.forward(event)

    event_member_updated = event_reaction_updated

    async def event_typing(self, event: dict[str, Any]) -> None:
        if self.subscribed_to(event) and event["payload"]["user"]["id"] != self.user.pk:
            await self.forward(event)

    async def event_member_added(self, event: dict[str, Any]) -> None:
        if event["payload"]["member"]["user"]["id"] == self.user.pk:
            await self.join_group(events.conversation_group(event["payload"]["room"]["id"]))
            await self.forward(event)
        elif self.subscribed_to(event):
            await self.forward(event)

    async def event_member_removed(self, event: dict[str, Any]) -> None:
        room_id = event["payload"]["room"]["id"]
        if event["payload"]["user_id"] == self.user.pk:
            if self.conversation is not None and self.conversation.pk == room_id:
                await self.unsubscribe()
            await self.leave_group(events.conversation_group(room_id))
            await self.forward(event)
        elif self.subscribed_to(event):
            await self.forward(event)

    async def event_room_deleted(self, event: dict[str, Any]) -> None:
        if self.conversation is not None and self.conversation.pk == event["payload"]["id"]:
            await self.unsubscribe()
        await self.leave_group(events.conversation_group(event["payload"]["id"]))
        await self.forward(event)
