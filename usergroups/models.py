"""User groups: a mention handle (``@support``) that stands for its members."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,39}$"
# Handles that mean the whole room or who is online (rooms.services.notify).
RESERVED_NAMES = frozenset({"everyone", "all", "room", "channel", "here"})


class UserGroup(models.Model):
    name = models.CharField(
        max_length=40,
        validators=[
            RegexValidator(
                NAME_PATTERN,
                "2 to 40 lower-case letters, digits, '-' or '_', starting with a letter or digit.",
                code="invalid_name",
            )
        ],
    )
    description = models.CharField(max_length=200, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="user_groups")
    # Null once the creator deleted their account: the group stays, its members manage it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="usergroup_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"@{self.name}"
