from django.urls import path

from rooms import views

app_name = "rooms"
urlpatterns = [
    path("new/", views.room_create, name="create"),
    path("<int:room_id>/", views.room_detail, name="detail"),
    path("<int:room_id>/messages/", views.room_messages, name="messages"),
    path("<int:room_id>/edit/", views.room_edit, name="edit"),
    path("<int:room_id>/leave/", views.room_leave, name="leave"),
    path("<int:room_id>/delete/", views.room_delete, name="delete"),
]
