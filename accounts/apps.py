from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's e-mail addresses are "Accounts" in the admin already.
    verbose_name = "People"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from accounts import bots, hooks, signals, tokens  # noqa: F401  (signals: receivers)
        from core import ws_auth
        from core.hooks import register

        register(hooks.after_access_revoke, tokens.api_tokens_end)
        register(hooks.after_access_revoke, bots.bots_of_deactivated_owner_end)
        hooks.on_user_delete(bots.bots_of_owner_end)
        ws_auth.prefixed_readers[tokens.PREFIX] = tokens.socket_token_read

        # After every migrate (bin/run and deploys run it at start-up), the Site row follows
        # UCHAT_SITE_NAME and UCHAT_SITE_URL: once per migrate, after the sites app's own
        # handler made the default row.
        sites = apps.get_app_config("sites")
        post_migrate.connect(_site_identity_sync, sender=sites, dispatch_uid="uchat-site")


def _site_identity_sync(sender: object, **kwargs: object) -> None:
    from accounts.site import site_identity_sync

    site_identity_sync()
