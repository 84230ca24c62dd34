"""Each server process sweeps stale presence rows now and then, and tells the watchers of
people who went offline without a word: their server died, or their network dropped them while
the server could not notice. Without it, open pages showed them online until reloaded."""

import asyncio
import logging
import time
import weakref

from django.conf import settings

from core import events
from core.db_calls import database_sync_to_async
from rooms import services
from rooms.services.presence import PROCESS_EVERY, PROCESS_TTL

logger = logging.getLogger(__name__)

_sweepers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]]" = (
    weakref.WeakKeyDictionary()
)


_liveness: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]]" = (
    weakref.WeakKeyDictionary()
)


def sweeper_start() -> None:
    """Start this process's sweepers (once per event loop; called when a socket opens): the
    stale rows' sweep, and the liveness of server processes."""
    loop = asyncio.get_running_loop()
    task = _sweepers.get(loop)
    if task is None or task.done():
        _sweepers[loop] = loop.create_task(_sweep_forever())
    task = _liveness.get(loop)
    if task is None or task.done():
        _liveness[loop] = loop.create_task(_liveness_forever())


async def _tell_gone(gone: list[int]) -> None:
    """One ``presence`` frame per person gone, to the sockets watching them."""
    for user_id in gone:
        await events.broadcast_async(*services.presence_event(user_id=user_id, online=False))


def _dead_processes(ok_since: float) -> list[str]:
    """Refresh this process's liveness key, then the processes whose key expired; none until
    this process has reached Redis for a whole PROCESS_TTL (after a Redis outage every key may
    have expired while their processes lived: each gets the time to refresh its own)."""
    services.process_alive()
    if time.monotonic() - ok_since < PROCESS_TTL:
        return []
    return services.dead_processes()


async def _liveness_forever() -> None:
    """Every PROCESS_EVERY seconds: this process is alive; the rows of processes that are
    not (killed, crashed) go, and their people are told offline within seconds."""
    ok_since: float | None = None
    while True:
        try:
            since = ok_since if ok_since is not None else time.monotonic()
            dead = await asyncio.to_thread(_dead_processes, since)
            ok_since = since
            if dead:
                gone = await database_sync_to_async(services.process_presence_sweep)(dead=dead)
                await _tell_gone(gone)
        except Exception:  # Redis or the database is away: try again, from scratch
            ok_since = None
            logger.warning("presence liveness failed", exc_info=True)
        await asyncio.sleep(PROCESS_EVERY)


async def sweep_once() -> int:
    """One sweep: how many people were told they went offline."""
    gone = await database_sync_to_async(services.presence_sweep)()
    await _tell_gone(gone)
    return len(gone)


async def _sweep_forever() -> None:
    # A third of the time a row stays fresh: someone gone is shown offline at most about
    # 1.3 x UCHAT_PRESENCE_TTL after their last sign of life.
    every = max(1.0, settings.UCHAT_PRESENCE_TTL / 3)
    while True:
        await asyncio.sleep(every)
        try:
            await sweep_once()
        except Exception:  # the database is away: the next sweep tries again
            logger.warning("presence sweep failed", exc_info=True)
