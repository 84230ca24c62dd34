"""The per-process fan-out hub (core/fanout.py), on the configured channel layer."""

import asyncio

from core import events, fanout


class Socket:
    def __init__(self) -> None:
        self.frames: list[str] = []

    async def message_created(self, event: dict) -> None:
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
