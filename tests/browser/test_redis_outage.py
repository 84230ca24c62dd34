"""Redis stops during a conversation: sending still stores the message (and says so only
because it is stored); when Redis returns, a reconnecting client catches up on everything."""

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.sync.client import connect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Message
from tests.browser.conftest import LiveServer, _free_port, run_outside_loop

pytestmark = pytest.mark.browser


class Redis:
    def __init__(self, directory) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(  # noqa: S603
                [shutil.which("redis-cli") or "redis-cli", "-p", str(self.port), "ping"],
                capture_output=True,
                check=False,
            ).stdout.strip()
            != b"PONG"
        ):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis(tmp_path):
    if shutil.which("redis-server") is None:
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is needed for this test")
        pytest.skip("redis-server is not installed")
    server = Redis(tmp_path)
    server.start()
    yield server
    server.stop()


def post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_messages_sent_while_redis_is_down_are_stored_and_caught_up(
    redis, tmp_path, mail_dir, transactional_db
):
    server = LiveServer(tmp_path, mail_dir, REDIS_URL=f"redis://127.0.0.1:{redis.port}/0")
    try:
        alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
        room = run_outside_loop(services.room_create, creator=alice, name="Outage", members=[bob])
        token = str(RefreshToken.for_user(alice).access_token)
        api = f"{server.url}/api/rooms/{room.pk}/messages"
        assert post(api, token, {"body": "before"})[0] == 201

        redis.stop()
        status, body = post(api, token, {"body": "during the outage", "client_id": "o1"})
        assert status == 201, body  # stored, so it may say so
        assert Message.objects.filter(body="during the outage").count() == 1

        redis.start()  # same port: Redis is back
        bob_token = str(RefreshToken.for_user(bob).access_token)
        ws_url = server.url.replace("http://", "ws://") + f"/ws/rooms/{room.pk}/?token={bob_token}"
        deadline = time.monotonic() + 20
        while True:  # the page retries with back-off; so does this client
            try:
                with connect(ws_url, open_timeout=5) as ws:
                    ws.send(json.dumps({"type": "sync", "after_seq": 0}))
                    while (frame := json.loads(ws.recv(timeout=10)))["type"] != "sync":
                        pass
                    break
            except (OSError, TimeoutError):
                assert time.monotonic() < deadline, "could not reconnect after Redis returned"
                time.sleep(0.5)
        assert [m["body"] for m in frame["messages"]] == ["before", "during the outage"]
        # and the re-send of the message sent during the outage is not stored twice
        assert post(api, token, {"body": "during the outage", "client_id": "o1"})[0] == 200
    finally:
        server.stop()
