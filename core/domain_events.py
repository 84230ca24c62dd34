"""Domain events and the one dispatcher of side effects.

A service records what happened (``record(MessageCreated(...))``) inside its transaction; once
that transaction commits (at once when there is none) the dispatcher runs every handler
registered for the event's type, in registration order. Each app registers its handlers in
one table, in its AppConfig.ready(): notifications, e-mails, socket broadcasts and the higher
apps' reactions are handlers, and a webhook or a push is one more line there.

A handler may come with a ``when`` test, asked first and outside any transaction: most
messages concern few handlers (a room's message without a mention notifies nobody), and an
empty transaction per handler per message cost the writer's batch about a tenth of its CPU.

Each handler is isolated: it runs in its own transaction (what it writes is all or nothing),
and a handler that raises is logged, tried again up to its ``retries`` after a short back-off
(for failures that pass, such as the broker being restarted) and then given up, without
undoing the write that recorded the event or stopping the handlers after it. A rollback
records nothing: callbacks of a rolled-back transaction never run.

A caller whose commit must not wait for the handlers (the message writer: its acks and the
next batch) records inside ``collecting()``: the committed events are handed to it instead,
and it runs them later with ``dispatch_recorded`` (in order, on a thread of its own).

The events themselves are dataclasses of the app that records them (rooms/domain_events.py
for the message engine's): core names no app above it.
"""

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

RETRY_BACKOFF = 0.05  # seconds before a handler's first retry, doubled before each next one


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened and committed. Subclasses set ``name`` ("message.created")."""

    name: ClassVar[str] = "event"


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]
Test = Callable[[Any], bool]


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    retries: int
    when: Test | None


_table: dict[type[DomainEvent], list[_Registration]] = {}


def on(
    event_type: type[E],
    handler: Callable[[E], None],
    *,
    retries: int = 0,
    when: Callable[[E], bool] | None = None,
) -> None:
    """Run ``handler(event)`` after each ``event_type`` commits, for the events ``when`` (a
    cheap test that reads no database) accepts. Once per handler, however often
    AppConfig.ready() runs."""
    registrations = _table.setdefault(event_type, [])
    if all(r.handler is not handler for r in registrations):
        registrations.append(_Registration(handler, retries, when))


def handlers(event_type: type[DomainEvent]) -> list[Handler]:
    """The handlers registered for ``event_type``, in the order they run (docs, tests)."""
    return [r.handler for r in _table.get(event_type, ())]


def table() -> dict[str, list[str]]:
    """Event name -> handler names: the table as docs/architecture.md shows it."""
    return {
        event_type.name: [f"{r.handler.__module__}.{r.handler.__qualname__}" for r in found]
        for event_type, found in _table.items()
    }


class Recorded(NamedTuple):
    """A committed event whose handlers have yet to run, with the context it was recorded in."""

    context: contextvars.Context
    event: DomainEvent


_collector: contextvars.ContextVar[list[Recorded] | None] = contextvars.ContextVar(
    "domain_events_collector", default=None
)


@contextlib.contextmanager
def collecting() -> Iterator[list[Recorded]]:
    """Events recorded inside this block are, once committed, appended to the list it gives
    instead of dispatched; the caller runs them with ``dispatch_recorded``."""
    recorded: list[Recorded] = []
    token = _collector.set(recorded)
    try:
        yield recorded
    finally:
        _collector.reset(token)


def record(event: DomainEvent) -> None:
    """Dispatch ``event`` once the current transaction commits (now, outside one). Handlers
    see the context variables of the write that recorded it (the inbound mail an e-mail answers,
    say), whenever the commit comes."""
    record_many((event,))


def record_many(recorded: Sequence[DomainEvent]) -> None:
    """``record`` for each event, in order, with one commit callback for them all (a batch of
    messages: one per message cost the writer's batch more than the handlers did)."""
    if not recorded:
        return
    context = contextvars.copy_context()
    collector = _collector.get()
    if collector is None:
        transaction.on_commit(lambda: context.run(_dispatch_each, recorded), robust=True)
        return
    # What their handlers record in turn is dispatched after their own commit, not collected
    # into a list its owner has handed on already.
    context.run(_collector.set, None)
    transaction.on_commit(lambda: collector.extend(Recorded(context, e) for e in recorded))


def _dispatch_each(recorded: Sequence[DomainEvent]) -> None:
    for event in recorded:
        dispatch(event)


def dispatch_recorded(recorded: Iterable[Recorded]) -> None:
    """Run the handlers of collected events, in the order they were recorded; never raises."""
    for context, event in recorded:
        context.run(dispatch, event)


def dispatch(event: DomainEvent) -> None:
    """Run the handlers of ``event``, each on its own; never raises. Handlers registered for a
    base class run first, then the event's own."""
    for event_type in reversed(type(event).__mro__):
        for registration in list(_table.get(event_type, ())):
            _run(registration, event)


def _run(registration: _Registration, event: DomainEvent) -> None:
    name = getattr(registration.handler, "__qualname__", registration.handler)
    if registration.when is not None:
        try:
            if not registration.when(event):
                return
        except Exception:
            logger.exception("the test of handler %s of %s failed", name, event.name)
            return
    for attempt in range(registration.retries + 1):
        try:
            with transaction.atomic():
                registration.handler(event)
            return
        except Exception:
            logger.exception(
                "handler %s of %s failed (attempt %d of %d)",
                name,
                event.name,
                attempt + 1,
                registration.retries + 1,
            )
            if attempt < registration.retries:
                time.sleep(RETRY_BACKOFF * 2**attempt)
