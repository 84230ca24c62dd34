"""Move uploaded files between the data folder and S3-compatible storage. A dry run (counts)
unless --for-real; resumable (run it again after an interruption)."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from rooms import uploads


class Command(BaseCommand):
    help = (
        "Move every message's file to S3 (--to s3) or to the data folder (--to local), under "
        "the same names. Dry run unless --for-real. Then set (or unset) UCHAT_S3_BUCKET."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--to", required=True, choices=["s3", "local"])
        parser.add_argument("--for-real", action="store_true", help="actually move")

    def handle(self, *args: Any, to: str, for_real: bool, **options: Any) -> None:
        try:
            target = uploads.file_storage(to)
            source = uploads.file_storage("local" if to == "s3" else "s3")
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        report = uploads.files_move(source=source, target=target, dry_run=not for_real)
        verb = "Moved" if for_real else "Would move"
        self.stdout.write(
            f"{verb} {report.moved} files to {to}; {report.already} there already; "
            f"{report.missing} missing from both."
        )
        if not for_real:
            self.stdout.write("Dry run: nothing moved. Add --for-real to move them.")
