"""Database calls from the event loop (sockets): Channels' ``database_sync_to_async``, without
a connection check around every call.

Channels calls ``close_old_connections()`` before and after each call, and with
``CONN_HEALTH_CHECKS`` the next query then sends a ``SELECT 1`` first: one more round trip to
PostgreSQL, and its CPU, for every handshake, ping, read marker and sync (15 % of a reconnect
storm's server samples, docs/performance.md). Here a thread checks its connection (age, errors,
health) at most every ``CHECK_EVERY`` seconds and at once after a call that failed, and before
every call only looks, without a round trip, whether the server has written to or closed the
idle connection: PostgreSQL says goodbye when it shuts down or ends a backend, so a
connection broken by a restart is replaced before it is used (a socket's handshake after a
restart would otherwise fail). A connection cut without a word (a network partition) fails
one call; the next one reconnects.

With ``CONN_MAX_AGE`` 0 (connections are not kept between requests) every call is checked and
closed as Channels does.
"""

import select
import threading
import time
from typing import Any

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connection, connections

CHECK_EVERY = 5.0
_checked = threading.local()


class DatabaseSyncToAsync(SyncToAsync):
    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        if not connection.settings_dict.get("CONN_MAX_AGE"):
            close_old_connections()
            try:
                return super().thread_handler(loop, *args, **kwargs)
            finally:
                close_old_connections()
        now = time.monotonic()
        if now - getattr(_checked, "at", float("-inf")) > CHECK_EVERY:
            close_old_connections()
            _checked.at = now
        else:
            close_if_hung_up()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        except BaseException:
            close_old_connections()  # drops the connection if the failure broke it
            _checked.at = float("-inf")
            raise


def close_if_hung_up() -> None:
    """Close this thread's idle database connections that have something to read: between
    calls the server sends nothing unasked, so that is its goodbye (or an end of file)."""
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        fileno = getattr(raw, "fileno", None)
        if raw is None or fileno is None or conn.in_atomic_block:
            continue
        try:
            readable, _, _ = select.select([fileno()], [], [], 0)
        except (OSError, ValueError):  # closed already
            readable = [True]
        if readable:
            conn.close()


database_sync_to_async = DatabaseSyncToAsync
