"""The customer-care desk: tickets, their audit trail, notes, canned replies and feedback.
A ticket's conversation is a rooms.Conversation of kind "ticket" (the one message engine)."""

from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# A ticket's description, an internal note and a canned reply: one length for the desk's
# longer texts (the model, its forms and the API read it).
TEXT_MAX_LENGTH = 4000


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Availability(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("Unknown time zone.", code="time_zone") from exc
    if value not in available_timezones():  # ZoneInfo also opens paths like "../x"
        raise ValidationError("Unknown time zone.", code="time_zone")


class BusinessHours(models.Model):
    """A weekly calendar in one time zone, with holidays: when the desk is open
    (tickets.services.hours). The one marked default is the desk's; an SLA policy may name
    another. A calendar without intervals counts as always open (nothing set up yet)."""

    name = models.CharField(max_length=80, unique=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone],
        help_text="An IANA name such as Europe/Berlin: the intervals are local times there.",
    )  # fmt: skip
    is_default = models.BooleanField(
        default=False, help_text="The desk's calendar (auto-reply, widget, SLA policies)."
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "business hours"
        verbose_name_plural = "business hours"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True),
                name="one_default_calendar",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class BusinessInterval(models.Model):
    """One open span of a weekday, local time, start < end; an end of 00:00 means midnight.
    A night shift is two intervals (Mon 22:00-00:00, Tue 00:00-06:00): they join up."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    calendar = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means midnight, the end of the day.")

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        midnight = self.end is not None and self.end.isoformat() == "00:00:00"
        if self.start and self.end and not midnight and self.end <= self.start:
            raise ValidationError(
                {"end": "The end comes after the start (00:00 for midnight)."},
                code="interval",
            )


class Holiday(models.Model):
    """A day (in the calendar's zone) the desk is closed all day."""

    calendar = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.name or 'holiday'}"


class AgentProfile(models.Model):
    """How much an agent takes on, and what: used by auto-assignment."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="agents")
    capacity = models.PositiveSmallIntegerField(
        default=5, help_text="Open tickets this agent takes before the queue waits for them."
    )
    # Round robin among equals: the one who waited longest for a ticket goes first.
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    # Set by the agent (PUT /api/agent/availability); auto-assignment gives work only to
    # online agents. Online by default, so a desk that never used it keeps assigning.
    availability = models.CharField(
        max_length=8, choices=Availability.choices, default=Availability.ONLINE
    )

    def __str__(self) -> str:
        return f"agent {self.user}"


color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is #rrggbb, e.g. #3b82f6.")


class Label(models.Model):
    """A tag agents put on tickets ("refund", "vip"); admins define them."""

    name = models.CharField(max_length=40)
    color = models.CharField(max_length=7, default="#64748b", validators=[color_validator])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="label_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def validate_unique(self, exclude: "Collection[str] | None" = None) -> None:
        super().validate_unique(exclude)
        same = Label.objects.filter(name__iexact=self.name.strip()).exclude(pk=self.pk)
        if same.exists():
            raise ValidationError({"name": "A label with this name exists."}, code="unique")


class Ticket(models.Model):
    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Status(models.TextChoices):
        NEW = "new", "New"
        ASSIGNED = "assigned", "Assigned"
        IN_PROGRESS = "in_progress", "In progress"
        WAITING = "waiting", "Waiting on customer"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Source(models.TextChoices):
        WEB = "web", "Web"  # the site's form and the API
        EMAIL = "email", "E-mail"
        WIDGET = "widget", "Website widget"
        CHAT = "chat", "Chat message"  # a room or direct message made into a ticket

    OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING)

    # SET_NULL: a customer may delete their account; the ticket stays (as "deleted user").
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="tickets"
    )
    subject = models.CharField(max_length=150)
    description = models.TextField(max_length=TEXT_MAX_LENGTH)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    # Where the ticket came in: the customer's panel and reports show it; rules match on it.
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    conversation = models.OneToOneField(
        "rooms.Conversation", on_delete=models.PROTECT, related_name="ticket"
    )
    created_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Feedback is asked once per resolution; a reopened and re-resolved ticket asks again.
    resolution_count = models.PositiveIntegerField(default=0)
    # SLA due times (SlaPolicy of the priority); None when no policy covers it. A breach is
    # recorded once, when the periodic check (tickets.tasks.sla_check) finds it, and e-mailed.
    # The room or direct message this ticket was raised from ("Turn into ticket"), if any.
    source_message = models.OneToOneField(
        "rooms.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="ticket"
    )
    # The resolved ticket this one follows up: a customer who wrote after the reopen window.
    follows = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="tickets")
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["agent", "status"], name="ticket_queue_idx"),
            models.Index(fields=["customer", "-id"], name="ticket_customer_idx"),
            models.Index(fields=["status", "created_at"], name="ticket_status_idx"),
            models.Index(fields=["status", "resolution_due"], name="ticket_sla_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def sla_due(self) -> "datetime | None":
        """What is due next: the first response until there is one, then the resolution.
        None for a resolved or closed ticket, or one no policy covers."""
        if not self.is_open:
            return None
        if self.first_response_at is None and self.first_response_due is not None:
            return self.first_response_due
        return self.resolution_due

    def sla_breached(self, now: "datetime | None" = None) -> bool:
        due = self.sla_due
        return due is not None and due < (now or timezone.now())


class Macro(models.Model):
    """A named list of actions an agent runs on a ticket in one click. ``actions`` is checked
    by tickets.workflow (the admin site's form, and again when it runs)."""

    name = models.CharField(max_length=80, unique=True)
    actions = models.JSONField(
        default=list,
        help_text="A list of actions, e.g. "
        '[{"reply": "Thanks!"}, {"status": "waiting"}, {"labels_add": ["refund"]}]',
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AutomationRule(models.Model):
    """When (trigger), if (every condition holds), then (actions): run after the commit, in
    position order; a rule's own writes trigger no rules (tickets.services.automation). Its
    JSON is checked by tickets.workflow (the admin site's form, and again when it runs)."""

    class Trigger(models.TextChoices):
        CREATED = "created", "Ticket created"
        CUSTOMER_REPLIED = "customer_replied", "Customer replied"
        SLA_BREACHED = "sla_breached", "SLA breached"

    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0, help_text="Rules run lowest first.")
    active = models.BooleanField(default=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """How soon a ticket of one priority is answered and resolved (service-level targets).
    Due times are set on the ticket when it is raised (and the resolution's again when it is
    reopened); changing a policy applies to tickets raised after."""

    priority = models.CharField(max_length=10, unique=True, choices=Ticket.Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        help_text="The agent's first reply is due this many minutes after the ticket is raised."
    )
    resolution_minutes = models.PositiveIntegerField(
        help_text="The ticket is due to be resolved this many minutes after it is raised "
        "(or reopened)."
    )
    business_hours_only = models.BooleanField(
        default=False, help_text="Count only the minutes the desk is open (its calendar)."
    )
    calendar = models.ForeignKey(
        BusinessHours, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Empty: the desk's default calendar.",
    )  # fmt: skip

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return f"SLA for {self.priority}"


class TicketEvent(models.Model):
    """The audit trail shown on the ticket (in the style of Saleor's order events)."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        ASSIGNED = "assigned", "Assigned"
        STATUS = "status", "Status changed"
        REOPENED = "reopened", "Reopened"
        FEEDBACK = "feedback", "Feedback"
        RELEASED = "released", "Back to the queue"
        SLA = "sla", "SLA missed"
        RULE = "rule", "Automation rule"
        MACRO = "macro", "Macro"
        LABELS = "labels", "Labels changed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    # A rule's or a macro's run: its name and what it did ("Rule “VIP”: priority → urgent").
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.kind}"


class InternalNote(models.Model):
    """Agents' and admins' notes. Never shown to the customer: not on the page, the socket,
    the API or in e-mails (they are not messages of the conversation at all)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note on {self.ticket.number}"


class CannedReply(models.Model):
    title = models.CharField(max_length=80, unique=True)
    body = models.TextField(max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return self.title


class Feedback(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="feedback")
    resolution = models.PositiveIntegerField()
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "resolution"], name="one_feedback_per_resolution"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.ticket.number}"


class PlatformFeedback(models.Model):
    """What customers and agents tell the admins "for the betterment of the platform"
    (/feedback/): not about one ticket, about uchat."""

    class Topic(models.TextChoices):
        IDEA = "idea", "An idea"
        PROBLEM = "problem", "Something does not work"
        PRAISE = "praise", "Something I like"
        OTHER = "other", "Other"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    role = models.CharField(max_length=10)  # the author's role when they wrote it
    topic = models.CharField(max_length=10, choices=Topic.choices, default=Topic.IDEA)
    body = models.TextField(max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "platform feedback"
        verbose_name_plural = "platform feedback"

    def __str__(self) -> str:
        return f"{self.get_topic_display()} from {self.author or 'deleted user'}"


class MailFailure(models.Model):
    """An inbound e-mail that could not be stored (tickets.mailbox): while it is retried, how
    many tries it has had; once quarantined, why. One row per message of the mailbox."""

    class Status(models.TextChoices):
        RETRYING = "retrying", "Retrying"
        QUARANTINED = "quarantined", "Quarantined"

    # The mailbox's own name for the message: folder, UIDVALIDITY and UID.
    key = models.CharField(max_length=300, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RETRYING)
    code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # What its headers said, as far as they could be read: for the admin to recognise it.
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_failed_at", "-id"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.sender or 'unknown sender'}: {self.subject or '(no subject)'}"


class MailboxState(models.Model):
    """The support mailbox as the last ``fetch_mail`` poll left it: one row (pk 1), read by
    /check and the admin site. ``unseen`` counts the messages still unread after that poll."""

    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    unseen = models.PositiveIntegerField(default=0)
    # MailFailure rows by status after that poll (counted by the poller, not by /check).
    retrying = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"mailbox, last read {self.last_success_at or 'never'}"
