"""The live-chat widget: a website's chat bubble (docs/widget.md). A visitor is an account of
role customer with no password and no address of its own (``Visitor`` says it is one, and keeps
what the visitor typed): a widget conversation is an ordinary ticket conversation."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import get_random_string

from tickets.models import BusinessHours, Category, Ticket


def new_key() -> str:
    return get_random_string(24)


_ORIGIN = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?")


def origin_clean(origin: str) -> str:
    """``scheme://host[:port]`` exactly as a browser sends it in Origin (no path, no slash)."""
    from urllib.parse import urlsplit

    text = origin.strip().rstrip("/").lower()
    parts = urlsplit(text)
    # Exactly scheme://host[:port]: it goes into the frame's CSP (frame-ancestors), where a
    # "*", a space or a ";" would widen or add to the policy.
    if (
        parts.scheme not in ("http", "https")
        or not _ORIGIN.fullmatch(text)
        or parts.path
        or parts.query
    ):
        raise ValidationError(
            f"“{origin}” is not a website origin (like https://www.example.com).", code="origin"
        )
    return text


class Widget(models.Model):
    name = models.CharField(max_length=80)
    # Public: it is in the snippet every visitor's browser loads. It names the widget; it
    # grants nothing (origins and the visitor's token do).
    key = models.CharField(max_length=40, unique=True, default=new_key, editable=False)
    origins = models.JSONField(
        default=list, help_text="The websites that may embed it: https://www.example.com, ..."
    )
    greeting = models.CharField(max_length=300, default="Hi! How can we help?")
    color = models.CharField(
        max_length=7,
        default="#4a154b",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour as #rrggbb.")],
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    priority = models.CharField(
        max_length=10, choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL
    )
    pre_chat_form = models.BooleanField(
        default=True, help_text="Ask the visitor's name and e-mail address before the chat."
    )
    # Whose hours the chat keeps ("We're back at 09:00"); null: the desk's default calendar.
    calendar = models.ForeignKey(
        BusinessHours, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.origins, list) or not self.origins:
            raise ValidationError({"origins": "List at least one website origin."})
        if len(self.origins) > 20:
            raise ValidationError({"origins": "At most 20 origins."})
        try:
            self.origins = sorted({origin_clean(str(o)) for o in self.origins})
        except ValidationError as exc:
            raise ValidationError({"origins": exc.messages}) from exc
        if self.priority == Ticket.Priority.URGENT:
            raise ValidationError({"priority": "Widget conversations are at most high."})

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and (origin or "").lower() in self.origins


class Visitor(models.Model):
    """One visitor of one widget, in one browser: the token in the frame's storage names it.
    Only the token's SHA-256 is stored."""

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="visitors")
    # CASCADE: the visitor's account goes with the row (and the account's deletion, by
    # accounts.services.user_delete, takes the row).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="widget_visitor"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(blank=True)
    page = models.URLField(max_length=500, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The account that confirmed ``email`` and took the tickets over (widget.services.claim).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["email"], name="widget_visitor_email_idx")]

    def __str__(self) -> str:
        return f"{self.name or 'visitor'} on {self.widget_id}"
