"""docs/integrations.md's examples work: its bot script, run as it is, answers a command
(signed by the server, verified by the script), and its verification function accepts a
real delivery's headers and refuses a stale one."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accounts.services import bot_create
from integrations.services import bot_commands, delivery, signing
from rooms import commands
from rooms import services as engine
from rooms.commands import Invocation

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_docs_bot_answers_a_command(user, settings, tmp_path):
    settings.UCHAT_WEBHOOK_ALLOW_PRIVATE = True
    script = next(b for b in blocks() if "class Bot" in b)
    (tmp_path / "bot.py").write_text(script)
    port = free_port()
    room = engine.room_create(creator=user, name="ops")
    bot = bot_create(owner=user, name="Deployer")  # room admins make bots
    engine.members_add(conversation=room, actor=user, users=[bot], notify=False)
    _, secret = bot_commands.bot_command_create(
        bot=bot, actor=user, name="deploy", description="", url=f"http://127.0.0.1:{port}/"
    )
    env = {**os.environ, "PORT": str(port), "UCHAT_COMMAND_SECRET": secret}
    process = subprocess.Popen([sys.executable, str(tmp_path / "bot.py")], env=env)  # noqa: S603
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        command = commands.command_find(user, room, "deploy")
        assert command is not None
        private = command.run(Invocation(user, room, "deploy", "status"))
        assert private.reply == "All systems **go**."
        public = command.run(Invocation(user, room, "deploy", "v2"))
        assert public.message is not None
        assert public.message.body == "Alice A. asked to deploy `v2`."
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_docs_verification_accepts_a_delivery_and_refuses_a_stale_one():
    namespace: dict = {}
    exec(next(b for b in blocks() if "def verified" in b), namespace)  # noqa: S102
    verified = namespace["verified"]
    body = b'{"event":"message.created"}'
    headers = delivery.headers_for(secret="s3cret", event="x", delivery_id="d", body=body)
    assert verified("s3cret", headers, body)
    assert not verified("other", headers, body)
    assert not verified("s3cret", headers, body + b" ")
    old = int(headers["X-Uchat-Timestamp"]) - 600  # signed right, but ten minutes ago
    stale = {
        **headers,
        "X-Uchat-Timestamp": str(old),
        "X-Uchat-Signature": signing.signature(secret="s3cret", timestamp=old, body=body),
    }
    assert not verified("s3cret", stale, body)
