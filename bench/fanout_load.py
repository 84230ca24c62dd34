"""The fan-out load generator: one process of asyncio WebSocket clients (bench/fanout.py starts it).

It reads a plan (a JSON file named by its argument): the clients (URL, protocol, room), then
one scenario. Every message carries its id and send time in its text; for every member that should get it, the
generator records when it arrived. It prints one JSON line: per step, deliveries, latency
percentiles, lost and duplicated deliveries.

Three wire protocols, so that every server is driven by the same client code:
- ``uchat``: uchat's room socket (docs/websocket.md), authenticated by ``?token=``;
- ``bare``: JSON frames to a bare ``websockets`` broadcast server (bench/servers/bare.py);
- ``socketio``: Socket.IO over its WebSocket transport (Engine.IO 4), spoken directly.
"""

import asyncio
import json
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

MARK = "bm|"  # the message text: bm|<message id>|<send time ns>|


@dataclass
class Client:
    index: int
    url: str
    protocol: str
    room: str
    ws: ClientConnection | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Tally:
    sent_at: dict[int, int] = field(default_factory=dict)  # message id -> send time ns
    expected: dict[int, int] = field(default_factory=dict)  # message id -> deliveries due
    step_of: dict[int, int] = field(default_factory=dict)
    seen: dict[int, set[int]] = field(default_factory=dict)  # message id -> client indexes
    latencies: dict[int, list[float]] = field(default_factory=dict)  # step -> ms
    duplicates: int = 0
    last_frame: float = 0.0
    errors: list[str] = field(default_factory=list)
    arrivals: int = 0
    presence: int = 0  # presence frames received (a person's coming or going)


def encode(client: Client, text: str) -> str:
    if client.protocol == "uchat":
        return json.dumps({"type": "message.send", "body": text, "client_id": text[3:40]})
    if client.protocol == "bare":
        return json.dumps({"type": "message.send", "body": text})
    return "42" + json.dumps(["send", {"room": client.room, "body": text}])


async def socketio_handshake(client: Client, ws: ClientConnection) -> None:
    opened = await ws.recv()
    if not str(opened).startswith("0"):
        raise RuntimeError(f"unexpected Engine.IO open packet {opened!r}")
    await ws.send("40")
    while not str(await ws.recv()).startswith("40"):
        pass
    await ws.send("42" + json.dumps(["join", {"room": client.room}]))


async def watch(ws: ClientConnection, users: list[int], tally: Tally) -> None:
    """uchat's presence.watch, answered by presence.state (idle-watch)."""
    await ws.send(json.dumps({"type": "presence.watch", "users": users}))
    while True:
        text = str(await ws.recv())
        if '"type":"presence.state"' in text:
            return
        if PRESENCE in text:
            tally.presence += 1
        elif '"type":"error"' in text:
            raise RuntimeError(f"presence.watch refused: {text[:200]}")


PRESENCE = '"type":"presence"'  # not presence.state: the closing quote follows the name


async def run_client(
    client: Client, tally: Tally, opened: asyncio.Semaphore, watched: list[int] | None = None
) -> None:
    async with opened:
        ws = await connect(client.url, max_size=2**20, ping_interval=None, open_timeout=60)
        if client.protocol == "socketio":
            await socketio_handshake(client, ws)
        if watched is not None:  # part of the connect, as a page's first watch is
            await watch(ws, watched, tally)
    client.ws = ws
    joined_socketio = client.protocol != "socketio"
    if joined_socketio:
        client.ready.set()
    try:
        async for frame in ws:
            tally.last_frame = time.monotonic()
            text = frame if isinstance(frame, str) else frame.decode()
            if client.protocol == "socketio":
                if text == "2":  # Engine.IO ping
                    await ws.send("3")
                    continue
                if not joined_socketio and text.startswith('42["joined"'):
                    joined_socketio = True
                    client.ready.set()
                    continue
            elif '"type":"error"' in text:
                tally.errors.append(text[:200])
                continue
            elif '"type":"message.created"' not in text:
                if PRESENCE in text:
                    tally.presence += 1
                continue  # acks, presence, typing
            start = text.find(MARK)
            if start < 0:
                continue
            now = time.time_ns()
            mid_text, sent_text, _ = text[start + len(MARK) : start + 64].split("|", 2)
            mid = int(mid_text)
            tally.arrivals += 1
            seen = tally.seen.setdefault(mid, set())
            if client.index in seen:
                tally.duplicates += 1
                continue
            seen.add(client.index)
            step = tally.step_of.get(mid, -1)
            tally.latencies.setdefault(step, []).append((now - int(sent_text)) / 1e6)
    except Exception as exc:  # a dropped socket is a finding, not a crash of the generator
        tally.errors.append(f"client {client.index}: {exc!r}"[:200])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def send_at_rate(
    senders: list[Client], rate: float, seconds: float, tally: Tally, step: int, members: dict
) -> int:
    """Send ``rate`` messages a second for ``seconds`` from ``senders`` in turn."""
    count = max(1, int(rate * seconds))
    start = time.monotonic()
    order = senders[:]
    random.shuffle(order)
    for n in range(count):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        client = order[n % len(order)]
        mid = len(tally.sent_at) + 1
        now = time.time_ns()
        tally.sent_at[mid] = now
        tally.expected[mid] = members[client.room]
        tally.step_of[mid] = step
        assert client.ws is not None  # every sender connected before the go
        await client.ws.send(encode(client, f"{MARK}{mid}|{now}|"))
    return count


async def drain(tally: Tally, mids: list[int], seconds: float) -> None:
    """Wait until every delivery of ``mids`` arrived, or ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(len(tally.seen.get(m, ())) >= tally.expected[m] for m in mids):
            return
        await asyncio.sleep(0.05)


def step_report(tally: Tally, step: int, seconds: float) -> dict[str, Any]:
    mids = [m for m, s in tally.step_of.items() if s == step]
    due = sum(tally.expected[m] for m in mids)
    got = sum(len(tally.seen.get(m, ())) for m in mids)
    lat = tally.latencies.get(step, [])
    return {
        "messages": len(mids),
        "offered_per_s": round(due / seconds),
        "delivered": got,
        "delivered_per_s": round(got / seconds),
        "lost": due - got,
        "p50_ms": round(percentile(lat, 0.50), 1),
        "p95_ms": round(percentile(lat, 0.95), 1),
        "p99_ms": round(percentile(lat, 0.99), 1),
    }


async def main(plan: dict[str, Any]) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    random.seed(plan.get("seed", 1))
    clients = [
        Client(i, c["url"], c["protocol"], str(c["room"])) for i, c in enumerate(plan["clients"])
    ]
    members: dict[str, int] = {}
    for c in clients:
        members[c.room] = members.get(c.room, 0) + 1
    tally = Tally()
    opened = asyncio.Semaphore(plan.get("connect_concurrency", 50))
    connect_start = time.monotonic()
    watch_lists = plan.get("watch", {})
    tasks = [
        asyncio.create_task(run_client(c, tally, opened, watch_lists.get(c.room))) for c in clients
    ]
    ready = asyncio.gather(*(c.ready.wait() for c in clients))
    try:
        await asyncio.wait_for(ready, timeout=plan.get("connect_timeout", 300))
    except TimeoutError:
        not_ready = sum(not c.ready.is_set() for c in clients)
        print(
            json.dumps(
                {"error": f"{not_ready} clients never got ready", "errors": tally.errors[:5]}
            )
        )
        return
    connect_seconds = time.monotonic() - connect_start
    # Let join-time work and chatter (presence) pass: quiet for a second, at most a minute.
    quiet_deadline = time.monotonic() + 60
    while time.monotonic() < quiet_deadline and time.monotonic() - tally.last_frame < 1.0:  # noqa: ASYNC110 - polls a timestamp
        await asyncio.sleep(0.2)
    # Tell the orchestrator, which measures the server now, and wait for its go.
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    result: dict[str, Any] = {"clients": len(clients), "connect_seconds": round(connect_seconds, 1)}
    scenario = plan["scenario"]
    if scenario == "idle":
        print(json.dumps({**result, "idle": True, "presence_frames": tally.presence}), flush=True)
    else:
        steps = []
        for step, rate in enumerate(plan["rates"]):
            # A ramp's steps may be longer at low rates (bench/fanout.py's --step-deliveries):
            # enough deliveries in every step for its p99.
            seconds = plan.get("step_seconds", [plan["seconds"]] * len(plan["rates"]))[step]
            cpu, wall = time.process_time(), time.monotonic()
            await send_at_rate(clients, rate, seconds, tally, step, members)
            mids = [m for m, s in tally.step_of.items() if s == step]
            await drain(tally, mids, plan.get("drain", 5.0))
            report = step_report(tally, step, seconds)
            report["seconds"] = seconds
            # The generator's own load (1.0 = a full core): near 1, it is the bottleneck.
            report["generator_cpu"] = round(
                (time.process_time() - cpu) / (time.monotonic() - wall), 2
            )
            steps.append(report)
            stop_ms = plan.get("stop_p99_ms")
            if stop_ms and (report["p99_ms"] > stop_ms or report["lost"]):
                break
        result["steps"] = steps
        result["duplicates"] = tally.duplicates
        result["lost"] = sum(s["lost"] for s in steps)
        result["errors"] = tally.errors[:5]
        result["error_count"] = len(tally.errors)
        print(json.dumps(result), flush=True)
    # Drop the sockets without waiting for each close handshake (a busy server may be slow
    # to answer, and the results are already out).
    for c in clients:
        if c.ws is not None:
            c.ws.transport.abort()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    with open(sys.argv[1]) as plan_file:
        asyncio.run(main(json.load(plan_file)))
