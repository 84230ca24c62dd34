"""What other apps do when a person's account is deleted. accounts sits below every app and
names none of them: rooms and tickets add their hooks in their AppConfig.ready()."""

from collections.abc import Callable
from typing import Protocol

from accounts.models import User


class UserHook(Protocol):
    def __call__(self, *, user: User) -> None: ...


# Run inside the deletion's transaction, before the row goes: move the person's work on.
before_user_delete: list[UserHook] = []


def on_user_delete(hook: UserHook) -> Callable[..., None]:
    if hook not in before_user_delete:
        before_user_delete.append(hook)
    return hook
