"""The limits of the server bin/serve starts, tried against the real one (a process of its own on
the test database and the suite's Redis), as an attacker would:

- a WebSocket frame over the limit is refused from its header (1009), never buffered;
- a request body over UCHAT_MAX_REQUEST_BYTES is refused (413) as its bytes arrive, chunked or
  not, before Django reads it;
- connections that send their headers slowly are closed within UCHAT_HEADER_TIMEOUT;
- one process holds 2,000 sockets from a soft open-files limit of 1,024 (systemd's default),
  and every one of them hears a broadcast while the database keeps answering.
"""

import asyncio
import contextlib
import json
import os
import resource
import socket
import struct
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import websockets
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from rooms.models import Message
from rooms.tests.factories import crowd_create
from tests.browser.conftest import _database_url

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
BODY_LIMIT = MiB
HEADER_TIMEOUT = 3.0

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _systemd_default_open_files() -> None:
    """The soft limit a systemd service starts with unless its unit says otherwise."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))


class Served:
    """``bin/serve <server> 127.0.0.1 <port>`` on the test database, as a unit starts it."""

    def __init__(self, server: str, log_dir: Path, **env: str) -> None:
        self.port = _free_port()
        self.log_path = log_dir / f"{server}-{self.port}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # tokens made here must hold there
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "UCHAT_CELERY_EAGER": "1",
            "UCHAT_MAX_REQUEST_BYTES": str(BODY_LIMIT),
            "UCHAT_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
            "UCHAT_WS_MAX_PER_USER": "100",
            **env,
        }
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [str(ROOT / "bin/serve"), server, "127.0.0.1", str(self.port)],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_systemd_default_open_files,
            )
        deadline = time.monotonic() + 60
        while self.check() != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"bin/serve {server} did not start:\n{self.log()}")
            time.sleep(0.2)

    def check(self) -> int:
        try:
            url = f"http://127.0.0.1:{self.port}/check"
            with urllib.request.urlopen(url, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def log(self) -> str:
        return self.log_path.read_text()[-3000:]

    def processes(self) -> list[psutil.Process]:
        """The server and its workers (Granian serves from a child process)."""
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in self.processes())

    def stop(self) -> None:
        children = self.processes() if self.process.poll() is None else []
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        for child in children[1:]:
            with contextlib.suppress(psutil.Error):
                child.kill()


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator:
    """One server per kind for the whole module (each starts in a few seconds)."""
    started: dict[tuple, Served] = {}
    log_dir = tmp_path_factory.mktemp("serve")

    def start(server: str, **env: str) -> Served:
        key = (server, *sorted(env.items()))
        if key not in started:
            started[key] = Served(server, log_dir, **env)
        return started[key]

    yield start
    for server in started.values():
        server.stop()


def _token(user: User) -> str:
    return str(AccessToken.for_user(user))


def _frame_header(length: int) -> bytes:
    """A client's text frame header (FIN, masked) announcing ``length`` bytes of payload; the
    mask key is zero, so the payload goes as it is."""
    return struct.pack("!BBQ", 0x81, 0x80 | 127, length) + b"\0\0\0\0"


# --- N12: frames over the limit -----------------------------------------------------------------


# Daphne's autobahn drops the connection without a close frame (its failByDrop default): 1006.
@pytest.mark.parametrize(("server", "code"), [("uvicorn", 1009), ("daphne", 1006)])
def test_a_frame_over_the_limit_closes_the_socket_from_its_header(served, server, code):
    """Announcing 15 MiB and sending only a little of it: the server closes the socket (1009)
    at once, without waiting for (and holding) the rest."""
    port = served(server).port
    url = f"ws://127.0.0.1:{port}/ws/me/?token={_token(UserFactory())}"

    async def attack() -> tuple[int | None, float]:
        async with websockets.connect(url, open_timeout=20, ping_interval=None) as ws:
            start = time.monotonic()
            ws.transport.write(_frame_header(15 * MiB) + b"\0" * 4096)
            with contextlib.suppress(websockets.ConnectionClosed, TimeoutError):
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            return ws.close_code, time.monotonic() - start

    closed, seconds = asyncio.run(attack())
    assert closed == code
    assert seconds < 3


def test_big_frames_do_not_grow_the_server(served):
    """Ten 15 MiB frames at once, sent whole: the server's memory does not grow by them."""
    server = served("uvicorn")
    tokens = [_token(UserFactory()) for _ in range(10)]

    async def one(token: str) -> int | None:
        url = f"ws://127.0.0.1:{server.port}/ws/me/?token={token}"
        async with websockets.connect(url, open_timeout=20, ping_interval=None) as ws:
            ws.transport.write(_frame_header(15 * MiB) + b"\0" * (15 * MiB))
            with contextlib.suppress(websockets.ConnectionClosed, TimeoutError):
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            return ws.close_code

    before = server.rss()
    codes = asyncio.run(_gather(one(t) for t in tokens))
    growth = server.rss() - before
    assert codes == [1009] * 10
    assert growth < 40 * MiB, f"grew by {growth / MiB:.0f} MiB"


async def _gather(coroutines) -> list:
    return list(await asyncio.gather(*coroutines))


# --- N4: bodies over the limit ------------------------------------------------------------------


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the server's answer (read until it closes or 5 s)."""
    sock.settimeout(5)
    data = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), f"no answer: {data[:200]!r}"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize("path", ["/api/rooms", "/rooms/new/"])
def test_a_chunked_body_is_refused_once_it_passes_the_limit(served, path):
    """No Content-Length: the 413 comes as soon as the bytes read pass the limit, while the
    client is still sending (it never ends the body here)."""
    port = served("uvicorn").port
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = 64 * 1024
        for _ in range(BODY_LIMIT // chunk + 1):
            sock.sendall(b"%x\r\n" % chunk + b"x" * chunk + b"\r\n")
        start = time.monotonic()
        status, headers, body = _answer(sock)
    assert status == 413
    assert time.monotonic() - start < 5
    if path.startswith("/api/"):
        assert headers["content-type"] == "application/json"
        assert json.loads(body)["code"] == 413
    else:
        assert b"too large" in body


def test_a_declared_length_over_the_limit_is_refused_before_the_body(served):
    port = served("uvicorn").port
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (200 * MiB)
        )
        status, _headers, body = _answer(sock)
    assert status == 413
    assert json.loads(body)["code"] == 413


def test_a_body_under_the_limit_still_arrives(served):
    """A chunked body under the limit reaches the view (refused for who sends it, not for
    its size)."""
    port = served("uvicorn").port
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n"
        )
        payload = json.dumps({"username": "nobody", "password": "x" * 100_000}).encode()
        sock.sendall(b"%x\r\n" % len(payload) + payload + b"\r\n0\r\n\r\n")
        status, _headers, _body = _answer(sock)
    assert status in (401, 403)


# --- N10: slow headers, open files --------------------------------------------------------------


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_slow_header_connections_are_closed_within_the_timeout(served, server):
    """300 connections that send a header line a second and never finish: each is closed
    within UCHAT_HEADER_TIMEOUT (3 s here), and the server keeps answering others."""
    target = served(server)

    async def slow(n: int) -> float:
        reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
        start = time.monotonic()
        writer.write(b"GET /check HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for i in range(60):
                writer.write(b"X-Slow-%d: %d\r\n" % (i, n))
                await writer.drain()
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(reader.read(1024), 1.0) == b"":
                        break  # closed by the server
        except OSError:
            pass
        writer.close()
        return time.monotonic() - start

    async def attack() -> tuple[list[float], int]:
        held = [asyncio.create_task(slow(n)) for n in range(300)]
        await asyncio.sleep(1)
        status = await asyncio.to_thread(target.check)
        return await _gather(held), status

    held, status = asyncio.run(attack())
    assert status == 200
    assert max(held) < HEADER_TIMEOUT + 3, f"held up to {max(held):.1f} s"


def test_past_the_connection_limit_sockets_and_requests_get_503(served):
    """UCHAT_MAX_CONNECTIONS counts sockets too: past it, an upgrade is refused like a request
    (uvicorn's own limit let every upgrade through)."""
    server = served("uvicorn", UCHAT_MAX_CONNECTIONS="5")
    url = f"ws://127.0.0.1:{server.port}/ws/me/?token={_token(UserFactory())}"

    async def fill() -> tuple[int, list[int], int]:
        held, refused = [], []
        for _ in range(7):
            try:
                held.append(await websockets.connect(url, open_timeout=20, ping_interval=None))
            except websockets.InvalidStatus as exc:
                refused.append(exc.response.status_code)
        status = await asyncio.to_thread(server.check)
        await _gather(ws.close() for ws in held)
        return len(held), refused, status

    # uvicorn counts the connection asking too: four held, the fifth is one too many.
    held, refused, status = asyncio.run(fill())
    assert held == 4
    assert refused == [503, 503, 503]
    assert status == 503
    deadline = time.monotonic() + 10
    while server.check() != 200:  # the sockets gone, it serves again
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_two_thousand_sockets_on_one_process_all_hear_a_broadcast(served):
    """From a soft limit of 1,024 open files: bin/serve raises it, every socket connects,
    each hears its room's message, and PostgreSQL keeps answering /check. Rooms of 100, as
    in the soak: each arrival is told to the room (n² frames in one room of 2,000)."""
    server = served("uvicorn")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this side holds 2,000 too
    sockets, rooms = 2000, 20
    users, room_ids = crowd_create(people=sockets, rooms=rooms, label=f"many{time.monotonic_ns()}")
    urls = [
        f"ws://127.0.0.1:{server.port}/ws/rooms/{room_ids[i % rooms]}/?token={_token(u)}"
        for i, u in enumerate(users)
    ]

    async def connect(url: str, gate: asyncio.Semaphore) -> websockets.ClientConnection:
        async with gate:
            # max_queue=None: frames not read yet (others arriving) must not stop this side
            # reading, or the server's pings go unanswered and it closes the socket.
            return await websockets.connect(
                url, open_timeout=120, ping_interval=None, max_queue=None
            )

    async def hears(ws: websockets.ClientConnection) -> bool:
        with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if frame.get("type") == "message.created" and frame.get("body") == "to all":
                    return True
        return False

    async def scenario() -> dict:
        # The test process's own connections (earlier tests' threads) are not the server's.
        before = await asyncio.to_thread(_database_connections)
        start = time.monotonic()
        gate = asyncio.Semaphore(50)  # a reconnect storm after a deploy
        results = await asyncio.gather(*(connect(u, gate) for u in urls), return_exceptions=True)
        opened = [r for r in results if not isinstance(r, BaseException)]
        seen = {
            "connect_s": round(time.monotonic() - start),
            "failed": [repr(r) for r in results if isinstance(r, BaseException)][:3],
            "opened": len(opened),
            "open_files": sum(p.num_fds() for p in server.processes()),
            "check": await asyncio.to_thread(server.check),
        }
        listening = [asyncio.create_task(hears(ws)) for ws in opened]
        for r in range(min(rooms, len(opened))):  # the first socket of each room says it
            await opened[r].send(
                json.dumps({"type": "message.send", "body": "to all", "client_id": f"all-{r}"})
            )
        seen["heard"] = sum(await _gather(listening))
        seen["database_connections"] = await asyncio.to_thread(_database_connections) - before
        await _gather(ws.close() for ws in opened)
        return seen

    seen = asyncio.run(scenario())
    assert seen["opened"] == sockets, (seen, server.log())
    assert seen["open_files"] > sockets, seen  # one process holds them all
    assert seen["check"] == 200, (seen, server.log())
    assert seen["heard"] == sockets, seen
    assert Message.objects.filter(conversation_id__in=room_ids, body="to all").count() == rooms
    # Worker threads each keep one connection: the server's stay bounded, far from the maximum.
    assert seen["database_connections"] < 100, seen


def _database_connections() -> int:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return 0
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]
