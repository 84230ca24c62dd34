"""What the seeds' authors would pick: Flask-SocketIO with eventlet, broadcasting to a room.
With a Redis URL it uses Flask-SocketIO's Redis message queue, which is how it scales across
processes. With a database URL too (``socketio-redis-db``, the seeds' U CHAT stack) it stores
each message first, as U CHAT does (a MongoDB insert there): one ``INSERT ... RETURNING`` in
autocommit into the same PostgreSQL as uchat, through pg8000 (pure Python, so eventlet's
patched sockets make it cooperative), then emits.

Usage: python bench/servers/socketio_app.py <port> [redis-url [database-url]]"""

import eventlet

eventlet.monkey_patch()

import resource
import sys
from urllib.parse import urlparse

import pg8000.native
from eventlet.queue import LifoQueue
from flask import Flask
from flask_socketio import SocketIO, emit, join_room

app = Flask(__name__)
queue = sys.argv[2] if len(sys.argv) > 2 else None
database = sys.argv[3] if len(sys.argv) > 3 else None
socketio = SocketIO(app, async_mode="eventlet", message_queue=queue, logger=False)
POOL_SIZE = 20
pool: LifoQueue = LifoQueue()


def connect_database(url: str) -> None:
    parts = urlparse(url)
    options = {
        "user": parts.username,
        "password": parts.password,
        "host": parts.hostname,
        "port": parts.port or 5432,
        "database": parts.path.lstrip("/"),
    }
    for n in range(POOL_SIZE):
        connection = pg8000.native.Connection(**options)
        if n == 0:
            connection.run(
                "CREATE TABLE IF NOT EXISTS bench_socketio_message (id bigserial PRIMARY KEY,"
                " room text NOT NULL, body text NOT NULL, created_at timestamptz DEFAULT now())"
            )
        pool.put(connection)


def store(room: str, body: str) -> int:
    connection = pool.get()
    try:
        rows = connection.run(
            "INSERT INTO bench_socketio_message (room, body) VALUES (:room, :body) RETURNING id",
            room=room,
            body=body,
        )
        return rows[0][0]
    finally:
        pool.put(connection)


@socketio.on("join")
def on_join(data: dict) -> None:
    join_room(data["room"])
    emit("joined", {"room": data["room"]})


@socketio.on("send")
def on_send(data: dict) -> None:
    message = {"type": "message.created", "body": data["body"]}
    if database:
        message["id"] = store(data["room"], data["body"])
    emit("message", message, to=data["room"])


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if database:
        connect_database(database)
    # max_size: eventlet's WSGI server serves 1,024 connections at once unless told more.
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_output=False, max_size=20_000)
