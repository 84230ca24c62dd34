"""Start one ASGI server on uchat.asgi with uchat's own limits (bin/serve calls this):

    python -m uchat.serve <uvicorn|granian|daphne> <host> <port>

Each server gets the same limits, read from the settings (README, "Configuration"):

- a WebSocket message larger than ``UCHAT_WS_MAX_FRAME`` allows is refused by the server while
  it reads the frame's header (close 1009), so nothing past the limit is ever buffered;
- request headers must arrive within ``UCHAT_HEADER_TIMEOUT`` seconds of the connection (or of
  the previous response), so slow-header connections cannot pile up;
- at most ``UCHAT_MAX_CONNECTIONS`` connections per process (HTTP and sockets together) are
  served; past it a request gets 503 instead of an open file the database needs.

Granian cannot cap WebSocket messages and Daphne cannot time out slow headers nor bound its
connections: docs/deploy.md says what covers them (nginx). uvicorn, the default, does all
three.
"""

import asyncio
import os
import resource
import sys
from dataclasses import dataclass
from typing import Any

SERVERS = ("uvicorn", "granian", "daphne")
APP = "uchat.asgi:application"
# Open files a process needs besides its client connections: database and Redis connections,
# uploads being read, log files, the event loop's own.
FILE_HEADROOM = 1024


@dataclass(frozen=True)
class Limits:
    frame_bytes: int
    header_seconds: float
    connections: int


def limits() -> Limits:
    from django.conf import settings

    return Limits(
        # The consumer's limit counts characters, the servers count bytes: a character is at
        # most 4 bytes of UTF-8, so every frame the consumer would read still reaches it.
        frame_bytes=4 * settings.UCHAT_WS_MAX_FRAME,
        header_seconds=settings.UCHAT_HEADER_TIMEOUT,
        connections=settings.UCHAT_MAX_CONNECTIONS,
    )


def server_command(server: str, host: str, port: str, limit: Limits) -> list[str]:
    """The command line of Granian or Daphne (uvicorn runs in this process, see serve())."""
    venv = os.path.join(os.path.dirname(sys.executable), "")
    if server == "granian":
        # One worker (run more processes behind nginx to use more cores, docs/deploy.md). Every
        # open socket is a request in flight, so --backpressure is the connection limit.
        return [
            f"{venv}granian", "--interface", "asginl", "--host", host, "--port", port,
            "--loop", "uvloop", "--backlog", "4096",
            "--backpressure", str(limit.connections),
            "--http1-header-read-timeout",
            str(min(60_000, max(1, round(limit.header_seconds * 1000)))),  # its allowed range
            "--no-access-log", "--log-level", "warning", APP,
        ]  # fmt: skip
    return [
        f"{venv}daphne", "-v", "0", "-b", host, "-p", port,
        "--websocket-max-message-size", str(limit.frame_bytes),
        "--websocket-max-frame-size", str(limit.frame_bytes),
        APP,
    ]  # fmt: skip


def limited_protocol(limit: Limits) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with a deadline on reading a request's headers, and with
    its connection limit applied to WebSocket upgrades too.

    uvicorn times out only idle keep-alive connections, and only after a first response: a
    client that opens a connection and sends its headers a byte at a time (or never) holds it,
    and an open file, for as long as it likes. Its --limit-concurrency answers 503 to HTTP
    requests but lets every upgrade through."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    seconds = limit.header_seconds

    class LimitedProtocol(HttpToolsProtocol):
        header_deadline: asyncio.TimerHandle | None = None

        def arm_header_deadline(self) -> None:
            if self.header_deadline is None:
                self.header_deadline = self.loop.call_later(seconds, self.headers_too_slow)

        def disarm_header_deadline(self) -> None:
            if self.header_deadline is not None:
                self.header_deadline.cancel()
                self.header_deadline = None

        def headers_too_slow(self) -> None:
            self.header_deadline = None
            if self.transport.is_closing():
                return
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(
                    b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n"
                    b"connection: close\r\n\r\n"
                )
            self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self.arm_header_deadline()  # the first request: from the connection on

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.arm_header_deadline()  # a later request: from its first byte on

        def on_headers_complete(self) -> None:
            self.disarm_header_deadline()
            if self.parser.should_upgrade() and len(self.connections) >= limit.connections:
                self.transport.write(
                    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n"
                    b"connection: close\r\n\r\n"
                )
                self.transport.close()
                return
            super().on_headers_complete()

        def handle_websocket_upgrade(self) -> None:
            if not self.transport.is_closing():  # not refused above
                super().handle_websocket_upgrade()

        def connection_lost(self, exc: Exception | None) -> None:
            self.disarm_header_deadline()
            super().connection_lost(exc)

    return LimitedProtocol


def check_open_files(limit: Limits) -> None:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < limit.connections + FILE_HEADROOM:
        sys.stderr.write(
            f"uchat: {soft} open files allowed, fewer than UCHAT_MAX_CONNECTIONS "
            f"({limit.connections}) + {FILE_HEADROOM}: raise the hard limit (LimitNOFILE= in "
            "the systemd unit, docs/deploy.md) or lower UCHAT_MAX_CONNECTIONS.\n"
        )


def serve(server: str, host: str, port: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uchat.settings")
    limit = limits()
    check_open_files(limit)
    if server != "uvicorn":
        command = server_command(server, host, port, limit)
        os.execv(command[0], command)  # noqa: S606
    import uvicorn

    uvicorn.run(
        APP,
        host=host,
        port=int(port),
        loop="uvloop",
        http=limited_protocol(limit),
        ws="websockets-sansio",
        ws_max_size=limit.frame_bytes,
        ws_per_message_deflate=False,
        limit_concurrency=limit.connections,
        backlog=4096,
        lifespan="off",
        access_log=False,
        # The client's address is decided once, by UCHAT_TRUSTED_PROXIES (core.client_address);
        # uvicorn's own default would trust X-Forwarded-For from any loopback peer.
        proxy_headers=False,
        timeout_graceful_shutdown=5,
        log_level="warning",
    )


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in SERVERS:
        sys.stderr.write("usage: bin/serve <uvicorn|granian|daphne> <host> <port>\n")
        return 2
    serve(*argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
