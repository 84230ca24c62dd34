from django.urls import path

from widget import api, views

app_name = "widget"
urlpatterns = [
    path("widget/<str:key>.js", views.loader, name="loader"),
    path("widget/<str:key>/frame/", views.frame, name="frame"),
    path("desk/widgets/", views.widget_list, name="list"),
    path("desk/widgets/new/", views.widget_edit, name="create"),
    path("desk/widgets/<int:widget_id>/", views.widget_edit, name="edit"),
]

api_urlpatterns = [
    path("widget/<str:key>/sessions", api.WidgetSessionCreateApi.as_view(), name="widget-sessions"),
    path("widget/<str:key>/state", api.WidgetStateApi.as_view(), name="widget-state"),
    path("widget/<str:key>/rating", api.WidgetRatingApi.as_view(), name="widget-rating"),
]
