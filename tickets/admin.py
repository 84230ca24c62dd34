from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from accounts.http import staff_user
from accounts.models import User
from tickets import services, workflow
from tickets.models import (
    AgentProfile,
    AutomationRule,
    BusinessHours,
    BusinessInterval,
    CannedReply,
    Category,
    Feedback,
    Holiday,
    InternalNote,
    Label,
    Macro,
    MailboxState,
    MailFailure,
    PlatformFeedback,
    SlaPolicy,
    Ticket,
    TicketEvent,
)


class ReassignForm(forms.Form):
    agent = forms.ModelChoiceField(
        queryset=User.objects.filter(is_agent=True, is_active=True).order_by("username"),
        help_text="The tickets leave their current agent, who no longer sees them.",
    )


class AgentListFilter(admin.RelatedFieldListFilter):
    """ "By agent" lists the agents (and anyone still named on a ticket), not every account."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        named = Ticket.objects.filter(agent__isnull=False).values("agent")
        people = User.objects.filter(Q(is_agent=True) | Q(pk__in=named)).order_by("username")
        return [(user.pk, user.name) for user in people]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    fields = readonly_fields = (
        "created_at", "kind", "actor", "agent", "from_status", "to_status", "detail",
    )  # fmt: skip
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


class InternalNoteInline(admin.TabularInline):
    model = InternalNote
    fields = readonly_fields = ("created_at", "author", "body")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "subject",
        "customer",
        "agent",
        "status",
        "priority",
        "category",
        "source",
        "created_at",
    ]
    list_filter = ["status", "priority", "source", "category", ("agent", AgentListFilter)]
    search_fields = ["=id", "subject", "customer__username", "agent__username"]
    list_select_related = ["customer", "agent", "category"]
    readonly_fields = [
        "customer",
        "subject",
        "description",
        "category",
        "priority",
        "status",
        "agent",
        "conversation",
        "source",
        "raised_from",
        "follows",
        "created_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "resolution_count",
    ]
    exclude = ["source_message"]  # shown as "raised from": its author, conversation and words
    inlines = [TicketEventInline, InternalNoteInline]
    actions = ["reassign", "assign_to_least_busy", "close_tickets"]

    @admin.display(description="raised from")
    def raised_from(self, ticket: Ticket) -> str:
        message = ticket.source_message
        if message is None:
            return "—"
        where = message.conversation.name or "a direct conversation"
        link = reverse("conversation", args=[message.conversation_id])
        words = message.body if len(message.body) <= 80 else message.body[:79] + "…"
        author = message.sender.name if message.sender else "deleted user"
        return format_html(
            '<a href="{}?around={}">{}’s message in {}</a>: “{}”', link, message.pk, author, where,
            words,
        )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers raise tickets; the service owns their conversation and events

    # Tickets change only through the desk's services (their actions, the ticket pages): the
    # change page is read-only, and tickets are never deleted here.
    def has_change_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False

    @admin.action(description="Reassign selected to an agent…")
    def reassign(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> TemplateResponse | None:
        """An intermediate page asks for the agent; each ticket goes through ticket_assign."""
        form = ReassignForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            agent = form.cleaned_data["agent"]
            done, refused = 0, []
            for ticket in queryset:
                try:
                    services.ticket_assign(ticket=ticket, agent=agent, actor=staff_user(request))
                except ValidationError as exc:
                    refused.append(f"{ticket.number}: {' '.join(exc.messages)}")
                else:
                    done += 1
            self.message_user(
                request, f"Assigned {done} tickets to {agent.name}.", messages.SUCCESS
            )
            for line in refused:
                self.message_user(request, line, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reassign tickets",
            "opts": self.model._meta,
            "tickets": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/tickets/ticket/reassign.html", context)

    @admin.action(description="Assign selected to the least busy agent (online or not)")
    def assign_to_least_busy(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        done = 0
        for ticket in queryset.filter(status__in=Ticket.OPEN_STATUSES):
            if services.ticket_assign_least_busy(ticket=ticket, actor=staff_user(request)) is None:
                self.message_user(request, "There are no agents.", messages.ERROR)
                return
            done += 1
        self.message_user(request, f"Assigned {done} tickets.", messages.SUCCESS)

    @admin.action(description="Close selected tickets")
    def close_tickets(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        done = 0
        for ticket in queryset.exclude(status=Ticket.Status.CLOSED):
            services.ticket_status_set(
                ticket=ticket, actor=staff_user(request), status=Ticket.Status.CLOSED
            )
            done += 1
        self.message_user(request, f"Closed {done} tickets.", messages.SUCCESS)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(PlatformFeedback)
class PlatformFeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "author", "role", "topic"]
    list_filter = ["topic", "role", "created_at"]
    search_fields = ["body", "author__username"]
    readonly_fields = ["author", "role", "topic", "body", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "priority", "first_response_minutes", "resolution_minutes", "business_hours_only",
        "calendar",
    ]  # fmt: skip


class BusinessIntervalInline(admin.TabularInline):
    model = BusinessInterval
    extra = 1


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    """The desk's calendars: weekly intervals (several per day; a night shift is two) and
    holidays, in the calendar's time zone."""

    list_display = ["name", "time_zone", "is_default"]
    inlines = [BusinessIntervalInline, HolidayInline]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title"]
    search_fields = ["title", "body"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["ticket", "rating", "resolution", "created_at"]
    list_filter = ["rating", "created_at"]
    search_fields = ["=ticket__id", "comment", "ticket__customer__username"]
    readonly_fields = ["ticket", "resolution", "rating", "comment", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "availability", "capacity", "last_assigned_at"]
    list_filter = ["availability"]
    filter_horizontal = ["categories"]
    search_fields = ["user__username"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_agent=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(MailFailure)
class MailFailureAdmin(admin.ModelAdmin):
    """Inbound e-mail that fetch_mail could not store: being retried, or quarantined (the
    message itself is in the mailbox's quarantine folder). Read-only: delete a row once dealt
    with."""

    list_display = ["last_failed_at", "status", "code", "sender", "subject", "attempts", "why"]
    list_filter = ["status", "code"]
    search_fields = ["sender", "subject", "message_id", "reason"]
    readonly_fields = [
        "key", "status", "code", "reason", "attempts", "sender", "subject", "message_id",
        "size", "first_failed_at", "last_failed_at",
    ]  # fmt: skip

    @admin.display(description="reason")
    def why(self, obj: MailFailure) -> str:
        return obj.reason if len(obj.reason) <= 120 else obj.reason[:119] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MailFailure | None = None) -> bool:
        return False


@admin.register(MailboxState)
class MailboxStateAdmin(admin.ModelAdmin):
    """How the last fetch_mail poll left the support mailbox, with the counts it took (the
    anonymous /check says only whether the poller is healthy)."""

    list_display = ["__str__", "unseen", "retrying", "quarantined", "last_error_at"]
    readonly_fields = [
        "last_success_at", "unseen", "retrying", "quarantined", "last_error_at", "last_error",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MailboxState | None = None) -> bool:
        return False


def _agents() -> QuerySet[User]:
    return User.objects.filter(is_agent=True, is_active=True).order_by("username")


def _blank(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class _StepsForm(forms.ModelForm):
    """A form of one optional field per step; saved as the model's ordered JSON list (in the
    order of the fields) and checked by tickets.workflow."""

    steps: dict[str, tuple[str, ...]] = {}  # JSON field -> the form fields, in order

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for json_field in self.steps:
            for step in getattr(self.instance, json_field) or []:
                ((key, value),) = step.items()
                field = self.fields.get(key if key in self.fields else f"{json_field}_{key}")
                if field is None:
                    continue
                name = key if key in self.fields else f"{json_field}_{key}"
                self.initial[name] = self._initial(name, value)

    def _initial(self, name: str, value: Any) -> Any:
        field = self.fields[name]
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            return value
        if isinstance(field, forms.ModelMultipleChoiceField):
            return list(queryset.filter(name__in=value))
        lookup = "username" if queryset.model is User else "name"
        return queryset.filter(**{lookup: value}).first()

    @staticmethod
    def _value(value: Any) -> Any:
        if isinstance(value, User):
            return value.username
        if isinstance(value, (Category, Label)):
            return value.name
        if isinstance(value, QuerySet):
            return [item.name for item in value]
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for json_field, names in self.steps.items():
            steps = []
            for name in names:
                value = data.get(name)
                if value in (None, "", [], False) or (isinstance(value, QuerySet) and not value):
                    continue
                key = name.removeprefix(f"{json_field}_")
                steps.append({key: self._value(value)})
            try:
                setattr(self.instance, json_field, self.check(json_field, steps))
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def check(self, json_field: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError


class MacroForm(_StepsForm):
    reply = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the customer, as the agent who runs the macro.",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="An internal note (never shown to the customer).",
    )
    labels_add = forms.ModelMultipleChoiceField(
        Label.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    labels_remove = forms.ModelMultipleChoiceField(
        Label.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    priority = forms.ChoiceField(choices=_blank(Ticket.Priority.choices), required=False)
    assign = forms.ModelChoiceField(_agents(), required=False, help_text="Assign to this agent.")
    status = forms.ChoiceField(
        choices=_blank([(s, Ticket.Status(s).label) for s in workflow.MACRO_STATUSES]),
        required=False, help_text="Set last, after the steps above.",
    )  # fmt: skip
    steps = {
        "actions": ("reply", "note", "labels_add", "labels_remove", "priority", "assign", "status")
    }

    class Meta:
        model = Macro
        fields = ["name"]

    def check(self, json_field: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return workflow.macro_actions_clean(steps)


class RuleForm(_StepsForm):
    conditions_subject_contains = forms.CharField(required=False, label="Subject contains")
    conditions_description_contains = forms.CharField(required=False, label="Description contains")
    conditions_category_is = forms.ModelChoiceField(
        Category.objects.all(), required=False, label="Category is"
    )
    conditions_priority_is = forms.ChoiceField(
        choices=_blank(Ticket.Priority.choices), required=False, label="Priority is"
    )
    conditions_label_has = forms.ModelChoiceField(
        Label.objects.all(), required=False, label="Has the label"
    )
    conditions_source_is = forms.ChoiceField(
        choices=_blank(Ticket.Source.choices), required=False, label="Came in by"
    )
    conditions_customer_domain_is = forms.CharField(
        required=False, label="Customer's e-mail domain is", help_text="e.g. example.com"
    )
    actions_assign_agent = forms.ModelChoiceField(_agents(), required=False,
                                                  label="Assign to the agent")  # fmt: skip
    actions_assign_category = forms.ModelChoiceField(
        Category.objects.all(), required=False, label="Put in the category",
        help_text="And give it to an online agent of that category when it has no agent.",
    )  # fmt: skip
    actions_priority = forms.ChoiceField(
        choices=_blank(Ticket.Priority.choices), required=False, label="Set the priority"
    )
    actions_labels_add = forms.ModelMultipleChoiceField(
        Label.objects.all(), required=False, label="Add the labels",
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    actions_reply = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Send the reply",
        help_text="Sent to the customer as the ticket's agent (the desk when it has none).",
    )  # fmt: skip
    actions_notify = forms.ModelChoiceField(
        User.objects.filter(is_active=True).filter(Q(is_staff=True) | Q(is_agent=True)),
        required=False, label="Notify this person",
    )  # fmt: skip
    actions_notify_admins = forms.BooleanField(required=False, label="Notify the admins")
    steps = {
        "conditions": tuple(f"conditions_{key}" for key in workflow.RULE_CONDITIONS),
        "actions": tuple(f"actions_{key}" for key in workflow.RULE_ACTIONS),
    }

    class Meta:
        model = AutomationRule
        fields = ["name", "position", "active", "trigger"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for step in self.instance.actions or []:
            if step == {"notify": "admins"}:
                self.initial["actions_notify_admins"] = True
                self.initial.pop("actions_notify", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("actions_notify_admins"):
            self.instance.actions = [*self.instance.actions, {"notify": "admins"}]
        if not self.instance.actions and not self.errors:
            self.add_error(None, "A rule does at least one thing: choose an action.")
        return data

    def check(self, json_field: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if json_field == "conditions":
            return workflow.rule_conditions_clean(steps)
        return workflow.rule_actions_clean(steps) if steps else []


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "color", "ticket_count"]
    search_fields = ["name"]

    @admin.display(description="tickets")
    def ticket_count(self, label: Label) -> int:
        return label.tickets.count()


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    form = MacroForm
    list_display = ["name", "summary"]
    fieldsets = [
        (None, {"fields": ["name"]}),
        ("Actions, in this order", {"fields": list(MacroForm.steps["actions"])}),
    ]

    @admin.display(description="actions")
    def summary(self, macro: Macro) -> str:
        return ", ".join(next(iter(step)) for step in macro.actions)


@admin.register(AutomationRule)
class AutomationRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ["name", "position", "active", "trigger", "summary"]
    list_editable = ["position", "active"]
    list_filter = ["trigger", "active"]
    fieldsets = [
        ("When", {"fields": ["name", "trigger", "position", "active"]}),
        ("If all of these hold (leave empty to match every ticket)",
         {"fields": list(RuleForm.steps["conditions"])}),
        ("Then, in this order",
         {"fields": [*RuleForm.steps["actions"], "actions_notify_admins"]}),
    ]  # fmt: skip

    @admin.display(description="does")
    def summary(self, rule: AutomationRule) -> str:
        return ", ".join(next(iter(step)) for step in rule.actions)
