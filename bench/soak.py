"""Soak: production mode for minutes, with Redis failing on the way.

Starts its own redis-server (so that it can stop it), uchat processes sharing it and
PostgreSQL (``DATABASE_URL``: two by default, each started by ``bin/serve`` as its systemd unit
does, with the soft open-files limit it is given), and hundreds of WebSocket clients that
behave like the room page: a ping every 30 s, reconnect with back-off, ``sync`` after a reconnect or a gap in
``seq``. A sender posts messages at a working day's rate through the clients' own sockets
(re-sending with the same ``client_id`` until acknowledged). On the way, Redis is stalled
(SIGSTOP ... SIGCONT) once and restarted once.

It reports:

- sockets dropped while nothing failed (outside the fault windows): must be 0;
- messages stored vs. delivered per socket, live (before a final catch-up) and after it:
  0 missing;
- Presence rows vs. open sockets at the end: equal;
- RSS growth per server process.

    bench/run soak [--minutes 30] [--sockets 500] [--rooms 25] [--rate 2] [--processes 2]

The second variant holds 2,000 sockets on one process:

    bench/run soak --minutes 30 --sockets 2000 --rooms 20 --processes 1

Prints a table and one JSON line; exits non-zero when a figure is off.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uchat.settings")

from fanout import free_port, raise_fd_limit, wait_for_port


def systemd_default_open_files() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))


PING_EVERY = 30.0  # as static/js/socket.js
GRACE = 25.0  # seconds after a fault ends during which drops are the fault's


class Redis:
    """A redis-server of the soak's own, on a fixed port so that a restart keeps the URL."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.process, self.workdir / "none.log")

    def stall(self) -> None:
        assert self.process is not None, "start() first"
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None, "start() first"
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class Uchat:
    """One uchat process, as bin/serve starts it (UCHAT_SERVER, uvicorn by default). It starts
    with the soft open-files limit systemd gives a service (1,024): bin/serve raises it."""

    def __init__(self, workdir: Path, n: int, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = workdir / f"uchat-{n}.log"
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [str(ROOT / "bin/serve"), os.environ.get("UCHAT_SERVER", "uvicorn"),
                 "127.0.0.1", str(self.port)],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=systemd_default_open_files,
            )  # fmt: skip
        wait_for_port(self.port, self.process, self.log)

    def rss(self) -> int:
        return psutil.Process(self.process.pid).memory_info().rss

    def open_files(self) -> int:
        return psutil.Process(self.process.pid).num_fds()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def make_people(
    sockets: int, rooms: int, token_minutes: float
) -> tuple[list[int], list[str], list[int]]:
    """Users with access tokens and rooms of them: socket i is person i in room i % rooms."""
    import django

    django.setup()
    from rest_framework_simplejwt.tokens import AccessToken

    from rooms.tests.factories import crowd_create

    stamp = f"{int(time.time())}{random.randrange(1000)}"
    users, room_ids = crowd_create(people=sockets, rooms=rooms, label=f"soak{stamp}")
    tokens = []
    for user in users:
        # Long enough for the whole run: a socket closes when its access token expires (4401),
        # and these clients, unlike a real program, do not refresh theirs.
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=timedelta(minutes=token_minutes))
        tokens.append(str(token))
    return [u.pk for u in users], tokens, room_ids


@dataclass
class Client:
    n: int
    url: str
    room: int
    ws: Any = None
    last_seq: int = 0
    seen: set[int] = field(default_factory=set)
    live: int = 0
    drops: list[tuple[float, int | str | None]] = field(default_factory=list)
    connects: int = 0
    acks: dict[str, asyncio.Future] = field(default_factory=dict)
    open: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: bool = False
    syncing: bool = False

    async def run(self) -> None:
        delay = 0.5
        while not self.stopping:
            code: int | str | None
            try:
                async with websockets.connect(
                    self.url, open_timeout=15, ping_interval=None, max_size=2**22
                ) as ws:
                    self.ws, self.connects, delay = ws, self.connects + 1, 0.5
                    self.syncing = False
                    self.open.set()
                    await self.sync()
                    pinger = asyncio.create_task(self.ping(ws))
                    try:
                        async for raw in ws:
                            await self.handle(json.loads(raw))
                    finally:
                        pinger.cancel()
                    code = ws.close_code
            except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                # A failed (re)connect has no close code: name what failed instead.
                code = getattr(getattr(exc, "rcvd", None), "code", None) or type(exc).__name__
            self.open.clear()
            self.ws = None
            if self.stopping:
                return
            self.drops.append((time.monotonic(), code))
            if code == 4403:
                return  # refused for good: the page stops too
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 8.0)

    async def ping(self, ws: Any) -> None:
        await asyncio.sleep(random.random() * PING_EVERY)
        while True:
            with contextlib.suppress(websockets.WebSocketException):
                await ws.send('{"type":"ping"}')
            await asyncio.sleep(PING_EVERY)

    async def sync(self) -> None:
        if self.ws is not None and not self.syncing:
            self.syncing = True
            with contextlib.suppress(websockets.WebSocketException):
                await self.ws.send(json.dumps({"type": "sync", "after_seq": self.last_seq}))

    def take(self, message: dict[str, Any]) -> None:
        self.seen.add(message["id"])
        if message["seq"] == self.last_seq + 1:
            self.last_seq = message["seq"]

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message.created":
            if frame["seq"] > self.last_seq + 1:
                await self.sync()  # a gap: catch up
            elif frame["id"] not in self.seen:
                self.live += 1
            self.take(frame)
        elif kind == "sync":
            self.syncing = False
            for message in frame["messages"]:
                self.take(message)
            if frame["has_more"]:
                await self.sync()
        elif kind in ("message.ack", "error") and frame.get("client_id") in self.acks:
            future = self.acks.pop(frame["client_id"])
            if not future.done():
                future.set_result(frame)

    async def send_message(self, client_id: str, body: str) -> dict[str, Any] | None:
        if self.ws is None:
            return None
        future = asyncio.get_running_loop().create_future()
        self.acks[client_id] = future
        try:
            await self.ws.send(
                json.dumps({"type": "message.send", "body": body, "client_id": client_id})
            )
            return await asyncio.wait_for(future, 20)
        except (websockets.WebSocketException, TimeoutError):
            return None
        finally:
            self.acks.pop(client_id, None)


class Sender:
    """Posts messages at ``rate`` per second through random clients, each re-sent (same
    client_id) until it is acknowledged as stored."""

    def __init__(self, clients: list[Client], rate: float) -> None:
        self.clients = clients
        self.rate = rate
        self.acked: dict[str, int] = {}
        self.refused: dict[str, str] = {}
        self.count = 0
        self.tasks: set[asyncio.Task] = set()

    async def deliver(self, client: Client, body: str) -> None:
        self.count += 1
        client_id = f"soak-{client.n}-{self.count}"
        for _attempt in range(60):
            if not client.open.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(client.open.wait(), 10)
                continue
            frame = await client.send_message(client_id, body)
            if frame is None or frame.get("code") in ("server_error", "rate_limited"):
                await asyncio.sleep(1)
                continue
            if frame["type"] == "message.ack":
                self.acked[client_id] = frame["message"]["id"]
            else:
                self.refused[client_id] = frame.get("code", "?")
            return
        self.refused[client_id] = "never acknowledged"

    def post(self, client: Client, body: str) -> None:
        task = asyncio.create_task(self.deliver(client, body))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            self.post(random.choice(self.clients), "a working-day message")
            await asyncio.sleep(random.expovariate(self.rate))

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


async def poll_health(servers: list[Uchat], checks: list[tuple[float, int]], until: float) -> None:
    """/check on every server every 3 s, as a load balancer would: it must not flap."""
    import urllib.error
    import urllib.request

    def status(port: int) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/check", timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    while time.monotonic() < until:
        for server in servers:
            checks.append((time.monotonic(), await asyncio.to_thread(status, server.port)))
        await asyncio.sleep(3)


def stored_by_room(room_ids: list[int]) -> dict[int, set[int]]:
    from rooms.models import Message

    stored: dict[int, set[int]] = {r: set() for r in room_ids}
    for pk, room in Message.objects.filter(conversation_id__in=room_ids).values_list(
        "pk", "conversation_id"
    ):
        stored[room].add(pk)
    return stored


def message_ages(ids: list[int], wall_start: float) -> list[tuple[int, float]]:
    """(id, seconds after the start) of messages some socket missed: when they went wrong."""
    from rooms.models import Message

    return [
        (pk, round(created.timestamp() - wall_start, 1))
        for pk, created in Message.objects.filter(pk__in=ids).values_list("pk", "created_at")
    ]


def presence_rows(user_ids: list[int]) -> int:
    from rooms.models import Presence

    return Presence.objects.filter(user_id__in=user_ids).count()


def presence_ages(user_ids: list[int]) -> list[tuple[float, str]]:
    """(seconds since each presence row was last refreshed, its socket), oldest first: a row
    that outlived its socket stops being refreshed by pings (every PING_EVERY s), and its
    socket's name leads to the server log's lines about it."""
    from django.utils import timezone

    from rooms.models import Presence

    now = timezone.now()
    seen = Presence.objects.filter(user_id__in=user_ids).values_list("last_seen", "channel_name")
    return sorted(((round((now - t).total_seconds(), 1), c) for t, c in seen), reverse=True)


async def soak(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from asgiref.sync import sync_to_async

    redis = Redis(workdir)
    redis.start()
    env = {
        **os.environ,
        "REDIS_URL": redis.url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "UCHAT_LOG_LEVEL": "WARNING",
        "UCHAT_CELERY_EAGER": "1",
        "UCHAT_MESSAGE_RATE": "100000",
        "UCHAT_WS_MAX_PER_USER": "100",
    }
    servers: list[Uchat] = []
    clients: list[Client] = []
    faults: list[tuple[str, float, float]] = []
    try:
        servers = [Uchat(workdir, n, env) for n in range(args.processes)]
        user_ids, tokens, room_ids = await sync_to_async(make_people)(
            args.sockets, args.rooms, args.minutes + 30
        )
        clients = [
            Client(
                n=i,
                url=f"ws://127.0.0.1:{servers[i % len(servers)].port}"
                f"/ws/rooms/{room_ids[i % args.rooms]}/"
                f"?token={tokens[i]}",
                room=room_ids[i % args.rooms],
            )
            for i in range(args.sockets)
        ]
        runners = []
        for client in clients:  # a steady arrival, not one burst
            runners.append(asyncio.create_task(client.run()))
            await asyncio.sleep(0.005)
        await asyncio.wait_for(asyncio.gather(*(c.open.wait() for c in clients)), 120)
        await asyncio.sleep(2)
        rss_start = [s.rss() for s in servers]
        start, wall_start = time.monotonic(), time.time()
        total = args.minutes * 60
        sender = Sender(clients, args.rate)
        sending = asyncio.create_task(sender.run(start + total))
        checks: list[tuple[float, int]] = []
        checking = asyncio.create_task(poll_health(servers, checks, start + total))

        async def at(fraction: float) -> None:
            await asyncio.sleep(max(0.0, start + total * fraction - time.monotonic()))

        # One stall (SIGSTOP ... SIGCONT), then one restart, then quiet until the end.
        await at(args.stall_at)
        began = time.monotonic()
        redis.stall()
        await asyncio.sleep(args.stall_seconds)
        redis.resume()
        faults.append(("stall", began, time.monotonic()))
        await at(args.restart_at)
        began = time.monotonic()
        redis.stop()
        await asyncio.sleep(2)
        redis.start()
        faults.append(("restart", began, time.monotonic()))
        await sending
        await checking
        await sender.drain()

        # One last message per room after the faults: a socket that missed something but
        # still hears its room sees the gap and catches up, as the page does.
        for r in range(len(room_ids)):
            sender.post(clients[r], "last one")
        await sender.drain()
        await asyncio.sleep(5)
        stored = await sync_to_async(stored_by_room)(room_ids)
        missing_live = sum(len(stored[c.room] - c.seen) for c in clients)
        deaf = sum(1 for c in clients if stored[c.room] - c.seen)
        gaps = sorted({m for c in clients for m in stored[c.room] - c.seen})
        gap_times = await sync_to_async(message_ages)(gaps[:20], wall_start)
        open_sockets = sum(1 for c in clients if c.open.is_set())
        presence = await sync_to_async(presence_rows)(user_ids)
        ages = await sync_to_async(presence_ages)(user_ids)
        for client in clients:  # the final catch-up, as after any reconnect
            await client.sync()
        await asyncio.sleep(5)
        missing = sum(len(stored[c.room] - c.seen) for c in clients)
        rss_end = [s.rss() for s in servers]
        open_files = [s.open_files() for s in servers]
        for client in clients:
            client.stopping = True
            if client.ws is not None:
                await client.ws.close()
        await asyncio.gather(*runners, return_exceptions=True)
    finally:
        for server in servers:
            server.stop()
        redis.stop()

    def during_fault(stamp: float) -> bool:
        return any(began - 1 <= stamp <= ended + GRACE for _k, began, ended in faults)

    bad_checks = [status for t, status in checks if status != 200 and not during_fault(t)]
    drops = [(t, code) for c in clients for t, code in c.drops]
    quiet_drops = [code for t, code in drops if not during_fault(t)]
    stored_count = sum(len(ids) for ids in stored.values())
    return {
        "bench": "soak",
        "minutes": args.minutes,
        "sockets": args.sockets,
        "rooms": args.rooms,
        "servers": args.processes,
        "messages_stored": stored_count,
        "messages_acked": len(sender.acked),
        "messages_refused": len(sender.refused),
        "deliveries_expected": sum(len(stored[c.room]) for c in clients),
        "delivered_live": sum(c.live for c in clients),
        "missing_before_catch_up": missing_live,
        "sockets_missing_before_catch_up": deaf,
        "missing_after_catch_up": missing,
        "drops_total": len(drops),
        "drops_while_nothing_failed": len(quiet_drops),
        "drop_codes_while_nothing_failed": sorted({str(c) for c in quiet_drops}),
        "quiet_drop_times_s": sorted(
            {round(t - start) for t, _code in drops if not during_fault(t)}
        )[:20],
        "health_checks": len(checks),
        "health_failures_while_nothing_failed": len(bad_checks),
        "open_sockets_at_end": open_sockets,
        "presence_rows_at_end": presence,
        "oldest_presence_rows_s": ages[:5],
        "server_open_files_at_end": open_files,
        "rss_start_mib": [round(r / 2**20, 1) for r in rss_start],
        "rss_growth_mib": [
            round((e - s) / 2**20, 1) for s, e in zip(rss_start, rss_end, strict=True)
        ],
        "faults": [(k, round(b - start, 1), round(e - b, 1)) for k, b, e in faults],
        "missed_live_examples": gap_times,
        "ok": not quiet_drops
        and not bad_checks
        and missing == 0
        and missing_live == 0
        and presence == open_sockets == len(clients)
        and not sender.refused,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--rooms", type=int, default=25)
    parser.add_argument("--rate", type=float, default=2.0, help="messages per second, in all")
    parser.add_argument("--stall-at", type=float, default=0.3, help="fraction of the run")
    parser.add_argument("--stall-seconds", type=float, default=20.0)
    parser.add_argument("--restart-at", type=float, default=0.6, help="fraction of the run")
    parser.add_argument("--processes", type=int, default=2, help="uchat server processes")
    args = parser.parse_args()
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="uchat-soak-") as tmp:
        result = asyncio.run(soak(args, Path(tmp)))
        if not result["ok"]:
            for log in sorted(Path(tmp).glob("uchat-*.log")):
                lines = [line for line in log.read_text().splitlines() if " - - [" not in line]
                print(f"--- {log.name} (last lines but the access log)")
                print("\n".join(lines[-60:]))
    print()
    print("| figure | value |")
    print("| --- | --- |")
    for key, value in result.items():
        if key not in ("bench", "ok"):
            print(f"| {key} | {value} |")
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
