"""Redis that fails over: a master, a replica and Debian's redis-sentinel; the server knows only
the sentinels (REDIS_SENTINELS). With sockets open and messages flowing the master is killed,
Sentinel promotes the replica, and no acknowledged message is lost or stored twice: a socket
the server closed reconnects, sends again what it had not seen acknowledged, and catches up."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Message
from tests.browser.conftest import LiveServer, _free_port, run_outside_loop
from tests.browser.test_redis_outage import Redis

pytestmark = [
    pytest.mark.browser,
    # Sockets here are opened and reopened by hand, as the page's reconnecting client does.
    pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager"),
]


def redis_cli(port: int, *args: str) -> str:
    found = subprocess.run(  # noqa: S603
        [shutil.which("redis-cli") or "redis-cli", "-p", str(port), *args],
        capture_output=True,
        check=False,
        text=True,
    )
    return found.stdout.strip()


@pytest.fixture
def sentinel_set(tmp_path):
    """A master, its replica and one sentinel (quorum 1) on loopback ports."""
    if shutil.which("redis-sentinel") is None:
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-sentinel (Debian's package) is needed for this test")
        pytest.skip("redis-sentinel is not installed")
    (tmp_path / "master").mkdir()
    (tmp_path / "replica").mkdir()
    master, replica = Redis(tmp_path / "master"), Redis(tmp_path / "replica")
    master.start()
    replica.start()
    redis_cli(replica.port, "REPLICAOF", "127.0.0.1", str(master.port))
    port = _free_port()
    config = tmp_path / "sentinel.conf"  # Sentinel rewrites it: a file of its own
    config.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor uchat 127.0.0.1 {master.port} 1\n"
        "sentinel down-after-milliseconds uchat 1000\n"
        "sentinel failover-timeout uchat 5000\n"
    )
    sentinel = subprocess.Popen(  # noqa: S603
        [shutil.which("redis-sentinel") or "redis-sentinel", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while "slave" not in redis_cli(port, "SENTINEL", "replicas", "uchat"):
        assert time.monotonic() < deadline, "the sentinel never saw the replica"
        time.sleep(0.1)
    yield master, replica, port
    sentinel.kill()
    master.stop()
    replica.stop()


def test_no_acknowledged_message_is_lost_or_doubled_when_the_master_fails_over(
    sentinel_set, tmp_path, mail_dir, transactional_db
):
    master, replica, sentinel_port = sentinel_set
    server = LiveServer(
        tmp_path,
        mail_dir,
        REDIS_URL="",
        REDIS_SENTINELS=f"127.0.0.1:{sentinel_port}",
        REDIS_SENTINEL_MASTER="uchat",
    )
    try:
        alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
        room = run_outside_loop(services.room_create, creator=alice, name="HA", members=[bob])
        url = server.url.replace("http://", "ws://") + f"/ws/rooms/{room.pk}/?token="
        alice_url = url + str(RefreshToken.for_user(alice).access_token)
        bob_url = url + str(RefreshToken.for_user(bob).access_token)
        bodies = [f"message {n}" for n in range(30)]
        seen_by_bob: set[int] = set()
        bob_ws = connect(bob_url, open_timeout=10)
        acked: dict[str, int] = {}
        alice_ws = connect(alice_url, open_timeout=10)
        # The server found the master through the sentinel: its layer listens there.
        assert redis_cli(master.port, "PUBSUB", "CHANNELS", "*")
        n = 0
        deadline = time.monotonic() + 60
        while n < len(bodies):
            assert time.monotonic() < deadline, f"stuck at {bodies[n]}"
            if n == 10 and master.process is not None:
                master.stop()  # the master dies mid-conversation
            client_id = f"c{n}"
            try:
                alice_ws.send(
                    json.dumps({"type": "message.send", "body": bodies[n], "client_id": client_id})
                )
                while (frame := json.loads(alice_ws.recv(timeout=10)))["type"] != "message.ack":
                    pass
                acked[client_id] = frame["message"]["id"]
                n += 1
            except (ConnectionClosed, TimeoutError, OSError):
                time.sleep(0.3)  # as the page does: reconnect, then send again what waited
                try:
                    alice_ws = connect(alice_url, open_timeout=10)
                except (OSError, TimeoutError, InvalidHandshake):
                    continue  # refused while the layer is away (403): try again
            seen_by_bob |= _drain(bob_ws)

        assert redis_cli(sentinel_port, "SENTINEL", "get-master-addr-by-name", "uchat").endswith(
            str(replica.port)
        )  # the replica was promoted
        stored = list(
            Message.objects.filter(conversation=room).order_by("seq").values_list("body", "id")
        )
        assert [body for body, _ in stored] == bodies  # each once, in order
        assert set(acked.values()) == {pk for _, pk in stored}
        # and, after the failover, on the promoted replica; so does the cache (rate limits)
        assert redis_cli(replica.port, "PUBSUB", "CHANNELS", "*")
        assert int(redis_cli(replica.port, "DBSIZE")) > 0
        # bob's socket was closed or stayed; either way a sync fills in what it missed
        try:
            seen_by_bob |= _drain(bob_ws)
            bob_ws.send(json.dumps({"type": "sync", "after_seq": 0}))
            caught_up = _sync(bob_ws)
        except (ConnectionClosed, OSError):
            bob_ws = connect(bob_url, open_timeout=10)
            bob_ws.send(json.dumps({"type": "sync", "after_seq": 0}))
            caught_up = _sync(bob_ws)
        assert {m["id"] for m in caught_up} | seen_by_bob == {pk for _, pk in stored}
        assert len(caught_up) == len({m["id"] for m in caught_up})  # no duplicate
        alice_ws.close()
        bob_ws.close()
    finally:
        server.stop()


def _drain(ws) -> set[int]:
    """Ids of the messages a socket has been sent so far."""
    ids: set[int] = set()
    try:
        while True:
            frame = json.loads(ws.recv(timeout=0.05))
            if frame["type"] == "message.created":
                ids.add(frame["id"])
    except (TimeoutError, ConnectionClosed):
        return ids


def _sync(ws) -> list[dict]:
    while (frame := json.loads(ws.recv(timeout=10)))["type"] != "sync":
        pass
    return frame["messages"]


def test_celerys_broker_reaches_the_master_through_the_sentinel(sentinel_set):
    """The settings' broker URL and transport options (sentinel://) carry a task message."""
    _, _, sentinel_port = sentinel_set
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from kombu import Connection\n"
        "with Connection(settings.CELERY_BROKER_URL,"
        " transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as connection:\n"
        "    queue = connection.SimpleQueue('uchat-sentinel-test')\n"
        "    queue.put({'hello': 'sentinel'})\n"
        "    message = queue.get(timeout=10)\n"
        "    message.ack()\n"
        "    print(message.payload['hello'])\n"
    )
    env = {
        **os.environ,
        "REDIS_URL": "",
        "REDIS_SENTINELS": f"127.0.0.1:{sentinel_port}",
        "REDIS_SENTINEL_MASTER": "uchat",
        "DJANGO_SETTINGS_MODULE": "uchat.settings",
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "sentinel", done.stderr[-2000:]
