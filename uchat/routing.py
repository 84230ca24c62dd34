"""WebSocket routes (documented in docs/websocket.md)."""

from django.urls import path

from rooms import sockets

websocket_urlpatterns = [
    path("ws/rooms/<int:conversation_id>/", sockets.ConversationConsumer.as_asgi()),
    path("ws/me/", sockets.UserConsumer.as_asgi()),
]
