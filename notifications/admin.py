from urllib.parse import urlsplit

from django.contrib import admin
from django.http import HttpRequest

from notifications.models import Notification, PushSubscription


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "code", "title", "is_error", "created_at", "read_at"]
    list_filter = ["code", "is_error", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "title"]
    list_select_related = ["user"]
    readonly_fields = ["user", "code", "title", "payload", "is_error", "created_at", "read_at"]
    show_full_result_count = False

    # Read-only: notifications are written by notifications.services (the live badge and the
    # e-mail go with them), and read or kept by their owner.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """Who gets Web Push on how many devices, and which devices fail. Deleting one stops that
    device (it is what a 410 from its push service does); nothing else is editable."""

    list_display = ["id", "user", "push_service", "created_at", "last_success_at", "failures"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    readonly_fields = ["user", "endpoint", "created_at", "last_success_at", "failures"]
    exclude = ["p256dh", "auth", "session_hash"]
    show_full_result_count = False

    @admin.display(description="push service")
    def push_service(self, obj: PushSubscription) -> str:
        return urlsplit(obj.endpoint).hostname or ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: PushSubscription | None = None
    ) -> bool:
        return False
