import imaplib
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tickets import mailbox


class Command(BaseCommand):
    help = (
        "Read the support mailbox (UCHAT_IMAP_*) over IMAP: new e-mails open tickets, replies "
        "are threaded into theirs, bad mail goes to the quarantine folder (at once, or after "
        "UCHAT_MAIL_MAX_TRIES failed tries). Once, or --every N seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="poll every N seconds")

    def handle(self, *args: Any, every: int, **options: Any) -> None:
        from django.conf import settings

        if not settings.UCHAT_IMAP_HOST or not settings.UCHAT_IMAP_USER:
            raise CommandError("Set UCHAT_IMAP_HOST, UCHAT_IMAP_USER and UCHAT_IMAP_PASSWORD.")
        while True:
            try:
                summary = mailbox.mailbox_poll()
            except (OSError, imaplib.IMAP4.error) as exc:  # the mail server away: say so, retry
                if not every:
                    raise CommandError(f"The mailbox could not be read: {exc}") from exc
                self.stderr.write(f"fetch_mail: the mailbox could not be read: {exc}")
            else:
                self.stdout.write(
                    f"fetch_mail: {summary.stored} stored, {summary.quarantined} quarantined, "
                    f"{summary.left_unread} left unread"
                )
            if not every:
                return
            time.sleep(every)
