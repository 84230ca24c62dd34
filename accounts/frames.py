"""The socket frame accounts sends (docs/websocket.md; rooms/frames.py lists every frame)."""

from typing import TypedDict

ACCESS_REVOKED = "access.revoked"


class AccessRevoked(TypedDict):
    reason: str
