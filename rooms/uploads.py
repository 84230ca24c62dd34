"""Uploaded files live as long as what they belong to: a write that fails leaves none behind,
and deleting a room or purging messages deletes their files once the deletion commits.
(The database rolls back by itself; files on disk do not, and Django runs no rollback hook.)"""

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.core.files.storage import default_storage
from django.db import transaction

_written: ContextVar[list[str] | None] = ContextVar("uchat_uploads_written", default=None)


@contextlib.contextmanager
def removed_on_error() -> Iterator[None]:
    """Files written inside are deleted if the block raises. Nested blocks hand their files
    to the outer one, which decides (a ticket's images are written by message_create)."""
    outer = _written.get()
    mine: list[str] = []
    token = _written.set(mine)
    try:
        yield
    except BaseException:
        files_delete(mine)
        raise
    finally:
        _written.reset(token)
    if outer is not None:
        outer.extend(mine)


def written(name: str) -> None:
    """Record a file just saved, for the enclosing ``removed_on_error`` block."""
    names = _written.get()
    if names is not None:
        names.append(name)


def files_delete(names: Iterable[str]) -> None:
    for name in names:
        if name:
            with contextlib.suppress(OSError):
                default_storage.delete(name)


def files_delete_on_commit(names: Iterable[str]) -> None:
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: files_delete(names), robust=True)
