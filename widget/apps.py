from typing import Any, cast

from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "widget"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from core import ws_auth
        from core.hooks import register
        from rooms import hooks as engine_hooks
        from tickets import hooks as desk_hooks
        from tickets.kind import TICKET
        from widget import handlers, selectors, services

        ws_auth.token_readers["widget"] = handlers.socket_user
        engine_hooks.on_message_check(TICKET.name, handlers.message_check)
        register(desk_hooks.mail_addresses, cast(Any, services.visitor_mail_address))
        register(desk_hooks.mail_reply_senders, cast(Any, services.visitor_mail_sender))
        register(desk_hooks.customer_facts, cast(Any, selectors.ticket_facts))
        email_confirmed.connect(handlers.email_confirmed, dispatch_uid="widget.claim")
