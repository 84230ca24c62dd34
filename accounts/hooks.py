"""What other apps do when an account is created, deleted or changes role. accounts sits below
every app and names none of them: they add their hooks in their AppConfig.ready()."""

from typing import Protocol

from accounts.models import User
from core.hooks import register


class UserHook(Protocol):
    def __call__(self, *, user: User) -> None: ...


class CreatedHook(Protocol):
    def __call__(self, *, user: User, creator: User | None) -> None: ...


# Inside the creation's transaction, after the row and its confirmed e-mail are stored
# (``creator`` None: the operator, on the command line).
after_user_create: list[CreatedHook] = []
# Inside the deletion's transaction, before the row goes: move the person's work on.
before_user_delete: list[UserHook] = []
# Inside the change's transaction, after the flag is saved: the desk keeps AgentProfile and
# the agent's tickets in step with the role, whichever door changed it.
after_agent_change: list[UserHook] = []


def on_user_delete(hook: UserHook) -> UserHook:
    return register(before_user_delete, hook)
