"""The frames that act on one conversation (send, edit, delete, reactions, sync, read,
typing), and ``/ws/rooms/<id>/``, the socket of one conversation."""

import logging
import time
from collections.abc import Mapping
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from core import events
from core.db_calls import database_sync_to_async
from core.input_limits import is_id
from rooms import frames, payloads, selectors, services
from rooms.models import Conversation, Message
from rooms.sockets.base import CLOSE_FORBIDDEN, JsonFrameConsumer, TokenBucket
from rooms.writer import message_submit

logger = logging.getLogger(__name__)


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
            frames.MESSAGE_SEND: self.on_send,
            frames.MESSAGE_EDIT: self.on_edit,
            frames.MESSAGE_DELETE: self.on_delete,
            frames.REACTION_ADD: self.on_reaction,
            frames.REACTION_REMOVE: self.on_reaction,
            frames.SYNC: self.on_sync,
            frames.READ: self.on_read,
            frames.TYPING: self.on_typing,
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
        thread = frame.get("thread")
        if (thread is not None and not is_id(thread)) or not isinstance(
            frame.get("also_to_room", False), bool
        ):
            await self.send_error(
                "invalid_thread",
                'A thread reply\'s "thread" is a message id, "also_to_room" true or false.',
                client_id=client_id,
            )
            return
        result = await self._answer(frame, self._store(frame))
        if result is not None:
            message, created = result
            ack: frames.MessageAck = {
                "type": frames.MESSAGE_ACK,
                "client_id": client_id,
                "duplicate": not created,
                "message": payloads.message_payload(message),
            }
            await self.send_json(ack)

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
            thread=frame.get("thread"),
            also_to_room=frame.get("also_to_room", False),
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
            emoji=content["emoji"], on=content.get("type") == frames.REACTION_ADD,
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
        answer: frames.SyncPage = {"type": frames.SYNC, "messages": page[0], "has_more": page[1]}
        answer[key] = after  # type: ignore[literal-required]  # after_seq or after_id, as asked
        await self.send_json(answer)

    def _sync_page(self, **after: int) -> tuple[list[payloads.MessagePayload], bool] | None:
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

    async def group_event(self, event_type: str, payload: Mapping[str, Any]) -> None:
        """An event from this socket to everyone in its conversation (typing)."""
        await get_channel_layer().group_send(
            self.group, events.event(self.group, event_type, payload)
        )

    async def on_typing(self, content: dict[str, Any]) -> None:
        thread = content.get("thread")
        if thread is not None and not is_id(thread):
            await self.send_error("bad_frame", 'typing\'s "thread" is a message id.')
            return
        now = time.monotonic()
        if now - self.last_typing < 2.0:  # at most one typing event per 2 s per socket
            return
        self.last_typing = now
        assert self.conversation is not None
        typing: frames.Typing = {
            "conversation": self.conversation.pk,
            "user": payloads.person_payload(self.user),
        }
        if thread is not None:
            # Passed on as given: a wrong id tells the members nothing (their pages ignore it).
            typing["thread"] = thread
        await self.group_event(frames.TYPING, typing)


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

    # --- channel-layer events: forwarded by default (event_default); these filter or act ---
    # (named event_<type>: core.fanout calls no other method for an event)
    async def event_typing(self, event: dict[str, Any]) -> None:
        if event["payload"]["user"]["id"] != self.user.pk:
            await self.forward(event)

    async def event_member_removed(self, event: dict[str, Any]) -> None:
        await self.forward(event)
        if event["payload"]["user_id"] == self.user.pk:
            # Removed: stop receiving at once.
            await self.leave_group(self.group)
            await self.close(code=CLOSE_FORBIDDEN)

    async def event_room_deleted(self, event: dict[str, Any]) -> None:
        await self.forward(event)
        await self.close(code=CLOSE_FORBIDDEN)
