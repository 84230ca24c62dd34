"""WebSocket routes (documented in docs/websocket.md)."""

from django.urls import path

from rooms import consumers

websocket_urlpatterns = [
    path("ws/rooms/<int:conversation_id>/", consumers.ConversationConsumer.as_asgi()),
    path("ws/me/", consumers.UserConsumer.as_asgi()),
]
