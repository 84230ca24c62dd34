"""What other apps do when an account is created, deleted or changes role. accounts sits below
every app and names none of them: they add their hooks in their AppConfig.ready()."""

from collections.abc import Callable
from typing import Protocol

from django.http import HttpRequest

from accounts.models import User
from core.hooks import register


class UserHook(Protocol):
    def __call__(self, *, user: User) -> None: ...


class SessionHook(Protocol):
    def __call__(self, *, session_key: str) -> None: ...


class SignupHook(Protocol):
    def __call__(self, *, request: HttpRequest, user: User) -> None: ...


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
# Inside user_access_revoke (a password change, deactivation, deletion): whatever else holds the
# person's access ends too (notifications: their Web Push subscriptions on every device).
after_access_revoke: list[UserHook] = []
# A person created their account on the sign-up page or with a social log-in (allauth's
# user_signed_up), in that request: an invite link kept in the session joins its room.
after_signup: list[SignupHook] = []
# A browser session ended (log-out): what that device was given ends (its push subscriptions).
after_session_end: list[SessionHook] = []


class UserCheck(Protocol):
    def __call__(self, *, user: User) -> bool: ...


# Whether a person who is not staff may make bots (rooms: they administer a room).
may_create_bots: list[UserCheck] = []
# Whether a name is taken by something "@name" also mentions (usergroups: a group's name):
# a new username must not be one, or its person would receive every mention of the group.
name_taken_checks: list[Callable[[str], bool]] = []


def on_user_delete(hook: UserHook) -> UserHook:
    return register(before_user_delete, hook)
