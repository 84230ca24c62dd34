"""B9: a person whose tab closed while their server was down showed as online for about 94 s
(UCHAT_PRESENCE_TTL and a sweep), because the dead process's presence rows stayed. Rows now
carry their process, whose liveness key in Redis expires within seconds of its death: the
server that takes over drops them and tells the conversations at once."""

import json
import time

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.sync.client import connect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Presence
from tests.browser.conftest import LiveServer, run_outside_loop

pytestmark = pytest.mark.browser


def _socket(server: LiveServer, user, path: str):
    token = str(RefreshToken.for_user(user).access_token)
    return connect(
        server.url.replace("http://", "ws://") + f"{path}?token={token}", open_timeout=10
    )


def test_a_socket_of_a_killed_server_shows_offline_within_seconds(
    tmp_path, mail_dir, transactional_db
):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL): the liveness keys live there")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    room = run_outside_loop(services.room_create, creator=alice, name="Restart", members=[bob])
    first = LiveServer(tmp_path, mail_dir)
    try:
        tab = _socket(first, alice, f"/ws/rooms/{room.pk}/")
        deadline = time.monotonic() + 10
        while not Presence.objects.filter(user=alice).exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.kill()  # the server dies; alice closes her tab while it is down
        tab.close()
    finally:
        first.stop()
    assert Presence.objects.filter(user=alice).exists()  # left behind by the dead process

    second = LiveServer(tmp_path, mail_dir)
    try:
        with _socket(second, bob, f"/ws/rooms/{room.pk}/") as ws:
            back = time.monotonic()
            ws.send(json.dumps({"type": "presence.watch", "users": [alice.pk]}))
            # About 8 s (the dead key's 6 s, then a 6 s run of this process's own liveness);
            # 30 s leaves room for a loaded machine and is still far below the 90 s of
            # UCHAT_PRESENCE_TTL that this replaced.
            deadline = back + 30
            while True:
                frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                if frame["type"] == "presence" and frame["user_id"] == alice.pk:
                    break
            assert frame["online"] is False
            assert time.monotonic() - back < 30
        assert not Presence.objects.filter(user=alice).exists()
    finally:
        second.stop()
