from django.contrib import admin
from django.urls import include, path

from accounts import urls as account_urls
from accounts import views as account_views
from dashboard.views import dashboard, sidebar_lists
from integrations.urls import hook_urlpatterns
from rooms.urls import conversation_urlpatterns
from tickets import views as ticket_views
from uchat import health, pwa

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("sidebar/", sidebar_lists, name="sidebar"),
    path("check", health.check, name="check"),
    # The installable app (uchat/pwa.py): at the root, so the service worker's scope is the site.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    path("icons/<str:name>.png", pwa.icon, name="icon"),
    path("admin/login/", account_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/", include("uchat.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("bots/", include(account_urls.bot_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("", include("rooms.urls")),  # /rooms/… and /invite/<token>/
    path("notifications/", include("notifications.urls")),
    path("tickets/", include("tickets.urls")),
    path("groups/", include("usergroups.urls")),
    path("feedback/", ticket_views.platform_feedback, name="platform-feedback"),
    path("", include("widget.urls")),
    path("", include(conversation_urlpatterns)),
    path("integrations/", include("integrations.urls")),
    *hook_urlpatterns,
]
# MEDIA is never served as static files: attachments go through rooms.views.attachment,
# which checks membership.

handler400 = "core.api_errors.handler400"
handler404 = "core.api_errors.handler404"
handler500 = "core.api_errors.handler500"
