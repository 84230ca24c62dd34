from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts import api as accounts_api
from notifications import api as notifications_api
from rooms import api as rooms_api
from tickets import api as tickets_api
from uchat.health import CheckApi


class SchemaApi(SpectacularAPIView):
    """The OpenAPI schema, for people who logged in. Its refusals are JSON like every other
    API error, not YAML in the schema's own format."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response


app_name = "api"
urlpatterns = [
    path("check", CheckApi.as_view(), name="check"),
    path("login", accounts_api.LoginApi.as_view(), name="login"),
    path("token/refresh", accounts_api.TokenRefreshApi.as_view(), name="token-refresh"),
    path("users", accounts_api.UserListApi.as_view(), name="users"),
    path("messages", rooms_api.MessageListApi.as_view(), name="messages"),
    path(
        "messages/<int:message_id>/reactions",
        rooms_api.MessageReactionsApi.as_view(),
        name="message-reactions",
    ),
    path("search", rooms_api.SearchApi.as_view(), name="search"),
    path("switcher", rooms_api.SwitcherApi.as_view(), name="switcher"),
    path("emoji", rooms_api.EmojiApi.as_view(), name="emoji"),
    path("rooms", rooms_api.RoomListApi.as_view(), name="rooms"),
    path(
        "rooms/<int:room_id>/messages", rooms_api.RoomMessageListApi.as_view(), name="room-messages"
    ),
    path("notifications", notifications_api.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/read",
        notifications_api.NotificationReadApi.as_view(),
        name="notifications-read",
    ),
    path("tickets", tickets_api.TicketListApi.as_view(), name="tickets"),
    path("tickets/<int:ticket_id>", tickets_api.TicketDetailApi.as_view(), name="ticket"),
    path(
        "tickets/<int:ticket_id>/messages",
        tickets_api.TicketMessageListApi.as_view(),
        name="ticket-messages",
    ),
    path(
        "agent/availability",
        tickets_api.AgentAvailabilityApi.as_view(),
        name="agent-availability",
    ),
    path("schema", SchemaApi.as_view(), name="schema"),
    # A page for people: anonymous visitors are sent to log in (the schema itself answers 401).
    path(
        "docs",
        login_required(SpectacularSwaggerView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
