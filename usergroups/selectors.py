"""Reads of user groups: the list, a mention's members, the chat page's boot data."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts import selectors as account_selectors
from accounts.models import User
from rooms.models import Conversation
from usergroups.models import UserGroup

SUGGESTED_MAX = 200  # groups the chat page carries for "@" suggestions


def groups_visible_to(*, viewer: User, query: str = "") -> QuerySet[UserGroup]:
    """Every full member sees every group (guests none: the API refuses them first)."""
    if viewer.is_guest:
        return UserGroup.objects.none()
    groups = UserGroup.objects.annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True)
    )
    query = query.strip().lstrip("@")
    if query:
        groups = groups.filter(Q(name__icontains=query) | Q(description__icontains=query))
    return groups.order_by("name")


def group_name_taken(name: str) -> bool:
    """accounts.hooks.name_taken_checks: a user group is called ``name`` (in any case)."""
    return UserGroup.objects.filter(name__iexact=name).exists()


def mentioned_member_ids(conversation: Conversation, names: set[str]) -> set[int]:
    """rooms.services.notify's resolver: the members of the groups ``names`` holds. The engine
    keeps only those in the conversation and tells each under their own settings."""
    lowered = {n.lower() for n in names if 2 <= len(n) <= 40}
    if not lowered:
        return set()
    return set(
        UserGroup.members.through.objects.filter(
            usergroup__name__in=lowered, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def chat_extras(*, user: User, conversation: Conversation) -> dict[str, Any]:
    """The groups for "@" suggestions (name, member count) and the reader's own groups (a
    mention of one is highlighted like a mention of the reader)."""
    if not account_selectors.is_team_member(user):
        return {"groups": [], "my_groups": []}
    groups = list(groups_visible_to(viewer=user)[:SUGGESTED_MAX])
    mine = list(user.user_groups.order_by("name").values_list("name", flat=True))
    return {
        "groups": [
            {"name": g.name, "description": g.description, "members": g.member_count}  # type: ignore[attr-defined]
            for g in groups
        ],
        "my_groups": mine,
    }
