from collections.abc import Iterable
from datetime import datetime
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts import services as account_services
from accounts.models import User
from tickets import services
from tickets.models import CannedReply, Category


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class CannedReplyFactory(DjangoModelFactory[CannedReply]):
    class Meta:
        model = CannedReply

    title = factory.Sequence(lambda n: f"Reply {n}")
    body = "Thanks for your patience — we are on it."


class AgentFactory(DjangoModelFactory[User]):
    """An agent made as the desk makes one, by tickets.services.agent_create (as the
    operator): a confirmed e-mail address and an AgentProfile with ``capacity`` and
    ``categories``. Password "correct-horse-9", as UserFactory's. ``first_name`` and
    ``last_name`` go through the profile service; ``tour_done_at=None`` shows the tour."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"agent{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = "correct-horse-9"
    display_name = ""
    first_name: str | None = None
    last_name: str | None = None
    capacity = 5
    categories: Iterable[Category] = ()
    # Not first-timers: the guided tour stays away unless a test asks for it (None).
    tour_done_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(
        cls,
        model_class: type[User],
        *args: Any,
        username: str,
        email: str,
        password: str,
        display_name: str,
        first_name: str | None,
        last_name: str | None,
        capacity: int,
        categories: Iterable[Category],
        tour_done_at: datetime | None,
        **kwargs: Any,
    ) -> User:
        if args or kwargs:
            raise TypeError(f"AgentFactory sets no other fields: {sorted(kwargs)}")
        agent = services.agent_create(
            creator=None, username=username, email=email, password=password,
            display_name=display_name, capacity=capacity, categories=categories,
        )  # fmt: skip
        if first_name is not None or last_name is not None:
            account_services.user_profile_update(
                user=agent, display_name=display_name, first_name=first_name, last_name=last_name
            )
        if tour_done_at is not None:
            account_services.tour_finish(user=agent)
            agent.refresh_from_db(fields=["tour_done_at"])
        return agent
