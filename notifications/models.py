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
