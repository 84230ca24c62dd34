from django.urls import path

from usergroups import views

app_name = "usergroups"
urlpatterns = [path("", views.groups_page, name="list")]
