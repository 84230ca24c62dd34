"""What the message engine records for the dispatcher (core.domain_events): one dataclass per
event, with its name. Handlers are registered in the apps' tables (rooms/apps.py for the
engine's own; other apps register theirs the same way)."""

from dataclasses import dataclass
from typing import ClassVar

from accounts.models import User
from core.domain_events import DomainEvent
from rooms.models import Conversation, Membership, Message


@dataclass(frozen=True)
class MessageCreated(DomainEvent):
    """A new message (not a re-send of a stored client_id); ``message.sender`` is loaded."""

    name: ClassVar[str] = "message.created"
    message: Message


@dataclass(frozen=True)
class MessageEdited(DomainEvent):
    name: ClassVar[str] = "message.edited"
    message: Message


@dataclass(frozen=True)
class MessageDeleted(DomainEvent):
    """Deleted by its author, a room admin or staff: the row stays as a tombstone."""

    name: ClassVar[str] = "message.deleted"
    message: Message


@dataclass(frozen=True)
class MemberAdded(DomainEvent):
    name: ClassVar[str] = "member.added"
    membership: Membership
    actor: User
    notify: bool  # False: the caller tells the person itself (an assignment by another app)


@dataclass(frozen=True)
class MemberRemoved(DomainEvent):
    name: ClassVar[str] = "member.removed"
    conversation: Conversation
    user_id: int
    notice: str = ""  # why, in words for the removed person ("" : the default words)
