"""Integrations: incoming webhooks (a secret URL that posts as a bot), outgoing webhooks (signed
POSTs of the site's events to someone's server, with a record of each attempt) and bots' slash
commands (a command in the composer that asks a bot's server). Secrets are stored only as a
sha256 (incoming tokens) or as a random salt the signing key is derived from with SECRET_KEY
(integrations.services.signing)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from rooms.models import Conversation

URL_MAX_LENGTH = 2000


class IncomingWebhook(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="incoming_webhooks"
    )
    # The account its messages are sent as (is_bot; a member of the conversation).
    bot = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incoming_webhooks"
    )
    name = models.CharField(max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the URL's token
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (incoming)"


class OutgoingWebhook(models.Model):
    class Event(models.TextChoices):
        MESSAGE_CREATED = "message.created", "Message created"
        MESSAGE_UPDATED = "message.updated", "Message edited"
        MESSAGE_DELETED = "message.deleted", "Message deleted"
        TICKET_CREATED = "ticket.created", "Ticket created"
        TICKET_UPDATED = "ticket.updated", "Ticket updated"
        TICKET_MESSAGE = "ticket.message", "Ticket message"
        TICKET_RESOLVED = "ticket.resolved", "Ticket resolved"
        TICKET_NOTE = "ticket.note", "Ticket internal note"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outgoing_webhooks"
    )
    # A room's hook hears that room only; null: every room (staff only).
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outgoing_webhooks",
    )
    url = models.URLField(max_length=URL_MAX_LENGTH)
    events = models.JSONField(default=list)
    # The signing key is HMAC(SECRET_KEY, salt): never stored itself, recomputed to sign.
    secret_salt = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    failure_count = models.PositiveIntegerField(default=0)  # failed deliveries in a row
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One attempt to deliver one event (the last DELIVERIES_KEPT per hook are kept)."""

    webhook = models.ForeignKey(
        OutgoingWebhook, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    delivery_id = models.CharField(max_length=36)  # the X-Uchat-Delivery header, per event
    attempt = models.PositiveSmallIntegerField(default=1)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null: no answer
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["webhook", "-id"], name="delivery_webhook_idx")]

    def __str__(self) -> str:
        return f"{self.event} #{self.attempt} -> {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class BotCommand(models.Model):
    """A bot's slash command: running it POSTs to ``url`` and posts or shows the answer."""

    bot = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bot_commands"
    )
    name = models.CharField(max_length=32)
    description = models.CharField(max_length=120, blank=True)
    url = models.URLField(max_length=URL_MAX_LENGTH)
    secret_salt = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["bot", "name"], name="bot_command_unique_name")
        ]

    def __str__(self) -> str:
        return f"/{self.name}"
