from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from widget import services


class Command(BaseCommand):
    help = "Create a live-chat widget for the given website origins and print its key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--origin", action="append", required=True, dest="origins",
                            help="A website that may embed it (repeat for more).")  # fmt: skip
        parser.add_argument("--greeting", default=None)
        parser.add_argument("--color", default=None)
        parser.add_argument("--no-pre-chat-form", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        fields: dict[str, Any] = {"name": options["name"], "origins": options["origins"]}
        if options["greeting"]:
            fields["greeting"] = options["greeting"]
        if options["color"]:
            fields["color"] = options["color"]
        if options["no_pre_chat_form"]:
            fields["pre_chat_form"] = False
        try:
            widget = services.widget_create(actor=None, **fields)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(widget.key)
