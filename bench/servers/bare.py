"""The upper bound: a bare ``websockets`` broadcast server. No authentication, no database, no
channel layer: ``/<room>`` joins a room, a ``message.send`` frame is broadcast, encoded once,
to everyone in the room. What Python on this machine can do, as a reference for uchat.

Usage: python bench/servers/bare.py <port>"""

import asyncio
import json
import resource
import sys
from collections import defaultdict

from websockets.asyncio.server import ServerConnection, broadcast, serve

rooms: dict[str, set[ServerConnection]] = defaultdict(set)


async def handler(ws: ServerConnection) -> None:
    assert ws.request is not None  # the handler runs after the handshake
    room = ws.request.path.strip("/")
    rooms[room].add(ws)
    try:
        async for frame in ws:
            data = json.loads(frame)
            if data.get("type") == "message.send" and isinstance(data.get("body"), str):
                out = json.dumps(
                    {"type": "message.created", "body": data["body"]}, separators=(",", ":")
                )
                broadcast(rooms[room], out)
    finally:
        rooms[room].discard(ws)


async def main(port: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    async with serve(handler, "127.0.0.1", port, ping_interval=None, max_queue=None):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
