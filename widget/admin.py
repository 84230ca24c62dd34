from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from widget import services
from widget.models import Visitor, Widget


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "is_active", "priority", "pre_chat_form", "created_at"]
    list_filter = ["is_active", "pre_chat_form"]
    search_fields = ["name", "key"]
    readonly_fields = ["key", "created_at"]

    def save_model(self, request: HttpRequest, obj: Widget, form: Any, change: bool) -> None:
        obj.full_clean()
        super().save_model(request, obj, form, change)
        if change and not obj.is_active:
            services.visitors_revoke(widget=obj)

    def delete_model(self, request: HttpRequest, obj: Widget) -> None:
        services.widget_delete(actor=request.user, widget=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """ "Delete selected" too ends every visitor's token and socket first."""
        for widget in queryset:
            services.widget_delete(actor=request.user, widget=widget)  # type: ignore[arg-type]


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "widget", "ticket", "created_at", "revoked_at", "claimed_by"]
    list_filter = ["widget"]
    search_fields = ["name", "email"]
    exclude = ["token_hash"]
    readonly_fields = [
        "widget", "user", "ticket", "name", "email", "page", "user_agent", "time_zone", "ip",
        "created_at", "expires_at", "claimed_by", "revoked_at",
    ]  # fmt: skip

    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Visitor) -> None:
        self.delete_queryset(request, Visitor.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """A deleted visitor's token ends first, and their open socket with it."""
        services.visitors_revoke(visitors=list(queryset.values_list("pk", flat=True)))
        queryset.delete()

    @admin.action(description="End their chats in the widget (revoke the tokens)")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = services.visitors_revoke(visitors=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} visitor token(s) revoked.")
