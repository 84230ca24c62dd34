"""Uploaded files live as long as what they belong to: a write that fails leaves none behind,
and deleting a room or purging messages deletes their files once the deletion commits.
(The database rolls back by itself; files in storage do not, and Django runs no rollback hook.)

The storage is the data folder or an S3-compatible object store (settings.STORAGES). A file
is written before the transaction of the message that holds it, under a PendingUpload row
written first; that transaction claims it (deletes the row). A refused message's file is
deleted at once; one left by a crash in between is deleted by ``unclaimed_sweep``.
"""

import contextlib
import logging
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.db import transaction
from django.utils import timezone

from rooms.models import PendingUpload

logger = logging.getLogger(__name__)

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
    """Delete files from storage; one that cannot be deleted now is logged, not raised (the
    object store may be away: the write that dropped it has happened)."""
    for name in names:
        if name:
            try:
                default_storage.delete(name)
            except Exception:
                logger.warning("could not delete %s from storage", name, exc_info=True)


def pending_add(names: list[str]) -> None:
    """Before files are written (outside any transaction): the names they will have."""
    if names:
        PendingUpload.objects.bulk_create([PendingUpload(name=n) for n in names])


def claim(names: list[str]) -> None:
    """Inside the transaction that stores what holds these files: they are no longer pending."""
    if names:
        PendingUpload.objects.filter(name__in=names).delete()


def discard(names: list[str]) -> None:
    """Files written for something that was refused: the files, then their rows (a failure in
    between leaves a row, and the sweep finishes the job)."""
    names = [n for n in names if n]
    if names:
        files_delete(names)
        PendingUpload.objects.filter(name__in=names).delete()


def unclaimed_sweep(*, older_than: timedelta | None = None) -> int:
    """Delete files that no message claimed in time, and their rows; how many."""
    if older_than is None:
        older_than = timedelta(seconds=settings.UCHAT_UPLOAD_CLAIM_SECONDS)
    stale = list(
        PendingUpload.objects.filter(created_at__lt=timezone.now() - older_than).values_list(
            "name", flat=True
        )[:1000]
    )
    discard(stale)
    return len(stale)


def files_delete_on_commit(names: Iterable[str]) -> None:
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: files_delete(names), robust=True)


def signed_url(name: str, *, disposition: str, content_type: str, cache: str) -> str | None:
    """A short-lived URL of the object store that serves ``name`` with these headers, so that
    file bytes never pass through a Python process; None for the data folder (the app serves
    those itself)."""
    from storages.backends.s3 import S3Storage

    storage = storages["default"]
    if not isinstance(storage, S3Storage):
        return None
    return storage.url(
        name,
        parameters={
            "ResponseContentDisposition": disposition,
            "ResponseContentType": content_type,
            "ResponseCacheControl": cache,
        },
        expire=settings.UCHAT_S3_URL_SECONDS,
    )


def file_storage(where: str) -> Storage:
    """``local`` (the data folder) or ``s3`` (UCHAT_S3_* settings), whatever STORAGES says."""
    if where == "local":
        return FileSystemStorage(location=settings.MEDIA_ROOT)
    from storages.backends.s3 import S3Storage

    if not settings.UCHAT_S3_BUCKET:
        raise ImproperlyConfigured("Set UCHAT_S3_BUCKET (and the other UCHAT_S3_ settings).")
    return S3Storage(**settings.UCHAT_S3_OPTIONS)


@dataclass
class MoveReport:
    moved: int = 0  # copied, checked, and deleted from the source
    already: int = 0  # in the target already (a move that was interrupted): source tidied
    missing: int = 0  # in neither: named by a message, but gone


def files_move(*, source: Storage, target: Storage, dry_run: bool = True) -> MoveReport:
    """Move every message's file from ``source`` to ``target`` under the same name, so that
    no row changes. Resumable: a file already in the target is not copied again. A copy
    whose size differs from its source is an error, and the source is kept."""
    from rooms.models import Message

    report = MoveReport()
    names = (
        Message.objects.exclude(attachment="")
        .order_by("pk")
        .values_list("attachment", flat=True)
        .iterator()
    )
    for name in names:
        in_target = target.exists(name)
        in_source = source.exists(name)
        if in_target:
            report.already += 1
            if in_source and not dry_run:
                source.delete(name)
            continue
        if not in_source:
            report.missing += 1
            continue
        report.moved += 1
        if dry_run:
            continue
        with source.open(name, "rb") as content:
            saved = target.save(name, content)
        if saved != name or target.size(name) != source.size(name):
            raise RuntimeError(f"{name} was not copied whole; its source is kept.")
        source.delete(name)
    return report
