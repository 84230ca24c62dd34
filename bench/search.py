"""Search benchmark: 1,000,000 messages in PostgreSQL, full-text search through the API.

One hundred conversations share the messages (their text drawn from a 2,000-word vocabulary,
common words far more often than rare ones, as in real chat); the searcher is a member of
twenty of them. Measures p50/p99 of GET /api/search for a common word, a rare word, two words
and a phrase, checking every answer against the database; and -- the baseline, in the same
run -- the portable fallback (a substring scan, what SQLite does) on the same data. Then the
shapes PostgreSQL misjudges (issue 24, N5): a word and its negation, one common word repeated
in a phrase. Prints a table and one JSON line.

    bench/run search [--messages 1000000] [--requests 200]
"""

import argparse
import json
import sys
import time
from typing import Any

from django.db import connection
from django.test import Client
from history import summary, timed  # also sets Django up
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from rooms import search, services
from rooms.models import Conversation, Membership, Message

WORDS = 2000
CONVERSATIONS = 100
READABLE = 20


def bulk_load(conversations: list[Conversation], sender: User, count: int) -> None:
    """Server-side generation (the stored vectors computed as rows go in), then the GIN
    index built once, as the migration does."""
    ids = [c.pk for c in conversations]
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS message_search_idx")
        cursor.execute("SELECT setseed(0.42)")
        # Word k of the vocabulary is "w<k>"; k = WORDS * r^3 makes low k common (Zipf-like).
        cursor.execute(
            f"""INSERT INTO {Message._meta.db_table}
                (conversation_id, sender_id, seq, kind, body, html, content, attachment,
                 created_at)
                SELECT (%s::int[])[1 + n %% %s], %s, n / %s + 1, 'text', body, body,
                       '{{}}'::jsonb, '', now() - make_interval(secs => %s - n)
                FROM (
                    SELECT n, (SELECT string_agg('w' || floor(%s * random() ^ 3)::int, ' ')
                               FROM generate_series(1, 8 + n %% 5) AS g
                               WHERE n > 0) AS body
                    FROM generate_series(1, %s) AS n
                ) AS generated""",  # noqa: S608 - the table name is ours
            [ids, len(ids), sender.pk, len(ids), count, WORDS, count],
        )
        cursor.execute("CREATE INDEX message_search_idx ON rooms_message USING gin (search_vector)")
        cursor.execute(f"ANALYZE {Message._meta.db_table}")


def measured(name: str, times: list[float]) -> dict:
    row = summary(name, times)
    print(
        f"{row['case']:<58} {row['p50_ms']:>9} {row['p99_ms']:>9} {row['requests']:>6}", flush=True
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("the search benchmark runs on PostgreSQL (bench/run starts one)")

    writer, _ = User.objects.get_or_create(username="bench-writer", defaults={"email": "w@x.org"})
    reader, _ = User.objects.get_or_create(username="bench-reader", defaults={"email": "r@x.org"})
    conversations = [
        services.room_create(
            creator=writer, name=f"Room {i}", members=[reader] if i < READABLE else []
        )
        for i in range(CONVERSATIONS)
    ]
    started = time.perf_counter()
    bulk_load(conversations, writer, args.messages)
    load_seconds = time.perf_counter() - started
    print(
        f"\nSearch benchmark: {args.messages:,} messages in {CONVERSATIONS} conversations "
        f"(the searcher reads {READABLE}), loaded and indexed in {load_seconds:.1f} s\n"
    )
    print(f"{'case':<58} {'p50 ms':>9} {'p99 ms':>9} {'n':>6}", flush=True)
    readable = Message.objects.filter(
        conversation_id__in=Membership.objects.filter(user=reader).values("conversation_id")
    )

    client = Client(SERVER_NAME="localhost")

    def share(word: str) -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM rooms_message WHERE {search._MATCH}",  # noqa: S608
                [word],
            )
            return cursor.fetchone()[0] / args.messages

    def api(query: str, expect_any: bool = True):
        # A fresh access token per case: they last UCHAT_JWT_ACCESS_MINUTES.
        headers: dict[str, Any] = {
            "HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(reader).access_token}"
        }

        def call() -> None:
            response = client.get("/api/search", {"q": query}, **headers)
            assert response.status_code == 200, response.content
            results = response.json()["results"]
            assert (len(results) > 0) == expect_any, (query, results)
            # Only readable conversations, newest first, highlighted.
            assert all(r["conversation"] in readable_ids for r in results)
            ids = [r["id"] for r in results]
            assert ids == sorted(ids, reverse=True)
            assert all("<mark>" in r["html"] for r in results)

        return call

    readable_ids = {c.pk for c in conversations[:READABLE]}
    common, rare = "w1", f"w{WORDS - 5}"
    cases = [
        (f"common word ({share(common):.1%} of messages)", common),
        (f"rare word ({share(rare):.3%} of messages)", rare),
        ("two words, both required", "w3 w40"),
        ("a phrase", '"w1 w2"'),
    ]
    results = [measured(f"{name} (API)", timed(api(q), args.requests)) for name, q in cases]
    results.append(
        measured("a word nobody wrote (API)", timed(api("zeppelin", False), args.requests))
    )

    def fallback(query: str, expect_any: bool = True):
        def call() -> None:
            hits = search._portable(readable.select_related("sender", "conversation"), query, 20)
            assert bool(hits) == expect_any

        return call

    baseline_n = max(10, args.requests // 20)
    results.append(
        measured(
            "rare word, portable fallback (substring scan, baseline)",
            timed(fallback(rare), baseline_n),
        )
    )
    results.append(
        measured(
            "a word nobody wrote, portable fallback (baseline)",
            timed(fallback("zeppelin", False), baseline_n),
        )
    )
    costly = [
        ("a word and its negation (`w0 -w0`)", "w0 -w0", False),
        ("one common word repeated in a phrase", '"w0 w0 w0 w0"', True),
    ]
    for name, query, expect_any in costly:
        results.append(measured(f"{name} (API)", timed(api(query, expect_any), args.requests)))
    print(
        f"\nSearch benchmark: {args.messages:,} messages in {CONVERSATIONS} conversations "
        f"(the searcher reads {READABLE}), loaded and indexed in {load_seconds:.1f} s\n"
    )
    print(f"{'case':<58} {'p50 ms':>9} {'p99 ms':>9} {'n':>6}")
    for row in results:
        print(f"{row['case']:<58} {row['p50_ms']:>9} {row['p99_ms']:>9} {row['requests']:>6}")
    worst_p50 = max(r["p50_ms"] for r in results[:5])
    ratio = round(results[6]["p50_ms"] / results[4]["p50_ms"], 1)
    print(f"\nworst full-text p50: {worst_p50} ms (target: at most 50 ms)")
    print(f"fallback_over_fulltext_absent_p50: {ratio}")
    worst_costly_p99 = max(r["p99_ms"] for r in results[7:])
    print(f"worst p99 of the misjudged shapes: {worst_costly_p99} ms")
    print(
        json.dumps(
            {
                "benchmark": "search",
                "messages": args.messages,
                "results": results,
                "worst_fulltext_p50_ms": worst_p50,
                "fallback_over_fulltext_absent_p50": ratio,
                "worst_misjudged_p99_ms": worst_costly_p99,
            }
        )
    )


if __name__ == "__main__":
    main()
