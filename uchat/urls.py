from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from uchat import health

urlpatterns = [
    path("", account_views.dashboard, name="dashboard"),
    path("check", health.check, name="check"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("rooms/", include("rooms.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
