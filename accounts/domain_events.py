"""What accounts records for the dispatcher (core.domain_events). No handler is registered
yet: a webhook or an export that must hear of a deletion registers one."""

from dataclasses import dataclass
from typing import ClassVar

from core.domain_events import DomainEvent


@dataclass(frozen=True)
class PersonDeleted(DomainEvent):
    """An account was deleted (its row is gone: the event carries what is left of it)."""

    name: ClassVar[str] = "person.deleted"
    user_id: int
    username: str
