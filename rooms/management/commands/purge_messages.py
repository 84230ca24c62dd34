"""Delete old messages for good. A dry run (a count) unless --for-real."""

from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rooms import services
from rooms.models import Conversation


class Command(BaseCommand):
    help = "Delete messages created before DATE (YYYY-MM-DD). Dry run unless --for-real."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--before", required=True, help="YYYY-MM-DD (start of that day, UTC)")
        parser.add_argument("--room", type=int, help="only this conversation id")
        parser.add_argument("--for-real", action="store_true", help="actually delete")

    def handle(
        self, *args: Any, before: str, room: int | None, for_real: bool, **options: Any
    ) -> None:
        try:
            day = datetime.strptime(before, "%Y-%m-%d").date()  # noqa: DTZ007 - a date, made UTC below
        except ValueError:
            raise CommandError(
                f"--before must be a date like 2026-01-31, not {before!r}."
            ) from None
        cutoff = datetime.combine(day, time.min, tzinfo=UTC)
        conversation = None
        if room is not None:
            conversation = Conversation.objects.filter(pk=room).first()
            if conversation is None:
                raise CommandError(f"There is no conversation with id {room}.")
        count = services.messages_purge(
            before=cutoff, conversation=conversation, dry_run=not for_real
        )
        if for_real:
            self.stdout.write(self.style.SUCCESS(f"Deleted {count} messages."))
        else:
            self.stdout.write(
                f"Would delete {count} messages. Run again with --for-real to delete."
            )
