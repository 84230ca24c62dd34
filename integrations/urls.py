from django.urls import path

from integrations import api, views

app_name = "integrations"
urlpatterns = [
    path("", views.staff_page, name="staff"),
    path("rooms/<int:room_id>/incoming/", views.room_incoming_create, name="incoming-create"),
    path(
        "rooms/<int:room_id>/incoming/<int:webhook_id>/revoke/",
        views.room_incoming_revoke,
        name="incoming-revoke",
    ),
    path("outgoing/", views.outgoing_create, name="outgoing-create"),
    path("outgoing/<int:webhook_id>/", views.outgoing_change, name="outgoing-change"),
]

# Mounted under /api/ by uchat/api_urls.py.
api_urlpatterns = [
    path("rooms/<int:room_id>/webhooks", api.RoomWebhookListApi.as_view(), name="room-webhooks"),
    path(
        "rooms/<int:room_id>/webhooks/<int:webhook_id>",
        api.RoomWebhookApi.as_view(),
        name="room-webhook",
    ),
    path("webhooks", api.WebhookListApi.as_view(), name="webhooks"),
    path("webhooks/<int:webhook_id>", api.WebhookApi.as_view(), name="webhook"),
    path(
        "webhooks/<int:webhook_id>/deliveries",
        api.WebhookDeliveriesApi.as_view(),
        name="webhook-deliveries",
    ),
    path("bots/<int:bot_id>/commands", api.BotCommandListApi.as_view(), name="bot-commands"),
    path(
        "bots/<int:bot_id>/commands/<int:command_id>",
        api.BotCommandApi.as_view(),
        name="bot-command",
    ),
]

# Mounted at the site's root: the incoming webhooks' secret URLs.
hook_urlpatterns = [path("hooks/<str:token>/", views.incoming_hook, name="incoming-hook")]
