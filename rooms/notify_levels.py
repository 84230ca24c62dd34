"""A membership's notification level as the rule sees it: the stored level, or (when "")
the conversation kind's default; and the Scope handed to notifications. Pure: no query."""

from notifications import rules
from notifications.rules import Scope
from rooms.models import Conversation, Membership


def default_level(kind: str) -> str:
    """Rooms tell of mentions; direct and ticket conversations (and any other kind, all of
    them addressed to their few members) tell of every message."""
    return rules.MENTIONS if kind == Conversation.Kind.ROOM else rules.ALL


def membership_level(membership: Membership, *, kind: str | None = None) -> str:
    """The effective level ("" is the conversation kind's default)."""
    return membership.notify_level or default_level(kind or membership.conversation.kind)


def membership_scope(membership: Membership, *, kind: str | None = None) -> Scope:
    return Scope(level=membership_level(membership, kind=kind), muted_until=membership.muted_until)
