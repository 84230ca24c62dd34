from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks
        from core.hooks import register
        from notifications import push, services

        register(hooks.after_user_create, services.user_created_notify)
        register(hooks.after_access_revoke, push.push_subscriptions_end_user)
        register(hooks.after_session_end, push.push_subscriptions_end_session)
