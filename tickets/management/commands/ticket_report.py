"""Counts by status, median first-response and resolution times, and the average rating."""

from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tickets import payloads, selectors


class Command(BaseCommand):
    help = "Print the desk's figures [--since YYYY-MM-DD]."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", help="only tickets raised on or after this day (UTC)")

    def handle(self, *args: Any, since: str | None, **options: Any) -> None:
        start = None
        if since:
            try:
                day = datetime.strptime(since, "%Y-%m-%d").date()  # noqa: DTZ007 - made UTC below
            except ValueError:
                raise CommandError(
                    f"--since must be a date like 2026-01-31, not {since!r}."
                ) from None
            start = datetime.combine(day, time.min, tzinfo=UTC)
        figures = selectors.satisfaction(since=start)
        self.stdout.write(f"Tickets: {figures.tickets}")
        for status, count in payloads.status_counts_text(selectors.status_counts(since=start)):
            self.stdout.write(f"  {status:<12} {count}")
        self.stdout.write(
            f"Median first response: {payloads.duration_text(figures.median_first_response)}"
        )
        self.stdout.write(f"Median resolution: {payloads.duration_text(figures.median_resolution)}")
        rating = f"{figures.average_rating} ({figures.ratings} ratings)" if figures.ratings else "-"
        self.stdout.write(f"Average rating: {rating}")
