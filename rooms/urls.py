from django.urls import URLPattern, URLResolver, include, path

from rooms import invites_views, views

app_name = "rooms"
urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", views.room_create, name="create"),
    path("browse/", views.room_browse, name="browse"),
    path("<int:room_id>/join/", views.room_join, name="join"),
    path("<int:room_id>/", views.room_detail, name="detail"),
    path("<int:room_id>/edit/", views.room_edit, name="edit"),
    path("<int:room_id>/leave/", views.room_leave, name="leave"),
    path("<int:room_id>/delete/", views.room_delete, name="delete"),
]

# The invite page sits outside /rooms/ yet in the rooms namespace (rooms:invite): uchat/urls.py
# includes this module at the root, so the room pages above move under "rooms/" here.
urlpatterns = [
    path("rooms/", include(urlpatterns)),
    path("invite/<str:token>/", invites_views.invite, name="invite"),
]

# Not namespaced: shared by rooms and direct conversations.
conversation_urlpatterns = [
    path("dm/", views.direct_start, name="direct-start"),
    path("dm/<str:username>/", views.direct_detail, name="direct"),
    path("conversations/<int:conversation_id>/", views.conversation_open, name="conversation"),
    path(
        "conversations/<int:conversation_id>/messages/",
        views.conversation_messages,
        name="conversation-messages",
    ),
    path(
        "conversations/<int:conversation_id>/upload/",
        views.conversation_upload,
        name="conversation-upload",
    ),
    path("attachments/<int:message_id>/", views.attachment, name="attachment"),
    path("search/", views.search, name="search"),
    path("threads/", views.threads, name="threads"),
]
