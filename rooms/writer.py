"""The process's message writer (group commit).

Sockets hand it validated drafts (``rooms.services.message_draft``) and wait for the outcome.
It stores whatever is waiting in one batch (``rooms.services.messages_store``: one transaction,
a handful of statements whatever the batch's size), answers each socket, then broadcasts the
new messages from the event loop, in the order they were stored, and only then hands the
batch's domain events to their handlers. While one batch is in the database the next one
gathers, so the batch grows with the load and a quiet server stores each message at once: the
latency it adds is at most one batch's time (plus ``UCHAT_WRITER_WINDOW_MS`` when set).

The checks other apps registered for a conversation kind (rooms.hooks.message_checks) run
per draft before the batch, and uploads are stored before it too: the batch's transaction
holds its row locks for the inserts only, and a refusal refuses its own draft, never the batch.
What a new message sets off runs after the commit, as handlers (core.domain_events), but
off the writer's path: the batch's events are collected at its commit and dispatched, after
its acks and broadcasts, on a thread of their own that runs them one after another in the
order they were recorded (so per conversation in ``seq`` order). A slow or failing handler,
retries included, delays neither an acknowledgement nor the next batch, until the handlers
fall ``HANDLER_BACKLOG`` batches behind: then the writer waits for them before it stores
more, so memory stays bounded when handlers are slower than the writes.

Guarantees (tested in rooms/tests/test_writer.py and rooms/tests/test_after_commit.py): a
message is acknowledged only once stored and broadcast only after its transaction committed;
per conversation, ``seq`` has no gap and broadcasts go out in ``seq`` order from this process;
a batch that fails half-way is stored draft by draft, so each ends stored or refused with its
reason; a message's handlers run after its commit, its ack and its broadcast.
"""

import asyncio
import logging
import time
import weakref
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connections

from core import domain_events, events
from core.db_calls import close_if_hung_up
from rooms.models import Message
from rooms.services.messages import Draft, Outcome, message_created_event, messages_store

logger = logging.getLogger(__name__)

MAX_BATCH = 256
CHECK_AFTER_IDLE = 5.0  # seconds without a batch before the connection is checked again
HANDLER_BACKLOG = 32  # batches whose handlers may wait to run before the writer waits for them
REFUSALS = (ValidationError, PermissionDenied)


class Writer:
    def __init__(self) -> None:
        self.waiting: list[tuple[Draft, asyncio.Future[Outcome]]] = []
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.sending: asyncio.Task[None] | None = None
        # One thread, one database connection: batches run one after another.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="uchat-writer")
        # The handlers' own thread (and connection): one, so events keep their order.
        self.handlers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="uchat-handlers")
        self.handled: Future[None] | None = None
        self.backlog: deque[Future[None]] = deque()  # handler runs submitted, oldest first
        self.last_batch = 0.0

    async def submit(self, draft: Draft) -> Outcome:
        """Store ``draft`` with the next batch; its outcome once committed (or refused)."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.waiting.append((draft, future))
        self.wake.set()
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        window = settings.UCHAT_WRITER_WINDOW_MS / 1000
        while True:
            if not self.waiting:
                self.wake.clear()
                await self.wake.wait()
            if window:
                await asyncio.sleep(window)
            await self._handlers_catch_up()
            batch = self.waiting[:MAX_BATCH]
            del self.waiting[:MAX_BATCH]
            recorded: list[domain_events.Recorded] = []
            try:
                store = SyncToAsync(self._store, thread_sensitive=False, executor=self.executor)
                outcomes = await store([draft for draft, _ in batch], recorded)
            except Exception as exc:  # nothing was committed (the transaction rolled back)
                logger.warning("a batch of %d messages failed: %r", len(batch), exc)
                outcomes = [exc] * len(batch)
            created: list[Message] = []
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, tuple) and outcome[1]:
                    created.append(outcome[0])
                if not future.done():  # the socket may have gone meanwhile
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
            if created or recorded:
                # Chained: broadcasts leave in commit order while the next batch is written.
                self.sending = asyncio.create_task(self._broadcast(self.sending, created, recorded))

    def _store(self, drafts: list[Draft], recorded: list[domain_events.Recorded]) -> list[Outcome]:
        """In the writer's thread. Its database connection is checked (and replaced when
        broken or too old) only after a quiet spell or a failure, not before every batch as
        database_sync_to_async does: under load that check cost a round trip per batch.
        The domain events the batch committed are added to ``recorded``, not dispatched."""
        now = time.monotonic()
        if now - self.last_batch > CHECK_AFTER_IDLE:
            close_old_connections()
        else:  # no round trip: a connection the database hung up on (a restart) is replaced
            close_if_hung_up()
        self.last_batch = now
        try:
            with domain_events.collecting() as committed:
                try:
                    outcomes = messages_store(drafts)
                finally:  # what committed before a failure still has its handlers run
                    recorded.extend(committed)
        except Exception:
            close_old_connections()
            raise
        if any(isinstance(o, Exception) and not isinstance(o, REFUSALS) for o in outcomes):
            close_old_connections()
        return outcomes

    async def _broadcast(
        self,
        before: "asyncio.Task[None] | None",
        messages: list[Message],
        recorded: list[domain_events.Recorded],
    ) -> None:
        if before is not None:
            await asyncio.wait([before])
        try:
            created = [message_created_event(message) for message in messages]
            await events.broadcast_many_async([([g], kind, p) for g, kind, p in created])
        finally:
            if recorded:  # not awaited: the next batch's broadcasts do not wait for them
                self.handled = self.handlers.submit(self._handle, recorded)
                self.backlog.append(self.handled)

    async def _handlers_catch_up(self) -> None:
        """Wait while more than HANDLER_BACKLOG batches' handlers are still to run."""
        while self.backlog and self.backlog[0].done():
            self.backlog.popleft()
        while len(self.backlog) > HANDLER_BACKLOG:
            await asyncio.wrap_future(self.backlog.popleft())

    @staticmethod
    def _handle(recorded: list[domain_events.Recorded]) -> None:
        """In the handlers' thread, with a connection of its own (checked first: a handler
        may have left it broken)."""
        try:
            close_old_connections()
            domain_events.dispatch_recorded(recorded)
        except Exception:  # the connection check; handlers themselves never raise
            logger.exception("the handlers of %d events could not run", len(recorded))

    async def settled(self) -> None:
        """Wait until every batch stored so far is broadcast and its handlers have run."""
        while True:
            sending = self.sending
            if sending is not None:
                await asyncio.wait([sending])
            handled = self.handled  # set by the broadcast before it ends
            if handled is not None:
                await asyncio.wrap_future(handled)
            if self.sending is sending and self.handled is handled:
                return

    def close(self) -> None:
        """Let the handlers already submitted run, then close both threads' connections and
        end the threads. For event loops that have ended (a test's)."""
        for executor in (self.executor, self.handlers):
            executor.submit(connections.close_all)
            executor.shutdown(wait=True)


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Writer]" = (
    weakref.WeakKeyDictionary()
)


def writer() -> Writer:
    """This process's writer (one per event loop: test runners start several loops)."""
    loop = asyncio.get_running_loop()
    found = _writers.get(loop)
    if found is None:
        found = _writers[loop] = Writer()
    return found


def writers_close_ended() -> None:
    """Close the writers of event loops that have ended: their threads, and the database
    connections those threads hold (each test's loop has its own writer)."""
    for loop, found in list(_writers.items()):
        if loop.is_closed():
            del _writers[loop]
            found.close()


async def message_submit(draft: Draft) -> tuple[Message, bool]:
    """Store a draft through this process's writer: (message, created), or raises the
    refusal (ValidationError, PermissionDenied) or failure."""
    outcome = await writer().submit(draft)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
