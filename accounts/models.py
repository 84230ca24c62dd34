from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    """A person. The role is derived: staff are admins, ``is_agent`` marks agents."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    is_agent = models.BooleanField(
        default=False, help_text="Agents handle the customer-care tickets assigned to them."
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    @property
    def role(self) -> Role:
        if self.is_staff:
            return Role.ADMIN
        if self.is_agent:
            return Role.AGENT
        return Role.CUSTOMER

    @property
    def name(self) -> str:
        """What other people see: the display name, else the username."""
        return self.display_name or self.username
