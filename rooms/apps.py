from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks as account_hooks
        from notifications import hooks as notification_hooks
        from rooms import selectors, services

        account_hooks.on_user_delete(services.memberships_release)
        notification_hooks.on_online_check(selectors.online_user_ids)
