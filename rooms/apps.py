from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks as account_hooks
        from core.domain_events import on
        from notifications import hooks as notification_hooks
        from rooms import selectors, services
        from rooms.domain_events import (
            MemberAdded,
            MemberRemoved,
            MessageCreated,
            MessageDeleted,
            MessageEdited,
        )
        from rooms.services import conversations, notify

        account_hooks.on_user_delete(services.memberships_release)
        notification_hooks.on_online_check(selectors.online_user_ids)

        # The engine's side effects, after the commit (core.domain_events). A new message's
        # broadcast is not here: the writer sends those itself, in seq order (rooms/writer.py).
        on(MessageCreated, notify.message_created, retries=1)
        on(MessageEdited, services.message_broadcast)
        on(MessageDeleted, services.message_broadcast)
        on(MemberAdded, conversations.member_announce)
        on(MemberAdded, notify.member_added, retries=1)
        on(MemberRemoved, conversations.member_removed_announce)
