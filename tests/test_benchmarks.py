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


def _check_rows(rows: list[dict]) -> None:
    for row in rows:
        if row["scenario"] in ("idle", "idle-watch"):
            assert row["sockets"] == 10
            assert row["rss_mb"] > 0
            # Presence reaches only watchers: none unasked; with watches, member k's connect
            # (one at a time) reaches the k - 1 of its room who watch already, once each.
            assert row["presence_frames"] == (20 if row["scenario"] == "idle-watch" else 0), row
            continue
        assert row["lost"] == 0, row
        assert row["duplicated"] == 0, row
        assert row["errors"] == 0, row
        assert row["delivered_per_s"] > 0, row


def test_fanout_smoke_delivers_everything_once_on_every_server():
    _need_redis()
    # The servers the targets compare, twice each (--repeat 2), in every scenario kind.
    servers = ["uchat", "uchat-2", "socketio-redis-db"]
    report = _run(
        "bench/fanout.py", "--smoke", "--repeat", "2", "--servers", ",".join(servers),
        "--scenarios", "team,ramp-hall,idle,idle-watch",
    )  # fmt: skip
    rows = report["rows"]
    assert report["uchat_lossless"] is True
    assert {r["server"] for r in rows} == set(servers)
    _check_rows(rows)
    # Interleaved: every server ran every scenario once before any ran one again.
    order = [(r["round"], r["scenario"], r["server"]) for r in rows]
    rank = ["team", "ramp-hall", "idle", "idle-watch"]
    assert order == sorted(order, key=lambda o: (o[0], rank.index(o[1]), servers.index(o[2])))
    assert {r["round"] for r in rows} == {1, 2}
    # Each figure as its median and spread over the two runs; ratios between the medians,
    # with the spread of the run-by-run ratios.
    summary = {(r["server"], r["scenario"]): r for r in report["summary"]}

    def by_run(server: str, key: str) -> dict[int, float]:
        return {
            r["round"]: r[key] for r in rows if (r["server"], r["scenario"]) == (server, "team")
        }

    ours, seeds = by_run("uchat", "p99_ms"), by_run("socketio-redis-db", "p99_ms")
    assert summary["uchat", "team"]["repeats"] == 2
    assert summary["uchat", "team"]["p99_ms"] == {
        "median": round((ours[1] + ours[2]) / 2, 2), "min": min(ours.values()),
        "max": max(ours.values()),
    }  # fmt: skip
    per_run = [round(ours[n] / seeds[n], 2) for n in (1, 2)]
    team = report["ratios"]["team_p99_uchat_over_socketio_redis_db"]
    assert team["median"] == round((ours[1] + ours[2]) / (seeds[1] + seeds[2]), 2)
    assert (team["min"], team["max"]) == (min(per_run), max(per_run))
    judged = report["targets"]["team: p99 ≤ 2 × socketio-redis-db"]
    assert judged == (
        "yes" if max(per_run) <= 2 else "no (spread crosses)" if team["median"] <= 2 else "no"
    )
    assert report["targets"]["ramp-hall: uchat ≥ 1.0 × socketio-redis"] == "not measured"
    # Two uchat processes: members connected to either one got every message.
    two = [r for r in rows if r["server"] == "uchat-2"]
    assert {r["scenario"] for r in two} == {"team", "ramp-hall"}
    # idle-watch is uchat's alone (the baselines have no presence.watch).
    assert {r["server"] for r in rows if r["scenario"] == "idle-watch"} == {"uchat"}
    # The other servers, once, on the steady scenario: each still starts and delivers.
    others = ["uchat-daphne", "uchat-granian", "bare", "socketio", "socketio-redis"]
    report = _run(
        "bench/fanout.py", "--smoke", "--servers", ",".join(others), "--scenarios", "team"
    )
    assert {r["server"] for r in report["rows"]} == set(others)
    _check_rows(report["rows"])


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


def test_connect_profile_counts_each_stage():
    _need_redis()
    report = _run(
        "bench/connect.py", "--sockets", "6", "--rooms", "2", "--members", "3", "--no-profile"
    )
    assert report["sockets"] == 6
    stages = {s["stage"]: s for s in report["stages"]}
    # The handshake's database work: the token's person, then one trip for the checks, the
    # membership and the presence row (docs/performance.md, "Where a connect's time goes"):
    # the membership, the row's INSERT and one count; no transaction, no conversation list.
    assert stages["token: the person behind the JWT"]["queries_per_connect"] == 1
    assert stages["socket_open: checks, membership, presence row"]["queries_per_connect"] == 3
    assert stages["join the groups (fan-out hub, Redis)"]["ms_per_connect"] > 0
