"""The per-process fan-out hub (core/fanout.py), on the configured channel layer."""

import asyncio
import os
import runpy
import sys
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from core import events, fanout
from rooms.tests.redis_server import layer_on_own_redis


class Socket:
    def __init__(self) -> None:
        self.frames: list[str] = []

    async def event_message_created(self, event: dict) -> None:
        self.frames.append(event["frame"])

    async def fanout_failed(self) -> None:
        self.frames.append("failed")


async def _broadcast(hub: fanout.Hub, group: str, body: str) -> None:
    await hub.layer.group_send(group, events.event(group, "message.created", {"body": body}))


async def _wait_for(socket: Socket, count: int) -> None:
    for _ in range(100):
        if len(socket.frames) >= count:
            return
        await asyncio.sleep(0.02)


async def test_one_subscription_serves_every_local_socket():
    hub = fanout.Hub(fanout.hub().layer)
    first, second, elsewhere = Socket(), Socket(), Socket()
    await hub.join("conversation.9001", first)
    await hub.join("conversation.9001", second)
    await hub.join("conversation.9002", elsewhere)
    await _broadcast(hub, "conversation.9001", "hi")
    await _wait_for(second, 1)
    assert first.frames == second.frames == ['{"type":"message.created","body":"hi"}']
    assert elsewhere.frames == []
    for group, socket in (("conversation.9001", first), ("conversation.9001", second)):
        await hub.leave(group, socket)
    await hub.leave("conversation.9002", elsewhere)
    assert hub.reader is None  # nothing left to listen to
    assert hub.keeper is None


async def test_a_batch_of_broadcasts_goes_in_one_pipeline_and_in_order(monkeypatch):
    # The writer broadcasts a batch's messages together: on the pub/sub layer one round trip
    # of PUBLISHes, not one group_send (and its answer) after another.
    hub = fanout.hub()
    assert events._pubsub_shards(hub.layer) is not None, "channels-redis' internals moved"
    one, two = Socket(), Socket()
    await hub.join("conversation.9011", one)
    await hub.join("conversation.9012", two)
    await hub.answering()
    singles = []
    real = type(hub.layer).__getattr__

    def counted(layer, name):
        if name == "group_send":
            singles.append(name)
        return real(layer, name)

    monkeypatch.setattr(type(hub.layer), "__getattr__", counted)
    bodies = [f"m{n}" for n in range(6)]
    await events.broadcast_many_async(
        [
            ([f"conversation.901{1 + n % 2}"], "message.created", {"body": b})
            for n, b in enumerate(bodies)
        ]
    )
    await _wait_for(two, 3)
    await _wait_for(one, 3)
    assert singles == []
    assert one.frames == [f'{{"type":"message.created","body":"{b}"}}' for b in bodies[0::2]]
    assert two.frames == [f'{{"type":"message.created","body":"{b}"}}' for b in bodies[1::2]]
    await hub.leave("conversation.9011", one)
    await hub.leave("conversation.9012", two)


async def test_a_batch_join_subscribes_each_new_group_once_and_delivers(monkeypatch):
    """Hub.join_many (a presence.watch's groups): one Redis subscription per group new to the
    process, none for a group it hears already; every joined group delivers."""
    hub = fanout.Hub(fanout.hub().layer)
    there, watcher = Socket(), Socket()
    await hub.join("presence.9101", there)
    added: list[str] = []
    group_add = hub.layer.group_add

    async def counted(group: str, channel: str) -> None:
        added.append(group)
        await group_add(group, channel)

    monkeypatch.setattr(hub.layer, "group_add", counted)
    groups = ["presence.9101", "presence.9102", "presence.9103"]
    await hub.join_many(groups, watcher)
    assert sorted(added) == ["presence.9102", "presence.9103"]
    for group in groups:
        await _broadcast(hub, group, group)
    await _wait_for(watcher, 3)
    assert sorted(watcher.frames) == [
        f'{{"type":"message.created","body":"{group}"}}' for group in groups
    ]
    for group in groups:
        await hub.leave(group, watcher)
    await hub.leave("presence.9101", there)
    assert hub.reader is None


async def test_groups_are_refreshed_while_nobody_joins(monkeypatch):
    """channels-redis forgets group members after group_expiry; the hub re-adds itself."""
    monkeypatch.setattr(fanout, "REFRESH_SECONDS", 0.05)
    monkeypatch.setattr(fanout, "BEAT_SECONDS", 0.05)
    hub = fanout.Hub(fanout.hub().layer)
    socket = Socket()
    await hub.join("conversation.9003", socket)
    await hub.layer.group_discard("conversation.9003", hub.channel)  # as if it had expired
    await asyncio.sleep(0.3)
    await _broadcast(hub, "conversation.9003", "still here")
    await _wait_for(socket, 1)
    assert socket.frames == ['{"type":"message.created","body":"still here"}']
    await hub.leave("conversation.9003", socket)


def _site_settings(monkeypatch, *, secret_key: str, redis_db: int) -> dict:
    """The settings one deployment computes from its environment (the prefix left unset)."""
    if not settings.REDIS_URL:
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("REDIS_URL is needed for this test")
        pytest.skip("REDIS_URL is not set")
    monkeypatch.setenv("DJANGO_SECRET_KEY", secret_key)
    monkeypatch.setenv(
        "REDIS_URL", urlsplit(settings.REDIS_URL)._replace(path=f"/{redis_db}").geturl()
    )
    monkeypatch.delenv("UCHAT_CHANNEL_PREFIX", raising=False)
    return runpy.run_path(str(settings.BASE_DIR / "uchat" / "settings.py"))


def _layer(site: dict):
    config = site["CHANNEL_LAYERS"]["default"]
    return import_string(config["BACKEND"])(**config["CONFIG"])


async def test_two_sites_on_one_redis_do_not_hear_each_other(monkeypatch):
    """Issue 24 N6: Redis' pub/sub ignores the database number, so a site on db 1 heard the
    room messages of a site on db 0 of the same Redis. Each site's layer has its own prefix."""
    first = _site_settings(monkeypatch, secret_key="first-site-" + "a" * 40, redis_db=0)
    second = _site_settings(monkeypatch, secret_key="second-site-" + "b" * 40, redis_db=1)
    sender, same_site, other_site = _layer(first), _layer(first), _layer(second)
    listeners = []
    for layer in (same_site, other_site):
        channel = await layer.new_channel()
        await layer.group_add("conversation.1", channel)
        listeners.append((layer, channel))
    await asyncio.sleep(0.2)  # the subscriptions reach Redis
    await sender.group_send("conversation.1", {"type": "message.created", "body": "private"})
    try:
        (same, same_channel), (other, other_channel) = listeners
        heard = await asyncio.wait_for(same.receive(same_channel), 5)
        assert heard["body"] == "private"  # another process of the same site hears it
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(other.receive(other_channel), 1)
    finally:
        for layer in (sender, same_site, other_site):
            await layer.flush()
    # Their rate-limit counters stay apart too, should they share a database number.
    assert first["CACHES"]["default"]["KEY_PREFIX"] != second["CACHES"]["default"]["KEY_PREFIX"]


# Another process: broadcasts what it reads on stdin (groups, space-separated), with its wall
# clock UCHAT_TEST_CLOCK_SKEW seconds off. It has no hub, like a Celery worker or fetch_mail.
OTHER_PROCESS = """
import os
import sys
import time
import django
django.setup()
from core import events
_wall_clock = time.time
time.time = lambda: _wall_clock() + float(os.environ.get("UCHAT_TEST_CLOCK_SKEW", "0"))
events.SKIP_AFTER_FAILURE = 0.5  # a failure skips the broadcasts of the next 0.5 s, not 3 s
print("ready", flush=True)
for line in sys.stdin:
    events.broadcast(line.split(), "message.created", {"body": "from the other process"})
    print("done", flush=True)
"""


@pytest.fixture
def own_redis(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(fanout, "BEAT_SECONDS", 0.25)
    with layer_on_own_redis(tmp_path, settings) as server:
        yield server


class OtherProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdin is not None
        assert process.stdout is not None
        self.process, self.stdin, self.stdout = process, process.stdin, process.stdout

    @classmethod
    async def start(cls, redis_url: str, *, clock_skew: float = 0.0) -> "OtherProcess":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "uchat.settings",
            "REDIS_URL": redis_url,
            "UCHAT_TEST_CLOCK_SKEW": str(clock_skew),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", OTHER_PROCESS,
            cwd=settings.BASE_DIR, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        other = cls(process)
        assert (await asyncio.wait_for(other.stdout.readline(), 30)).strip() == b"ready"
        return other

    async def broadcast(self, groups: str) -> None:
        self.stdin.write(groups.encode() + b"\n")
        await self.stdin.drain()
        assert (await asyncio.wait_for(self.stdout.readline(), 20)).strip() == b"done"

    async def stop(self) -> None:
        if not self.stdin.is_closing():
            self.stdin.close()
        await asyncio.wait_for(self.process.wait(), 30)


@pytest.mark.parametrize("clock_skew", [0.0, -30.0])
async def test_a_broadcast_lost_in_another_process_closes_the_sockets_that_missed_it(
    own_redis, clock_skew
):
    """Issue 24 N11: a broadcast that failed in one process during a Redis stall was lost to
    the sockets of every other process, whose beats went on once Redis returned. The failing
    process tells every hub when the layer answers again, and those sockets close (4011),
    whatever the failing machine's clock says (a notice's time is not compared across
    machines)."""
    hub = fanout.Hub(fanout.hub().layer)
    socket = Socket()
    await hub.join("conversation.9201", socket)
    other = await OtherProcess.start(own_redis.url, clock_skew=clock_skew)
    try:
        with own_redis.stalled():
            # The first group's publish waits in Redis' buffers and times out (2 s); the
            # second is never sent.
            await other.broadcast("conversation.9299 conversation.9201")
        await asyncio.sleep(0.5)
        await other.broadcast("conversation.9202")  # Redis answers again
        await _wait_for(socket, 1)
        assert socket.frames == ["failed"]
    finally:
        await other.stop()
        await hub.leave("conversation.9201", socket)


@pytest.mark.parametrize("then", ["waits", "exits"])
async def test_a_process_without_a_hub_reports_its_failed_broadcast_without_another(
    own_redis, then
):
    """Issue 24 N11: a process without a hub (a Celery worker, fetch_mail, a one-shot command)
    kept the notice of its failed broadcast for its next broadcast, which may never come, and
    lost it when it ended. It now retries in the background once Redis answers, and at exit
    waits a few seconds for it: the socket elsewhere closes (4011) soon after Redis returns."""
    hub = fanout.Hub(fanout.hub().layer)
    socket = Socket()
    await hub.join("conversation.9211", socket)
    other = await OtherProcess.start(own_redis.url)
    try:
        with own_redis.stalled():
            await other.broadcast("conversation.9211")  # times out after 2 s
            if then == "exits":
                other.stdin.close()  # a one-shot command ends right after the failure
                await asyncio.sleep(0.5)
        # Nothing more is broadcast from that process.
        for _ in range(250):  # 5 s
            if socket.frames:
                break
            await asyncio.sleep(0.02)
        assert socket.frames == ["failed"]
    finally:
        await other.stop()
        await hub.leave("conversation.9211", socket)


async def test_a_handshake_in_the_first_moment_of_a_stall_waits_for_the_layer(own_redis):
    """Issue 24 N11: ``answering`` returned at once when the hub had heard a beat in the last
    two beat intervals, so a handshake in the first moment of a stall was accepted unproven.
    It now waits for a probe sent through the layer after the socket's groups were joined."""
    hub = fanout.Hub(fanout.hub().layer)
    first, second = Socket(), Socket()
    await hub.join("conversation.9221", first)
    await hub.answering()  # the layer answers, and a beat was heard just now
    with own_redis.stalled():
        # A stalled Redis takes the subscription into its buffers without a word.
        await asyncio.wait_for(hub.join("conversation.9222", second), 1)
        with pytest.raises(fanout.LayerUnavailable):
            await hub.answering()
    await hub.answering()  # Redis answers again
    await hub.leave("conversation.9221", first)
    await hub.leave("conversation.9222", second)
