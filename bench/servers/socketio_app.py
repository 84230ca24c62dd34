"""What the seeds' authors would pick: Flask-SocketIO with eventlet, broadcasting to a room.
With a Redis URL it uses Flask-SocketIO's Redis message queue, which is how it scales across
processes (the fair comparison for uchat, which always goes through Redis).

Usage: python bench/servers/socketio_app.py <port> [redis-url]"""

import eventlet

eventlet.monkey_patch()

import resource
import sys

from flask import Flask
from flask_socketio import SocketIO, emit, join_room

app = Flask(__name__)
queue = sys.argv[2] if len(sys.argv) > 2 else None
socketio = SocketIO(app, async_mode="eventlet", message_queue=queue, logger=False)


@socketio.on("join")
def on_join(data: dict) -> None:
    join_room(data["room"])
    emit("joined", {"room": data["room"]})


@socketio.on("send")
def on_send(data: dict) -> None:
    emit("message", {"type": "message.created", "body": data["body"]}, to=data["room"])


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # max_size: eventlet's WSGI server serves 1,024 connections at once unless told more.
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_output=False, max_size=20_000)
