from typing import Any, ClassVar

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models, transaction
from phonenumber_field.modelfields import PhoneNumberField


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    ADMIN = "admin", "Admin"


class Theme(models.TextChoices):
    """The colour mode a person picked in the user menu (Bootstrap's ``data-bs-theme``); auto
    follows the system's light or dark setting."""

    LIGHT = "light", "Light"
    DARK = "dark", "Dark"
    AUTO = "auto", "Auto"


class UserManager(DjangoUserManager["User"]):
    @transaction.atomic
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> "User":
        """``manage.py createsuperuser``: the operator vouches for the e-mail address, as staff
        do for the accounts they create (accounts.services.user_create), so the new admin can
        log in to the API at once."""
        user = super().create_superuser(username, email, password, **extra)
        if user.email:
            self.email_vouch(user)
        return user

    def email_vouch(self, user: "User") -> None:
        """Record the account's e-mail address as confirmed and primary: whoever made the
        account (staff, the operator) vouches for it."""
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )


class User(AbstractUser):
    """A person. The role is derived: staff are admins, ``is_agent`` marks agents."""

    # Optional when the person signed up with a mobile number: empty is stored as NULL, so
    # that any number of accounts may have none (unique ignores NULLs).
    email = models.EmailField(  # type: ignore[assignment]
        "email address", unique=True, null=True, blank=True
    )
    # E.164 (+919876543210). Verified by a code sent to it: at sign-up, at a log-in by code,
    # and before a change of number takes effect (allauth's phone flows, accounts.adapter).
    phone = PhoneNumberField("mobile number", unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(default=False)
    # The guided tour: when the person finished or skipped it (None: show it on the next page).
    tour_done_at = models.DateTimeField(null=True, blank=True)
    display_name = models.CharField(max_length=80, blank=True)
    theme = models.CharField(max_length=5, choices=Theme.choices, default=Theme.AUTO)
    is_agent = models.BooleanField(
        default=False, help_text="Agents handle the customer-care tickets assigned to them."
    )
    # Notifications (notifications.rules): do not disturb until then, and daily quiet hours
    # on the person's own clock (both or neither; start after end spans midnight).
    time_zone = models.CharField(max_length=64, default="UTC")
    dnd_until = models.DateTimeField(null=True, blank=True)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    notify_email = models.BooleanField(default=True)
    notify_push = models.BooleanField(default=True)
    # A bot (accounts.services.bot_create): a program's account, reached only with API tokens
    # (no password, no log-in page), owned by the person who made it.
    is_bot = models.BooleanField(default=False)
    bot_owner = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="bots"
    )
    # A bot's picture (BotAvatar, a Lucide icon name); empty for people.
    bot_avatar = models.CharField(max_length=20, blank=True)
    # A guest (made by a guest invite link): sees only the rooms they were invited to.
    is_guest = models.BooleanField(default=False)
    # On the team, not only a customer of the desk: finds every public room in the directory
    # and sees the user groups (accounts.selectors.is_team_member). Anyone may sign up, for
    # the desk as much as for the rooms, so an account joins the team only when vouched for:
    # made by staff, added to a room by a team member, joining by a team member's (non-guest)
    # invite link, or ticked in the admin site.
    team_member = models.BooleanField(
        default=False,
        help_text="Finds every public room and the user groups (staff and agents always do).",
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.email:
            self.email = None  # "no address" is NULL, whatever the form or flow gave
        super().save(*args, **kwargs)

    @property
    def role(self) -> Role:
        if self.is_staff:
            return Role.ADMIN
        if self.is_agent:
            return Role.AGENT
        return Role.CUSTOMER

    @property
    def name(self) -> str:
        """What other people see: the display name, else the first and last name, else the
        username."""
        return self.display_name or self.get_full_name() or self.username


class EmailChange(models.Model):
    """An address staff gave an account (accounts.services.user_email_change), waiting for its
    owner to confirm it. Until then the account keeps the addresses it proved; once it is
    confirmed they go, as the owner of the new one asked through staff."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id} → {self.email}"


class BotAvatar(models.TextChoices):
    """A bot's picture: one of a few Lucide icons (no uploads: nothing to re-encode, nothing
    to scan, and every one reads well in light and dark)."""

    BOT = "bot", "Robot"
    CPU = "cpu", "Chip"
    ZAP = "zap", "Lightning"
    BELL = "bell", "Bell"
    TERMINAL = "terminal", "Terminal"
    GIT_BRANCH = "git-branch", "Branch"
    ROCKET = "rocket", "Rocket"
    MEGAPHONE = "megaphone", "Megaphone"


class ApiToken(models.Model):
    """A personal API token (``uchat_pat_<secret>``), or a bot's. Only the secret's sha256 is
    stored; ``prefix`` (its first characters) lets people tell tokens apart. It authenticates
    as ``user`` until it expires, is deleted, or the person's access is revoked (a password
    change, deactivation, deletion: accounts.tokens.api_tokens_end)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Who made it: the person, or the owner (or staff member) who made a bot's.
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (uchat_pat_{self.prefix}…)"
