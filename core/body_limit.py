"""Refuse a request body over UCHAT_MAX_REQUEST_BYTES while it is read, not after.

Django's ASGI handler reads the whole body (into a temporary file past 2.5 MB) before any
middleware runs, so core.middleware.RequestSizeMiddleware's 413 came only after, say, an
anonymous 200 MB POST was written to disk. This wrapper stands between the server and Django:
a declared Content-Length over the limit is refused before a byte of the body is read (a client
that sent ``Expect: 100-continue`` never sends it), and a body without one (chunked) is refused
as soon as the bytes read pass the limit. Django then sees the client leave and stops reading.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings

from core.middleware import request_too_large

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses it (400) or Django's own parsing does
    return None


async def refuse(scope: Scope, send: Send) -> None:
    response = request_too_large(scope.get("path", ""))
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.items()]
    headers += [(b"content-length", str(len(response.content)).encode()),
                (b"x-content-type-options", b"nosniff"),
                # The rest of the body is not wanted: end the connection rather than read it.
                (b"connection", b"close")]  # fmt: skip
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


class BodyLimit:
    """ASGI middleware around Django's HTTP application (uchat.asgi)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.UCHAT_MAX_REQUEST_BYTES
        length = declared_length(scope)
        if length is not None and length > limit:
            await refuse(scope, send)
            return
        received = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await refuse(scope, send)
                    # As if the client had left: Django's handler stops reading and answers
                    # nothing more (RequestAborted).
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:  # the 413 is the answer
                await send(message)

        await self.app(scope, limited_receive, guarded_send)
