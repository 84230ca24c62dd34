from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks as account_hooks
        from core.domain_events import on
        from core.hooks import register
        from rooms import hooks as engine_hooks
        from rooms import kinds
        from rooms.domain_events import MessageCreated
        from tickets import frames, services, slash
        from tickets.kind import TICKET
        from tickets.services import automation, events, reactions, viewers

        account_hooks.on_user_delete(services.tickets_release)
        register(account_hooks.after_agent_change, services.agent_role_changed)
        engine_hooks.on_message_check(TICKET.name, services.ticket_message_check)
        # Collision: a ticket page's ticket.view frames; a closed tab stops viewing.
        engine_hooks.on_socket_frame(frames.TICKET_VIEW, viewers.ticket_view)
        engine_hooks.on_socket_closed(viewers.viewers_closed)

        # The desk's side effects, after the commit (core.domain_events; docs/architecture.md).
        # retries: each try is its own transaction (a deadlock on the ticket's row passes).
        on(MessageCreated, reactions.message_posted, retries=2, when=reactions.message_in_ticket)
        on(events.TicketChanged, reactions.ticket_updated)  # every ticket event
        on(events.TicketOpened, reactions.ticket_opened)
        on(events.TicketAssigned, reactions.ticket_assigned)
        on(events.TicketStatusChanged, reactions.ticket_status_changed)
        on(events.TicketStatusChanged, reactions.queue_drain_when_freed)
        on(events.TicketBreached, reactions.ticket_breached)
        on(events.TicketReleased, reactions.ticket_released)
        # Automation rules, after the handlers above (a reopen is done before rules look).
        on(events.TicketOpened, automation.on_ticket_opened)
        on(events.TicketBreached, automation.on_ticket_breached)
        on(MessageCreated, automation.on_customer_message, when=automation.customer_message)
        kinds.register(TICKET)
        slash.register_commands()
