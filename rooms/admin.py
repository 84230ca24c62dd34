from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.http import staff_user
from rooms import kinds, services
from rooms.models import Conversation, Invite, Membership, Message
from rooms.services import invites as invite_services


class KindFilter(admin.SimpleListFilter):
    """By the kinds registered (rooms.kinds), as Conversation.kind lists no choices."""

    title = "kind"
    field_path = "kind"
    parameter_name = "kind__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(kind.name, kind.name.capitalize()) for kind in kinds.all_kinds()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value is None else queryset.filter(**{self.field_path: value})


class MessageKindFilter(KindFilter):
    field_path = "conversation__kind"
    # Not a lookup: the admin refuses lookups across relations that no field filter names.
    parameter_name = "conversation_kind"


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "conversation"
    fields = readonly_fields = ("user", "is_admin", "added_by", "added_at", "last_read_message_id")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Conversation | None = None) -> bool:
        return False  # membership changes go through the room services (edit room page)


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "kind", "visibility", "created_by", "created_at"]
    list_filter = [KindFilter, "visibility", "open_to_customers", "created_at"]
    search_fields = ["name", "topic", "created_by__username"]
    readonly_fields = ["kind", "direct_key", "created_by", "created_at", "last_message"]
    fields = ["name", "topic", "visibility", "open_to_customers", *readonly_fields]
    inlines = [MembershipInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rooms are created through the service, with their first admin

    def save_model(
        self, request: HttpRequest, obj: Conversation, form: object, change: bool
    ) -> None:
        stored = Conversation.objects.get(pk=obj.pk)
        if stored.kind != Conversation.Kind.ROOM:  # only rooms are public or private
            services.room_details_set(room=stored, name=obj.name, topic=obj.topic)
            return
        services.room_details_set(
            room=stored,
            name=obj.name,
            topic=obj.topic,
            visibility=obj.visibility,
            open_to_customers=obj.open_to_customers,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Conversation | None = None) -> bool:
        # Rooms only: a direct conversation goes with its people, a ticket's with the ticket.
        if obj is not None and obj.kind != Conversation.Kind.ROOM:
            return False
        return super().has_delete_permission(request, obj)

    # Through room_delete: the room's sockets close and members' dashboards drop it.
    def delete_model(self, request: HttpRequest, obj: Conversation) -> None:
        services.room_delete(room=obj, actor=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        for room in queryset.filter(kind=Conversation.Kind.ROOM):
            services.room_delete(room=room, actor=staff_user(request))
        skipped = queryset.exclude(kind=Conversation.Kind.ROOM).count()
        if skipped:
            self.message_user(
                request,
                f"Kept {skipped} conversations that are not rooms: only rooms are deleted here.",
                messages.WARNING,
            )


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "conversation",
        "sender",
        "short_body",
        "created_at",
        "edited_at",
        "deleted_at",
    ]
    list_filter = [MessageKindFilter, "created_at", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "sender__username", "conversation__name"]
    list_select_related = ["conversation", "sender"]
    readonly_fields = [
        "conversation",
        "sender",
        "body",
        "client_id",
        "created_at",
        "edited_at",
        "deleted_at",
        # A thread's shape is the message services' to keep (the root's counters with it).
        "thread",
        "also_to_room",
        "reply_count",
        "last_reply_at",
        "thread_participants",
    ]
    actions = ["delete_softly"]
    show_full_result_count = False  # no COUNT(*) over millions of messages

    @admin.display(description="text")
    def short_body(self, obj: Message) -> str:
        return obj.body[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False  # use the action: it keeps the tombstone and tells the room

    @admin.action(description="Delete selected messages (shown as deleted in the room)")
    def delete_softly(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = 0
        for message in queryset.select_related("conversation"):
            if message.deleted_at is None:
                services.message_delete_as_staff(message=message)
                count += 1
        self.message_user(request, f"Deleted {count} messages.", messages.SUCCESS)


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    """Invite links (made by room admins on the room's page or the API): staff see and revoke
    them; the token is never stored, so a link cannot be made or shown here."""

    list_display = ["id", "conversation", "created_by", "guest", "uses", "max_uses", "expires_at"]
    list_filter = ["guest", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["conversation__name", "created_by__username"]
    list_select_related = ["conversation", "created_by"]
    readonly_fields = [
        "conversation",
        "created_by",
        "token_hash",
        "guest",
        "expires_at",
        "max_uses",
        "uses",
        "revoked_at",
        "created_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected invite links")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invite]) -> None:
        actor = staff_user(request)
        count = 0
        for invite in queryset.filter(revoked_at__isnull=True).select_related("conversation"):
            invite_services.invite_revoke(invite=invite, actor=actor)
            count += 1
        self.message_user(request, f"Revoked {count} invite links.", messages.SUCCESS)
