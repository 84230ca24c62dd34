from django.conf import settings
from django.db import models
from django.utils import timezone


class Code(models.IntegerChoices):
    """The seed chat server's notification codes, and uchat's own after them."""

    NEW_MESSAGE = 10095, "New Message"
    ADDED_TO_ROOM = 10096, "Added to Room"
    MENTION = 10097, "Mention"
    NEW_TICKET_MESSAGE = 10098, "New Ticket Message"
    USER_CREATION = 10099, "User Creation"
    TICKET_UPDATE = 10100, "Ticket Update"
    THREAD_REPLY = 10101, "Reply in thread"
    WEBHOOK_DISABLED = 10102, "Webhook disabled"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    code = models.IntegerField(choices=Code.choices)
    title = models.CharField(max_length=120)
    payload = models.JSONField(default=dict, blank=True)
    is_error = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "id"], name="notification_user_idx"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.user}"


class PushSubscription(models.Model):
    """One browser's Web Push subscription (PushSubscription.toJSON()): where to send, and the
    keys to encrypt for it (RFC 8291). ``session_hash`` names the log-in session that made it,
    so that logging out on that device removes it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=100)  # base64url, a 65-byte uncompressed P-256 point
    auth = models.CharField(max_length=40)  # base64url, 16 bytes
    session_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="push_user_idx")]

    def __str__(self) -> str:
        return f"Push subscription of {self.user} at {self.endpoint[:60]}"
