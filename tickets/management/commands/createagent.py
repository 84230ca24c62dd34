"""Create an agent, who is e-mailed a link to set a password. A dry run unless --for-real."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tickets import services
from tickets.models import Category


class Command(BaseCommand):
    help = "Create an agent USERNAME EMAIL [--category NAME ...] [--capacity N] --for-real"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("email")
        parser.add_argument("--category", action="append", default=[], help="repeatable")
        parser.add_argument("--capacity", type=int, default=5)
        parser.add_argument("--for-real", action="store_true", help="actually create the agent")

    def handle(
        self,
        *args: Any,
        username: str,
        email: str,
        category: list[str],
        capacity: int,
        for_real: bool,
        **options: Any,
    ) -> None:
        categories = list(Category.objects.filter(name__in=category))
        missing = sorted(set(category) - {c.name for c in categories})
        if missing:
            raise CommandError(f"No such category: {', '.join(missing)}.")
        if not for_real:
            self.stdout.write(
                f"Would create agent {username} <{email}>. Run again with --for-real."
            )
            return
        try:
            agent = services.agent_create(
                creator=None,
                username=username,
                email=email,
                categories=categories,
                capacity=capacity,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Agent {agent.username} created; a password link was e-mailed.")
        )
