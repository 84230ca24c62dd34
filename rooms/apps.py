from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import reverse

        from accounts import hooks as account_hooks
        from accounts.models import User
        from core.domain_events import on
        from core.hooks import register
        from notifications import hooks as notification_hooks
        from rooms import kinds, selectors, services, slash, switcher
        from rooms.domain_events import (
            MemberAdded,
            MemberRemoved,
            MessageCreated,
            MessageDeleted,
            MessageEdited,
        )
        from rooms.models import Conversation
        from rooms.services import conversations, notify, threads
        from rooms.services import invites as invite_services

        account_hooks.on_user_delete(services.memberships_release)
        register(account_hooks.may_create_bots, selectors.user_administers_a_room)
        slash.register_builtins()
        # Invite links: a creator's links end with their access; a sign-up joins its link's room.
        register(account_hooks.after_access_revoke, invite_services.invites_revoke_by)
        register(account_hooks.after_signup, invite_services.invite_signup)
        notification_hooks.on_online_check(selectors.online_user_ids)

        # The engine's side effects, after the commit (core.domain_events). A new message's
        # broadcast is not here: the writer sends those itself, in seq order (rooms/writer.py).
        on(MessageCreated, notify.message_created, retries=1, when=notify.message_concerns_others)
        on(MessageCreated, threads.reply_created, retries=1, when=threads.is_thread_reply)
        on(MessageEdited, services.message_broadcast)
        on(MessageDeleted, services.message_broadcast)
        on(MessageDeleted, threads.reply_deleted, when=threads.is_thread_reply)
        on(MemberAdded, conversations.member_announce)
        on(MemberAdded, notify.member_added, retries=1)
        on(MemberRemoved, conversations.member_removed_announce)

        def room_url(conversation: Conversation, user: User) -> str:
            return reverse("rooms:detail", args=[conversation.pk])

        def direct_url(conversation: Conversation, user: User) -> str | None:
            other = selectors.direct_partner(conversation=conversation, user=user)
            # They deleted their account: the history stays readable on the chat page itself.
            return None if other is None else reverse("direct", args=[other.username])

        kinds.register(
            kinds.ConversationKind(
                name=Conversation.Kind.ROOM, url=room_url, switcher=switcher.rooms_for_switcher
            )
        )
        kinds.register(
            kinds.ConversationKind(
                name=Conversation.Kind.DIRECT,
                url=direct_url,
                switcher=switcher.directs_for_switcher,
            )
        )
