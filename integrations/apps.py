from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks as account_hooks
        from core.domain_events import on
        from core.hooks import register
        from integrations.services import bot_commands, incoming, outgoing, routing
        from rooms import commands
        from rooms.domain_events import (
            MemberRemoved,
            MessageCreated,
            MessageDeleted,
            MessageEdited,
        )
        from tickets.services import events as ticket_events

        register(account_hooks.after_access_revoke, incoming.webhooks_end_for_user)
        register(account_hooks.after_access_revoke, outgoing.webhooks_pause_for_user)
        register(commands.providers, bot_commands.commands_provider)
        # Someone who leaves a room stops reading it through their bots and webhooks there.
        on(MemberRemoved, incoming.on_member_removed)
        # Outgoing webhooks: each event, once committed, is queued for the hooks that hear it.
        on(MessageCreated, routing.on_message_created, when=routing.message_in_room_or_ticket)
        on(MessageEdited, routing.on_message_edited)
        on(MessageDeleted, routing.on_message_deleted)
        on(ticket_events.TicketOpened, routing.on_ticket_opened)
        on(ticket_events.TicketAssigned, routing.on_ticket_updated)
        on(ticket_events.TicketStatusChanged, routing.on_ticket_status_changed)
        on(ticket_events.TicketNoteAdded, routing.on_ticket_note)
