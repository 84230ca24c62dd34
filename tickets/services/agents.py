"""Agents and the desk's settings: creating agents, keeping their profiles in step with the
role, categories and canned replies."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import services as account_services
from accounts.models import User
from tickets import emails
from tickets.models import AgentProfile, CannedReply, Category
from tickets.services.assignment import tickets_release


@transaction.atomic
def agent_create(
    *,
    creator: User | None,
    username: str,
    email: str,
    categories: Iterable[Category] = (),
    capacity: int = 5,
    password: str | None = None,
    display_name: str = "",
) -> User:
    """An admin (or the operator: ``creator`` None) creates an agent. Without a password the
    agent gets an e-mail with a link to choose one."""
    if creator is not None and not creator.is_staff:
        raise PermissionDenied("Only admins create agents.")
    agent = account_services.user_create(
        creator=creator, username=username, email=email, password=password,
        display_name=display_name, is_agent=True, tell_creator=False,
    )  # fmt: skip
    profile = AgentProfile.objects.get(user=agent)  # made by agent_role_changed
    profile.capacity = capacity
    profile.full_clean()
    profile.save(update_fields=["capacity"])
    profile.categories.set(categories)
    if password is None:
        emails.agent_welcome(agent)
    return agent


def agent_role_changed(*, user: User) -> None:
    """accounts.hooks: a new agent gets a profile (auto-assignment finds them); someone who
    stops being an agent hands their open tickets back to the queue."""
    if user.is_agent:
        AgentProfile.objects.get_or_create(user=user)
    else:
        tickets_release(user=user, reason="not_agent")


@transaction.atomic
def category_create(*, name: str) -> Category:
    """A ticket category (the admin site adds them too; this is for commands and the demo)."""
    category = Category.objects.filter(name__iexact=name.strip()).first()
    if category is None:
        category = Category(name=name.strip())
        category.full_clean()
        category.save()
    return category


@transaction.atomic
def canned_reply_create(*, title: str, body: str) -> CannedReply:
    reply = CannedReply.objects.filter(title=title.strip()).first()
    if reply is None:
        reply = CannedReply(title=title.strip(), body=body.strip())
        reply.full_clean()
        reply.save()
    return reply
