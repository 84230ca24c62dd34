from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts import api as accounts_api
from integrations.urls import api_urlpatterns as integrations_api
from notifications import api as notifications_api
from rooms import api as rooms_api
from rooms import invites_api
from tickets import api as tickets_api
from uchat.health import CheckApi
from usergroups import api as groups_api
from widget.urls import api_urlpatterns as widget_api


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
    path("tokens", accounts_api.TokenListApi.as_view(), name="tokens"),
    path("tokens/<int:token_id>", accounts_api.TokenDetailApi.as_view(), name="token"),
    path("bots", accounts_api.BotListApi.as_view(), name="bots"),
    path("bots/<int:bot_id>", accounts_api.BotDetailApi.as_view(), name="bot"),
    path("bots/<int:bot_id>/tokens", accounts_api.BotTokenListApi.as_view(), name="bot-tokens"),
    path(
        "bots/<int:bot_id>/tokens/<int:token_id>",
        accounts_api.BotTokenDetailApi.as_view(),
        name="bot-token",
    ),
    path("messages", rooms_api.MessageListApi.as_view(), name="messages"),
    path(
        "messages/<int:message_id>/reactions",
        rooms_api.MessageReactionsApi.as_view(),
        name="message-reactions",
    ),
    path("messages/<int:message_id>/thread", rooms_api.ThreadApi.as_view(), name="thread"),
    path(
        "messages/<int:message_id>/thread/read",
        rooms_api.ThreadReadApi.as_view(),
        name="thread-read",
    ),
    path("messages/<int:message_id>/follow", rooms_api.ThreadFollowApi.as_view(), name="follow"),
    path("threads", rooms_api.ThreadListApi.as_view(), name="threads"),
    path("search", rooms_api.SearchApi.as_view(), name="search"),
    path("switcher", rooms_api.SwitcherApi.as_view(), name="switcher"),
    path("emoji", rooms_api.EmojiApi.as_view(), name="emoji"),
    path("rooms", rooms_api.RoomListApi.as_view(), name="rooms"),
    path("rooms/directory", rooms_api.RoomDirectoryApi.as_view(), name="room-directory"),
    path("rooms/<int:room_id>", rooms_api.RoomDetailApi.as_view(), name="room"),
    path("rooms/<int:room_id>/join", rooms_api.RoomJoinApi.as_view(), name="room-join"),
    path("rooms/<int:room_id>/leave", rooms_api.RoomLeaveApi.as_view(), name="room-leave"),
    path(
        "rooms/<int:room_id>/messages", rooms_api.RoomMessageListApi.as_view(), name="room-messages"
    ),
    path("rooms/<int:room_id>/invites", invites_api.InviteListApi.as_view(), name="invites"),
    path(
        "rooms/<int:room_id>/invites/<int:invite_id>",
        invites_api.InviteDetailApi.as_view(),
        name="invite",
    ),
    path(
        "conversations/<int:conversation_id>/notifications",
        rooms_api.ConversationNotifyApi.as_view(),
        name="conversation-notifications",
    ),
    path(
        "conversations/<int:conversation_id>/commands",
        rooms_api.ConversationCommandsApi.as_view(),
        name="conversation-commands",
    ),
    path("groups", groups_api.GroupListApi.as_view(), name="groups"),
    path("groups/<int:group_id>", groups_api.GroupDetailApi.as_view(), name="group"),
    path(
        "notification-settings",
        accounts_api.NotificationSettingsApi.as_view(),
        name="notification-settings",
    ),
    path("notifications", notifications_api.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/read",
        notifications_api.NotificationReadApi.as_view(),
        name="notifications-read",
    ),
    path("push/key", notifications_api.PushKeyApi.as_view(), name="push-key"),
    path(
        "push/subscriptions",
        notifications_api.PushSubscriptionsApi.as_view(),
        name="push-subscriptions",
    ),
    path("tickets", tickets_api.TicketListApi.as_view(), name="tickets"),
    path("tickets/bulk", tickets_api.TicketBulkApi.as_view(), name="tickets-bulk"),
    path("labels", tickets_api.LabelListApi.as_view(), name="labels"),
    path("macros", tickets_api.MacroListApi.as_view(), name="macros"),
    path(
        "tickets/<int:ticket_id>/macros/<int:macro_id>/run",
        tickets_api.MacroRunApi.as_view(),
        name="ticket-macro-run",
    ),
    path("tickets/<int:ticket_id>", tickets_api.TicketDetailApi.as_view(), name="ticket"),
    path(
        "tickets/<int:ticket_id>/messages",
        tickets_api.TicketMessageListApi.as_view(),
        name="ticket-messages",
    ),
    *widget_api,
    *integrations_api,
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
