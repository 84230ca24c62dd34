from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "code", "title", "is_error", "created_at", "read_at"]
    list_filter = ["code", "is_error", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "title"]
    list_select_related = ["user"]
    readonly_fields = ["user", "code", "title", "payload", "is_error", "created_at", "read_at"]
    show_full_result_count = False

    def has_add_permission(self, request: object) -> bool:
        return False
