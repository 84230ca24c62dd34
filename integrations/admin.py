"""The admin site: read-mostly views of the integrations; changes go through the services
(revoke, switch on/off), never a field edited by hand (a secret is never shown here)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.http import staff_user
from integrations.models import BotCommand, IncomingWebhook, OutgoingWebhook, WebhookDelivery
from integrations.services import incoming, outgoing


@admin.register(IncomingWebhook)
class IncomingWebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "conversation", "bot", "created_by", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "bot__username"]
    exclude = ["token_hash"]
    readonly_fields = ["conversation", "bot", "name", "created_by", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by room admins (the room's panel, the API): the URL is shown once

    @admin.action(description="Revoke the selected webhooks (their bots are deactivated)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[IncomingWebhook]) -> None:
        for webhook in queryset.select_related("bot", "conversation"):
            incoming.incoming_webhook_revoke(webhook=webhook, actor=None)
        messages.success(request, "Revoked.")


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ("created_at", "event", "attempt", "status_code", "error", "duration_ms")
    readonly_fields = fields
    ordering = ["-id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutgoingWebhook)
class OutgoingWebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "conversation", "active", "failure_count", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "owner__username"]
    exclude = ["secret_salt"]
    readonly_fields = [
        "owner", "conversation", "url", "events", "active", "failure_count",
        "disabled_reason", "created_at",
    ]  # fmt: skip
    inlines = [DeliveryInline]
    actions = ["switch_on", "switch_off"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the API and the pages show the secret once; the admin site never does

    def _switch(self, request: HttpRequest, queryset: QuerySet[OutgoingWebhook], on: bool) -> None:
        for webhook in queryset.select_related("owner", "conversation"):
            outgoing.outgoing_webhook_update(webhook=webhook, actor=staff_user(request), active=on)
        messages.success(request, "Switched on." if on else "Switched off.")

    @admin.action(description="Switch the selected webhooks on (failures start from 0)")
    def switch_on(self, request: HttpRequest, queryset: QuerySet[OutgoingWebhook]) -> None:
        self._switch(request, queryset, True)

    @admin.action(description="Switch the selected webhooks off")
    def switch_off(self, request: HttpRequest, queryset: QuerySet[OutgoingWebhook]) -> None:
        self._switch(request, queryset, False)


@admin.register(BotCommand)
class BotCommandAdmin(admin.ModelAdmin):
    list_display = ["name", "bot", "url", "created_at"]
    search_fields = ["name", "bot__username"]
    exclude = ["secret_salt"]
    readonly_fields = ["bot", "name", "description", "url", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
