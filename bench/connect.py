"""Where a socket connect's time goes: a profile of the handshake, in this process.

Opens ``--sockets`` room sockets one after another through the real ASGI application
(``uchat.asgi``: the origin check, the token's user, the room consumer, the presence row, the
groups joined through the fan-out hub, the accept and the "online" broadcast), with Channels'
``WebsocketCommunicator`` against the PostgreSQL and Redis that bench/run (or bin/test)
started. Each socket is a different person in ``--rooms`` rooms of ``--members``, so every
connect is a first socket (as in a reconnect storm after a deploy).

It reports, per connect: the database queries of each stage (and the connection health checks,
``SELECT 1``, that Django runs before a reused connection's first query in each
``sync_to_async`` call), the time and CPU of each stage, and the profile's top functions. A
profile, not a benchmark: the figures are for finding the cost, on whatever machine it runs.

    bench/run connect [--sockets 200] [--rooms 10] [--members 20] [--top 25] [--no-profile]

Prints tables and one JSON line.
"""

import argparse
import asyncio
import contextlib
import cProfile
import functools
import io
import json
import os
import pstats
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uchat.settings")

# The stage whose sync work runs in this thread.
_stage = threading.local()
OTHER = "disconnect (socket_close), after the run"  # the only untimed database work
queries: dict[str, int] = defaultdict(int)
health_checks: dict[str, int] = defaultdict(int)
wall: dict[str, float] = defaultdict(float)
cpu: dict[str, float] = defaultdict(float)  # the stage's own thread CPU (sync stages)
_profile_lock = threading.Lock()
PROFILE = {"on": True}  # --no-profile: time the stages without cProfile's overhead
_sync_stats: list[pstats.Stats] = []  # the worker threads' profiles, merged


def _count_queries() -> None:
    """Count every query (and health check) by the stage that ran it."""
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

    execute = vars(CursorWrapper)["_execute"]

    def counted(self: Any, sql: str, params: Any, *ignored: Any) -> Any:
        queries[getattr(_stage, "name", OTHER)] += 1
        return execute(self, sql, params, *ignored)

    setattr(CursorWrapper, "_execute", counted)  # noqa: B010 - a profiler's patch
    health = BaseDatabaseWrapper.close_if_health_check_failed

    def checked(self: Any) -> None:
        if self.connection is not None and self.health_check_enabled and not self.health_check_done:
            health_checks[getattr(_stage, "name", OTHER)] += 1
        health(self)

    BaseDatabaseWrapper.close_if_health_check_failed = checked  # type: ignore[method-assign]


def timed_sync(name: str, function: Any) -> Any:
    """``function`` (run in a worker thread) timed, profiled and its queries counted."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        _stage.name = name
        start, start_cpu = time.perf_counter(), time.thread_time()
        profile = cProfile.Profile()
        try:
            if not PROFILE["on"]:
                return function(*args, **kwargs)
            return profile.runcall(function, *args, **kwargs)
        finally:
            wall[name] += time.perf_counter() - start
            cpu[name] += time.thread_time() - start_cpu
            _stage.name = OTHER
            if PROFILE["on"]:
                with _profile_lock:
                    if _sync_stats:
                        _sync_stats[0].add(profile)
                    else:
                        _sync_stats.append(pstats.Stats(profile))

    return run


def timed_async(name: str, function: Any) -> Any:
    @functools.wraps(function)
    async def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            wall[name] += time.perf_counter() - start

    return run


def instrument() -> None:
    from channels.db import database_sync_to_async

    from core import events, ws_auth
    from rooms import services
    from rooms.sockets.base import JsonFrameConsumer
    from rooms.sockets.conversation import ConversationConsumer

    _count_queries()
    ws_auth._user_for_token = database_sync_to_async(
        timed_sync("token: the person behind the JWT", ws_auth._user_for_token_sync),
        thread_sensitive=False,
    )
    services.socket_open = timed_sync(
        "socket_open: checks, membership, presence row", services.socket_open
    )
    JsonFrameConsumer.join_groups_or_refuse = timed_async(  # type: ignore[method-assign]
        "join the groups (fan-out hub, Redis)", JsonFrameConsumer.join_groups_or_refuse
    )
    JsonFrameConsumer.accept = timed_async("accept", JsonFrameConsumer.accept)
    events.broadcast_async = timed_async(
        '"online" broadcast to the person\'s watchers', events.broadcast_async
    )
    ConversationConsumer.connect = timed_async(  # type: ignore[method-assign]
        "consumer connect(), all of it", ConversationConsumer.connect
    )


async def connect_all(urls: list[str]) -> tuple[float, float, pstats.Stats | None]:
    from channels.testing import WebsocketCommunicator

    from uchat.asgi import application

    opened = []
    loop_profile = cProfile.Profile()
    start, start_cpu = time.perf_counter(), time.process_time()
    for url in urls:
        communicator = WebsocketCommunicator(application, url)
        if PROFILE["on"]:
            loop_profile.enable()
        connected, code = await communicator.connect(timeout=30)
        loop_profile.disable()
        if not connected:
            raise RuntimeError(f"refused ({code}): {url}")
        opened.append(communicator)
    seconds, process_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    await asyncio.sleep(0.5)  # let the broadcasts after the accepts leave
    for communicator in opened:
        with contextlib.suppress(Exception):
            await communicator.disconnect()
    return seconds, process_cpu, pstats.Stats(loop_profile) if PROFILE["on"] else None


def top(stats: pstats.Stats, count: int) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(count)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--no-profile", action="store_true", help="time and count the stages, without cProfile"
    )
    args = parser.parse_args()
    PROFILE["on"] = not args.no_profile
    os.environ.setdefault("UCHAT_WS_MAX_PER_USER", "1000")
    import django

    django.setup()
    from fanout import People

    people = People()
    rooms = people.rooms(args.rooms, args.members)
    sockets = min(args.sockets, args.rooms * args.members)
    urls = [
        f"/ws/rooms/{rooms[i // args.members]}/?token={people.tokens[i]}" for i in range(sockets)
    ]
    instrument()
    seconds, process_cpu, loop_stats = asyncio.run(connect_all(urls))
    rows = []
    for name in sorted(set(wall) | set(queries) | set(health_checks), key=lambda n: -wall[n]):
        rows.append(
            {
                "stage": name,
                "ms_per_connect": round(wall[name] * 1000 / sockets, 3),
                "thread_cpu_ms_per_connect": round(cpu[name] * 1000 / sockets, 3)
                if name in cpu
                else None,
                "queries_per_connect": round(queries[name] / sockets, 2),
                "health_checks_per_connect": round(health_checks[name] / sockets, 2),
            }
        )
    print(f"\n{sockets} sockets, one at a time: {seconds:.2f} s, process CPU {process_cpu:.2f} s")
    print(
        f"per connect: {seconds * 1000 / sockets:.2f} ms, {process_cpu * 1000 / sockets:.2f} ms "
        "of CPU (this process: the server and the client side of the communicator)"
    )
    print("\n| stage | ms per connect | its thread's CPU ms | queries | health checks |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        cpu_ms = "–" if r["thread_cpu_ms_per_connect"] is None else r["thread_cpu_ms_per_connect"]
        print(
            f"| {r['stage']} | {r['ms_per_connect']} | {cpu_ms} | {r['queries_per_connect']} | "
            f"{r['health_checks_per_connect']} |"
        )
    if _sync_stats:
        print("\nThe worker threads (database work), by cumulative time:\n")
        print(top(_sync_stats[0], args.top))
    if loop_stats is not None:
        print("\nThe event loop (everything else), by cumulative time:\n")
        print(top(loop_stats, args.top))
    print(
        json.dumps(
            {
                "bench": "connect",
                "sockets": sockets,
                "ms_per_connect": round(seconds * 1000 / sockets, 2),
                "process_cpu_ms_per_connect": round(process_cpu * 1000 / sockets, 2),
                "stages": rows,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
