"""Each server process sweeps stale presence rows now and then, and tells the conversations of
people who went offline without a word: their server died, or their network dropped them while
the server could not notice. Without it, open pages showed them online until reloaded."""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async
from django.conf import settings

from core import events
from rooms import services

logger = logging.getLogger(__name__)

_sweepers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]]" = (
    weakref.WeakKeyDictionary()
)


def sweeper_start() -> None:
    """Start this process's sweeper (once per event loop; called when a socket opens)."""
    loop = asyncio.get_running_loop()
    task = _sweepers.get(loop)
    if task is None or task.done():
        _sweepers[loop] = loop.create_task(_sweep_forever())


async def sweep_once() -> int:
    """One sweep: how many people were told they went offline."""
    gone = await database_sync_to_async(services.presence_sweep)()
    for user, conversation_ids in gone:
        await events.broadcast_async(
            *services.presence_event(user=user, conversation_ids=conversation_ids, online=False)
        )
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
