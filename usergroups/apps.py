from django.apps import AppConfig


class UsergroupsConfig(AppConfig):
    name = "usergroups"
    verbose_name = "User groups"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks as account_hooks
        from rooms import hooks as engine_hooks
        from rooms.services import notify
        from usergroups import selectors

        # "@name" of a group names its members (the engine keeps those of the conversation
        # and tells each under their own settings), in room messages and thread replies alike.
        notify.mention_resolvers.append(selectors.mentioned_member_ids)
        # The chat page's boot data: the groups to suggest, and the reader's own (highlight).
        engine_hooks.on_chat_extras(selectors.chat_extras)
        # A new username must not be a group's name: its person would get every "@name" of it.
        account_hooks.name_taken_checks.append(selectors.group_name_taken)
