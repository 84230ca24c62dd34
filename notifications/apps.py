from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks
        from core.hooks import register
        from notifications import services

        register(hooks.after_user_create, services.user_created_notify)
