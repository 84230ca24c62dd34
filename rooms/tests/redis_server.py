"""A real redis-server of a test's own, for the channel layer, that the test may stall
(SIGSTOP, as a hung Redis or a network partition looks to its clients) without touching the
Redis the rest of the suite shares."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(shutil.which("redis-server")),
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                break
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    @contextlib.contextmanager
    def stalled(self) -> Iterator[None]:
        """Redis stops answering (connections stay open, commands wait in its buffers)."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.kill()
        self.process.wait(timeout=10)


@contextlib.contextmanager
def layer_on_own_redis(directory: Path, django_settings) -> Iterator[RedisServer]:
    """The configured channel layer (same backend, options and prefix), on a Redis of its own."""
    if not settings.REDIS_URL or shutil.which("redis-server") is None:
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("a Redis channel layer and redis-server are needed for this test")
        pytest.skip("needs REDIS_URL and redis-server")
    server = RedisServer(directory)
    try:
        layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
        hosts = [{**host, "address": server.url} for host in layer["CONFIG"]["hosts"]]
        django_settings.CHANNEL_LAYERS = {
            "default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": hosts}}
        }
        yield server
    finally:
        server.stop()
