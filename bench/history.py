"""History benchmark: one conversation of 1,000,000 messages in PostgreSQL.

Measures, through the real REST API view (Django's test client, in-process), p50/p99 of:
the newest page, a keyset page half-way back, and -- the baseline, in the same run -- the same
depth reached by OFFSET; plus the dashboard of a person in 200 rooms. Checks correctness while it
measures (the pages hold the right ids). Prints a table and one JSON line.

    bench/run history [--messages 1000000] [--requests 300]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uchat.settings")

import django

django.setup()

from django.db import connection
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from rooms import services
from rooms.models import Conversation, Message


def bulk_load(room: Conversation, sender: User, count: int) -> None:
    """Server-side generate_series: a million rows in seconds, not through the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Message._meta.db_table}
                (conversation_id, sender_id, seq, kind, body, html, content, attachment,
                 created_at)
                SELECT %s, %s, n, 'text', 'message ' || n, '<p>message ' || n || '</p>',
                       '{{}}'::jsonb, '',
                       now() - make_interval(secs => %s - n)
                FROM generate_series(1, %s) AS n""",  # noqa: S608 - the table name is ours
            [room.pk, sender.pk, count, count],
        )
        cursor.execute(f"ANALYZE {Message._meta.db_table}")
    Conversation.objects.filter(pk=room.pk).update(last_seq=count)


def timed(fn, requests: int) -> list[float]:
    for _ in range(5):  # warm up: connections, caches, imports
        fn()
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(name: str, times: list[float]) -> dict:
    times = sorted(times)
    return {
        "case": name,
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "requests": len(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rooms", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("the history benchmark runs on PostgreSQL (bench/run starts one)")

    reader, _ = User.objects.get_or_create(
        username="bench-reader", defaults={"email": "r@example.com"}
    )
    room = services.room_create(creator=reader, name="Big room")
    started = time.perf_counter()
    bulk_load(room, reader, args.messages)
    load_seconds = time.perf_counter() - started
    ids = list(
        Message.objects.filter(conversation=room)
        .order_by("id")
        .values_list("id", flat=True)[:: args.messages // 2]
    )
    middle = ids[1] if len(ids) > 1 else ids[0]

    client = Client(SERVER_NAME="localhost")
    token = str(RefreshToken.for_user(reader).access_token)
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = f"/api/rooms/{room.pk}/messages?limit=50"

    def newest() -> None:
        page = client.get(url, **headers).json()
        assert len(page["messages"]) == 50
        assert page["messages"][0]["body"] == f"message {args.messages}"

    def keyset_half_way() -> None:
        page = client.get(f"{url}&start={middle}", **headers).json()
        assert page["messages"][0]["id"] == middle - 1

    depth = Message.objects.filter(conversation=room, id__gte=middle).count()

    def keyset_query() -> None:
        page = list(Message.objects.filter(conversation=room, id__lt=middle).order_by("-id")[:50])
        assert page[0].pk == middle - 1

    def offset_half_way() -> None:
        # The contrast: the same page found by OFFSET, as a naive paginator would.
        page = list(Message.objects.filter(conversation=room).order_by("-id")[depth : depth + 50])
        assert page[0].pk == middle - 1

    for i in range(args.rooms):
        other = services.room_create(creator=reader, name=f"Room {i}")
        services.message_create(conversation=other, sender=reader, body="hello")
    client.force_login(reader)

    def dashboard() -> None:
        response = client.get("/")
        assert response.status_code == 200
        assert response.content.count(b"data-room-id=") == args.rooms + 1

    # The same page for someone in 10 rooms: the dashboard should not grow with the rooms.
    small, _ = User.objects.get_or_create(username="bench-small", defaults={"email": "s@x.org"})
    for i in range(10):
        other = services.room_create(creator=small, name=f"Small room {i}")
        services.message_create(conversation=other, sender=small, body="hello")
    small_client = Client(SERVER_NAME="localhost")
    small_client.force_login(small)

    def dashboard_small() -> None:
        response = small_client.get("/")
        assert response.status_code == 200
        assert response.content.count(b"data-room-id=") == 10

    results = [
        summary("newest page (API)", timed(newest, args.requests)),
        summary("keyset, half-way back (API)", timed(keyset_half_way, args.requests)),
        summary("keyset, half-way back (query only)", timed(keyset_query, args.requests)),
        summary(
            "OFFSET, half-way back (query only, baseline)",
            timed(offset_half_way, max(20, args.requests // 10)),
        ),
        summary(
            f"dashboard, {args.rooms + 1} rooms (page)",
            timed(dashboard, max(20, args.requests // 5)),
        ),
        summary("dashboard, 10 rooms (page)", timed(dashboard_small, max(20, args.requests // 5))),
    ]
    print(f"\nHistory benchmark: {args.messages:,} messages loaded in {load_seconds:.1f} s\n")
    print(f"{'case':<48} {'p50 ms':>9} {'p99 ms':>9} {'n':>6}")
    for row in results:
        print(f"{row['case']:<48} {row['p50_ms']:>9} {row['p99_ms']:>9} {row['requests']:>6}")
    keyset, offset = results[2]["p50_ms"], results[3]["p50_ms"]
    ratios = {
        "offset_over_keyset_p50": round(offset / keyset, 1),
        "half_way_over_newest_p50": round(results[1]["p50_ms"] / results[0]["p50_ms"], 2),
        "dashboard_big_over_small_p50": round(results[4]["p50_ms"] / results[5]["p50_ms"], 2),
    }
    print()
    for name, value in ratios.items():
        print(f"{name}: {value}")
    print(
        json.dumps(
            {"benchmark": "history", "messages": args.messages, "results": results, **ratios}
        )
    )


if __name__ == "__main__":
    main()
