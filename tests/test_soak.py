"""Production mode for minutes, not seconds: two uchat processes on PostgreSQL and a Redis of
their own, hundreds of mostly idle sockets held past every Redis read timeout, a Redis stall
(SIGSTOP/SIGCONT) and a Redis restart on the way (bench/soak.py, the short version).

Nothing may drop while nothing fails, every socket ends with every stored message (live, then
after a final catch-up), Presence rows match the open sockets, and nothing is refused."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import _database_url

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]


def test_soak_short_holds_through_idle_stall_and_restart():
    if shutil.which("redis-server") is None or not settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql"
    ):
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("the soak needs redis-server and PostgreSQL (UCHAT_REQUIRE_SERVICES=1)")
        pytest.skip("the soak needs redis-server and PostgreSQL")
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SECRET_KEY": "soak-" + "x" * 45}
    done = subprocess.run(
        [sys.executable, "bench/soak.py", "--minutes", "2.5", "--sockets", "200",
         "--rooms", "20", "--rate", "3", "--stall-seconds", "20"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=800,
    )  # fmt: skip
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["drops_while_nothing_failed"] == 0, report
    assert report["health_checks"] > 0
    assert report["health_failures_while_nothing_failed"] == 0, report
    assert report["drops_total"] > 0, "the stall and the restart must have closed sockets"
    assert report["missing_before_catch_up"] == 0, report
    assert report["missing_after_catch_up"] == 0, report
    assert report["messages_refused"] == 0, report
    assert report["messages_acked"] == report["messages_stored"] > 0, report
    assert report["presence_rows_at_end"] == report["open_sockets_at_end"] == 200, report
    assert done.returncode == 0, done.stdout[-4000:]
