"""The benchmarks keep working: a few seconds of each, on a tiny load, against the test
database and the suite's Redis. Their figures are not checked here (speed is measured by
``bench/run``, never by tests); what they report about correctness is."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import _database_url

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("UCHAT_REQUIRE_SERVICES") == "1"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]


def _run(*args: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SECRET_KEY": "bench-smoke-" + "x" * 40,
        "UCHAT_API_USER_RATE": "1000000/min",
        "UCHAT_MESSAGE_RATE": "1000000000",
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=540
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _need_redis() -> None:
    if not os.environ.get("REDIS_URL"):
        if REQUIRE_SERVICES:
            pytest.fail("REDIS_URL is not set and UCHAT_REQUIRE_SERVICES=1")
        pytest.skip("the fan-out benchmark needs Redis (bin/test starts one)")


def test_fanout_smoke_delivers_everything_once_on_every_server():
    _need_redis()
    servers = [
        "uchat", "uchat-daphne", "uchat-granian", "uchat-2", "bare", "socketio",
        "socketio-redis", "socketio-redis-db",
    ]  # fmt: skip
    report = _run(
        "bench/fanout.py", "--smoke", "--servers", ",".join(servers),
        "--scenarios", "team,ramp-hall,idle",
    )  # fmt: skip
    rows = report["rows"]
    assert report["uchat_lossless"] is True
    assert {r["server"] for r in rows} == set(servers)
    for row in rows:
        if row["scenario"] == "idle":
            assert row["sockets"] == 10
            assert row["rss_mb"] > 0
            continue
        assert row["lost"] == 0, row
        assert row["duplicated"] == 0, row
        assert row["errors"] == 0, row
        assert row["delivered_per_s"] > 0, row
    # Two uchat processes: members connected to either one got every message.
    two = [r for r in rows if r["server"] == "uchat-2"]
    assert {r["scenario"] for r in two} == {"team", "ramp-hall"}


def test_history_smoke_pages_are_right():
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        if REQUIRE_SERVICES:
            pytest.fail("PostgreSQL is required with UCHAT_REQUIRE_SERVICES=1")
        pytest.skip("the history benchmark runs on PostgreSQL")
    report = _run("bench/history.py", "--messages", "3000", "--requests", "10", "--rooms", "12")
    cases = {r["case"]: r for r in report["results"]}
    assert set(cases) >= {"newest page (API)", "keyset, half-way back (API)"}
    assert all(r["requests"] >= 10 for r in report["results"])


def test_write_smoke_acks_only_what_it_stored():
    _need_redis()
    # One sender: its 160 frames pass the default frame limit (120 a minute), which the
    # benchmark lifts; a refused frame would cut the row.
    report = _run("bench/write.py", "--smoke", "--senders", "1")
    assert report["ok"] is True
    check = next(r for r in report["rows"] if r["kind"] == "check")
    assert check["acked_total"] == 160  # 20 and 140 messages offered for a second each
    assert check["acked_not_stored"] == 0
    assert check["refused"] == {}
    assert all(r["refused"] == 0 for r in report["rows"] if r["kind"] == "sockets")
    assert {r["kind"] for r in report["rows"]} >= {"one by one", "batch of 1", "sockets"}


def test_markup_smoke_renders_and_reports():
    result = _run("bench/markup.py", "--messages", "300")
    cases = {row["case"] for row in result["rows"]}
    assert "markdown: markup.render" in cases
    assert all(row["p50_us"] > 0 for row in result["rows"])
