"""Markdown benchmark: what rendering a message's text costs when it is stored.

Renders typical chat messages with rooms.markup.render (markdown-it-py, then nh3) and, as the
baseline in the same run, with html.escape (what plain text costs). Also renders one long
message at the length limit. Prints a table and one JSON line; no database needed.

    bench/run markup [--messages 20000]
"""

import argparse
import html
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uchat.settings")

import django

django.setup()

from rooms.markup import render

SAMPLES = [
    "Good morning all of you",
    "Can you look at **PR 42** today? The `deploy` step fails.",
    "see https://example.com/builds/1234 for the log",
    "```\nTraceback (most recent call last):\n  File \"app.py\", line 3\nKeyError: 'x'\n```",
    "- one\n- two\n- three",
    "> quoted\nand my answer with _emphasis_",
]
LONG = ("A line of text with **bold**, `code` and a https://example.com link.\n" * 60)[:4000]


def per_message_us(fn, texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        times.append((time.perf_counter() - start) * 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    args = parser.parse_args()
    texts = [SAMPLES[i % len(SAMPLES)] + f" #{i}" for i in range(args.messages)]
    per_message_us(render, texts[:500])  # warm up
    rows = []
    for case, fn, batch in (
        ("plain text: html.escape (baseline)", html.escape, texts),
        ("markdown: markup.render", render, texts),
        ("markdown: 4,000-character message", render, [LONG] * 500),
    ):
        times = sorted(per_message_us(fn, batch))
        rows.append(
            {
                "case": case,
                "p50_us": round(statistics.median(times), 1),
                "p99_us": round(times[int(len(times) * 0.99) - 1], 1),
                "messages": len(batch),
            }
        )
    print(f"{'case':<40} {'p50 µs':>9} {'p99 µs':>9} {'messages':>9}")
    for row in rows:
        print(f"{row['case']:<40} {row['p50_us']:>9} {row['p99_us']:>9} {row['messages']:>9}")
    print(json.dumps({"benchmark": "markup", "rows": rows}))


if __name__ == "__main__":
    main()
