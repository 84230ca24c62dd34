"""The WebSocket consumers (protocol: docs/websocket.md), by concern: ``base`` (the connection,
its checks, limits and groups), ``conversation`` (one conversation's frames, and
``/ws/rooms/<id>/``) and ``person`` (``/ws/me/``). Thin: parse a frame, call one service,
answer. The ORM is reached only through database_sync_to_async."""

from rooms.sockets.conversation import ConversationConsumer
from rooms.sockets.person import UserConsumer

__all__ = ["ConversationConsumer", "UserConsumer"]
