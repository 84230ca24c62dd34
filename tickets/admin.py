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
from tickets import services
from tickets.models import (
    AgentProfile,
    BusinessHours,
    BusinessInterval,
    CannedReply,
    Category,
    Feedback,
    Holiday,
    InternalNote,
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
    fields = readonly_fields = ("created_at", "kind", "actor", "agent", "from_status", "to_status")
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
        "created_at",
    ]
    list_filter = ["status", "priority", "category", ("agent", AgentListFilter)]
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
        "created_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "resolution_count",
    ]
    exclude = ["source_message"]  # shown as "source": its author, conversation and words
    inlines = [TicketEventInline, InternalNoteInline]
    actions = ["reassign", "assign_to_least_busy", "close_tickets"]

    @admin.display(description="raised from")
    def source(self, ticket: Ticket) -> str:
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
