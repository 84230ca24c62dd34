"""Reads from a real PostgreSQL streaming replica (DATABASE_REPLICA_URL, core.db_router):
search reads the replica, while the page and API a person reads straight after posting come
from the primary. Pausing the replica's replay shows which is which."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from rooms import services
from tests.browser.conftest import LiveServer, _free_port, run_outside_loop
from tests.browser.test_redis_outage import post

pytestmark = pytest.mark.browser


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    return found[-1] if found else None


def as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    command = list(args)
    if os.geteuid() == 0:
        command = [shutil.which("runuser") or "runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603


@pytest.fixture
def replica():
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") or _pg_bin() is None:
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL is needed for the replica test")
        pytest.skip("needs PostgreSQL")
    directory = Path(tempfile.mkdtemp(prefix="uchat-replica-"))
    directory.chmod(0o755)
    data = directory / "data"
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    port = _free_port()
    pg_bin = _pg_bin()
    as_postgres(
        f"{pg_bin}/pg_basebackup",
        *("-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"] or "postgres"),
        *("-D", str(data), "-R", "-X", "stream", "--checkpoint=fast"),
    )
    as_postgres(
        f"{pg_bin}/pg_ctl",
        *("-D", str(data), "-l", str(directory / "log"), "-w", "start", "-o"),
        # A standby needs at least the primary's max_connections (bin/services.sh: 200).
        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c hot_standby=on"
        " -c max_connections=400",
    )
    yield port
    as_postgres(f"{pg_bin}/pg_ctl", "-D", str(data), "-m", "immediate", "stop")
    shutil.rmtree(directory, ignore_errors=True)


def replica_sql(port: int, sql: str) -> str:
    done = as_postgres(
        f"{_pg_bin()}/psql",
        *(
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            settings.DATABASES["default"]["NAME"],
        ),
        *("-Atc", sql),
    )
    return done.stdout.strip()


def get(url: str, token: str) -> dict:
    request = urllib.request.Request(url)  # noqa: S310
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
        return json.loads(response.read())


def test_search_reads_the_replica_and_a_page_after_a_post_the_primary(
    replica, tmp_path, mail_dir, transactional_db
):
    db = settings.DATABASES["default"]
    server = LiveServer(
        tmp_path,
        mail_dir,
        DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{replica}/{db['NAME']}",
    )
    try:
        alice = UserFactory(username="alice")
        room = run_outside_loop(services.room_create, creator=alice, name="Replica", members=[])
        token = str(RefreshToken.for_user(alice).access_token)
        api = f"{server.url}/api/rooms/{room.pk}/messages"
        search = f"{server.url}/api/search?q="
        assert post(api, token, {"body": "streamed kumquat"})[0] == 201
        deadline = time.monotonic() + 20
        while not get(search + "kumquat", token)["results"]:  # replication takes a moment
            assert time.monotonic() < deadline, "the replica never caught up"
            time.sleep(0.2)

        replica_sql(replica, "SELECT pg_wal_replay_pause()")
        assert post(api, token, {"body": "paused persimmon"})[0] == 201
        newest = get(api, token)["messages"]  # straight after the post: the primary
        assert "paused persimmon" in [m["body"] for m in newest]
        assert get(search + "persimmon", token)["results"] == []  # the paused replica
        replica_sql(replica, "SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 20
        while not get(search + "persimmon", token)["results"]:
            assert time.monotonic() < deadline, "the replica never caught up"
            time.sleep(0.2)
    finally:
        server.stop()
