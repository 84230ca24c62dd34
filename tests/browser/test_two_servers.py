"""Growing past one machine: two Daphne processes sharing PostgreSQL and Redis. People on
different processes talk live; when one process dies, its clients reconnect to the other and
catch up on everything after the last id they have, without gaps or duplicates."""

import json
import os

import pytest
import requests
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.sync.client import connect

from accounts.tests.factories import UserFactory
from rooms import services
from tests.browser.conftest import LiveServer, run_outside_loop, s3_env

pytestmark = pytest.mark.browser


@pytest.fixture
def two_servers(tmp_path, mail_dir, live_server_url):
    if not settings.REDIS_URL:
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("REDIS_URL is required to share the channel layer between processes")
        pytest.skip("needs Redis: processes share the channel layer through it")
    servers = [LiveServer(tmp_path, mail_dir) for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


def socket(server: LiveServer, user, conversation_id: int):
    token = str(RefreshToken.for_user(user).access_token)
    ws_url = server.url.replace("http://", "ws://")
    return connect(f"{ws_url}/ws/rooms/{conversation_id}/?token={token}", open_timeout=10)


def next_frame(ws, wanted: str, timeout: float = 10, **match) -> dict:
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        if frame["type"] == wanted and all(frame.get(k) == v for k, v in match.items()):
            return frame


def test_two_processes_share_a_room_and_survive_one_dying(two_servers, transactional_db):
    first, second = two_servers
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    room = run_outside_loop(services.room_create, creator=alice, name="Scale", members=[bob])

    with socket(first, alice, room.pk) as a, socket(second, bob, room.pk) as b:
        a.send(json.dumps({"type": "message.send", "body": "from process one", "client_id": "a1"}))
        assert (
            next_frame(b, "message.created", body="from process one")["sender"]["username"]
            == "alice"
        )
        b.send(json.dumps({"type": "message.send", "body": "from process two", "client_id": "b1"}))
        seen = next_frame(a, "message.created", body="from process two")
        assert seen["sender"]["username"] == "bob"
        last_id = seen["id"]

        first.kill()  # process one dies mid-conversation
        for i in range(3):
            b.send(
                json.dumps(
                    {"type": "message.send", "body": f"while away {i}", "client_id": f"b-{i}"}
                )
            )
            # this send's own ack (b's queue still holds the ack of "from process two")
            next_frame(b, "message.ack", client_id=f"b-{i}")

        # the client reconnects to the surviving process and asks for what it missed
        with socket(second, alice, room.pk) as again:
            again.send(json.dumps({"type": "sync", "after_id": last_id}))
            caught_up = next_frame(again, "sync")
            assert [m["body"] for m in caught_up["messages"]] == [
                f"while away {i}" for i in range(3)
            ]
            # a re-send of a message whose acknowledgement may have been lost is stored once
            again.send(
                json.dumps({"type": "message.send", "body": "from process one", "client_id": "a1"})
            )
            assert next_frame(again, "message.ack")["duplicate"] is True


def test_two_machines_share_files_through_the_object_store(
    tmp_path, mail_dir, live_server_url, s3_bucket, transactional_db
):
    """Two processes with data folders of their own (as on two machines) and one bucket: a
    file uploaded through one downloads through the other, after its member check."""
    store = s3_env(s3_bucket[1])
    servers = []
    for n in range(2):
        (tmp_path / f"machine{n}").mkdir()
        env = {**store, "UCHAT_DATA_DIR": str(tmp_path / f"machine{n}")}
        servers.append(LiveServer(tmp_path, mail_dir, **env))
    try:
        alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
        room = run_outside_loop(services.room_create, creator=alice, name="Files", members=[bob])
        uploader = _signed_in(servers[0], alice)
        sent = uploader.post(
            f"{servers[0].url}/conversations/{room.pk}/upload/",
            files={"file": ("plan.pdf", PDF, "application/pdf")},
            headers={
                "X-CSRFToken": uploader.cookies.get("csrftoken") or "",
                "Referer": servers[0].url,
            },
            timeout=10,
        )
        assert sent.status_code == 201, sent.text
        url = sent.json()["message"]["content"]["url"]
        assert not any((tmp_path / "machine0").rglob("*.pdf"))  # nothing on machine one's disk

        reader = _signed_in(servers[1], bob)
        served = reader.get(f"{servers[1].url}{url}", allow_redirects=False, timeout=10)
        assert served.status_code == 302
        fetched = requests.get(served.headers["Location"], timeout=10)
        assert fetched.content == PDF
        outsider = _signed_in(servers[1], UserFactory(username="eve"))
        assert outsider.get(f"{servers[1].url}{url}", timeout=10).status_code == 404
    finally:
        for server in servers:
            server.stop()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _signed_in(server: LiveServer, user) -> requests.Session:
    """A session of ``user`` on ``server`` (sessions live in the shared database), with the
    CSRF cookie a page hands out."""
    django_client = Client()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    session.get(f"{server.url}/", timeout=10)
    return session
