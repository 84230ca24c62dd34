from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks as account_hooks
        from core.hooks import register
        from rooms import hooks as engine_hooks
        from rooms.models import Conversation
        from tickets import services

        account_hooks.on_user_delete(services.tickets_release)
        register(account_hooks.after_agent_change, services.agent_role_changed)
        engine_hooks.on_message_stored(Conversation.Kind.TICKET, services.ticket_message_posted)
        engine_hooks.on_agent_online(services.agent_came_online)
