"""Demo people and rooms with conversation, for a first run. Does nothing on a database that
already has people, unless --force."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as account_services
from accounts.models import User
from rooms import services
from tickets import services as desk
from tickets.models import Category, Ticket

DEMO_PASSWORD = "uchat-demo-2026"  # noqa: S105 - printed for the demo; never for real accounts
PEOPLE: list[tuple[str, str, dict[str, bool]]] = [
    ("himanshu", "Himanshu Ranjan", {"is_staff": True, "is_superuser": True}),
    ("abhishek", "Abhishek Kumar", {}),
    ("hitesh", "Hitesh", {}),
    ("aman", "Aman", {}),
    ("suraj", "Suraj", {}),
    ("priya", "Sakthi Priya", {"is_agent": True}),
]
CONVERSATION = [
    ("himanshu", "Good Morning All of You"),
    ("himanshu", "All the best for end sem"),
    ("abhishek", "Thanks! Has anyone seen the notes for chapter 4?"),
    ("hitesh", "They are here: https://example.org/notes/chapter-4"),
    ("aman", "Great, thank you.\nSee you all at 10."),
]
# Replies in a thread on CONVERSATION's second message (threads, docs/api.md).
THREAD = [
    ("abhishek", "Thanks! Which hall are we in?"),
    ("himanshu", "Hall B, second floor. Bring your ID card."),
    ("hitesh", "And a calculator: the formula sheet is not allowed."),
]


class Command(BaseCommand):
    help = "Create demo people and rooms (only on a database without people, unless --force)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even if people exist.")

    @transaction.atomic
    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if User.objects.exists() and not force:
            if User.objects.filter(username=PEOPLE[0][0]).exists():
                self._logins("The demo data is in place. Log in with any of these:")
            else:
                self.stdout.write("The database already has people; no demo data added.")
            return
        kitchen = desk.category_create(name="Kitchen appliances")
        desk.category_create(name="Orders and delivery")
        people = {}
        for username, name, flags in PEOPLE:
            existing = User.objects.filter(username=username).first()
            people[username] = existing or self._person(username, name, flags, [kitchen])
        everyone = list(people.values())
        coding = services.room_create(
            creator=people["himanshu"],
            name="Coding Group",
            topic="End-sem preparation",
            members=everyone[:5],
        )
        said = [
            services.message_create(conversation=coding, sender=people[username], body=text)[0]
            for username, text in CONVERSATION
        ]
        for username, text in THREAD:
            services.message_create(
                conversation=coding, sender=people[username], body=text, thread=said[1].pk
            )
        direct = services.direct_conversation_get_or_create(
            user=people["abhishek"], other=people["himanshu"]
        )
        services.message_create(
            conversation=direct, sender=people["abhishek"], body="Can you review my notes?"
        )
        services.message_create(
            conversation=direct,
            sender=people["abhishek"],
            content={"type": "video", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
        )
        services.room_create(
            creator=people["abhishek"],
            name="Football",
            topic="Sunday matches",
            members=[people["himanshu"], people["suraj"]],
        )
        self._seed_desk(people, kitchen)
        self._logins("Demo data created. Log in with any of these:")

    def _logins(self, heading: str) -> None:
        self.stdout.write(self.style.SUCCESS(heading))
        people = User.objects.filter(username__in=[username for username, _, _ in PEOPLE])
        by_name = {user.username: user for user in people}
        for username, name, _ in PEOPLE:
            if username in by_name:
                role = by_name[username].role.label.lower()
                self.stdout.write(f"  {username:<10} / {DEMO_PASSWORD}   ({name}, {role})")

    def _person(
        self, username: str, name: str, flags: dict[str, bool], categories: list[Category]
    ) -> User:
        """Through the services, as the operator: confirmed e-mail, an agent's profile."""
        email = f"{username}@example.com"
        if flags.get("is_agent"):
            return desk.agent_create(
                creator=None, username=username, email=email, password=DEMO_PASSWORD,
                display_name=name, categories=categories,
            )  # fmt: skip
        return account_services.user_create(
            creator=None, username=username, email=email, password=DEMO_PASSWORD,
            display_name=name, is_staff=flags.get("is_staff", False),
            is_superuser=flags.get("is_superuser", False),
        )  # fmt: skip

    def _seed_desk(self, people: dict[str, User], kitchen: Category) -> None:
        desk.canned_reply_create(
            title="Thanks for waiting", body="Thanks for your patience. I am looking into it now."
        )
        desk.canned_reply_create(
            title="Need order number", body="Could you send me your order number, please?"
        )
        # The workflow's tools (docs/desk-workflow.md): labels and a macro to try in the inbox.
        refund = desk.label_create(actor=people["himanshu"], name="refund", color="#16a34a")
        desk.label_create(actor=people["himanshu"], name="vip", color="#dc2626")
        desk.macro_create(
            actor=people["himanshu"], name="Ask for the order number",
            actions=[{"reply": "Could you send me your order number, please?"},
                     {"status": "waiting"}],
        )  # fmt: skip
        blender = desk.ticket_open(
            customer=people["suraj"],
            subject="Blender stops after 10 seconds",
            description="My new blender stops after about ten seconds and smells hot.",
            category=kitchen,
            priority=Ticket.Priority.HIGH,
        )
        desk.ticket_assign(ticket=blender, agent=people["priya"], actor=people["himanshu"])
        desk.ticket_labels_set(ticket=blender, actor=people["himanshu"], labels=[refund.name])
        services.message_create(
            conversation=blender.conversation,
            sender=people["priya"],
            body="Sorry to hear that! Does it stop with an empty jar too?",
        )
        desk.ticket_open(
            customer=people["aman"],
            subject="Where is my order?",
            description="I ordered a kettle two weeks ago and it has not arrived.",
        )
