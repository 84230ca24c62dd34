"""Reads that may come from a streaming replica (DATABASE_REPLICA_URL).

Only code that asks for it reads from the replica: ``with replica_reads():`` (or the
decorator) around search, reports, the people directory and pages of older history. Anything
that must see its own write (the writer, a page straight after a post, every write) keeps to
the primary. Without a replica configured everything reads from the primary.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.db import connections

REPLICA = "replica"
_reading_replica: ContextVar[bool] = ContextVar("uchat_replica_reads", default=False)


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may come from the replica (a few moments behind the primary)."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def read_alias() -> str:
    """The database alias a read here goes to: for raw cursors, which no router sees."""
    if _reading_replica.get() and REPLICA in connections.databases:
        return REPLICA
    return "default"


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None  # always the primary

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA
