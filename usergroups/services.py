"""Every write of user groups: create, change, delete. The rules live here, for the API, the
groups page and the admin site alike."""

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import selectors as account_selectors
from accounts.models import User
from core.cache import rate_take
from usergroups.models import NAME_PATTERN, RESERVED_NAMES, UserGroup

RATE_REFUSAL = "You have changed many groups in the last minute. Try again later."


def group_can_manage(*, user: User, group: UserGroup) -> bool:
    """Its creator, staff, and (as in Zulip) any member of the group."""
    return (
        user.is_staff or group.created_by_id == user.pk or group.members.filter(pk=user.pk).exists()
    )


def _require_full_member(user: User) -> None:
    if not account_selectors.is_team_member(user):
        raise PermissionDenied("Only the team manages groups (not guests, bots or customers).")


def _rate_take(user: User) -> None:
    rate_take(
        scope="groups",
        who=user.pk,
        limit=settings.UCHAT_GROUP_CHANGES_PER_MINUTE,
        window=60,
        message=RATE_REFUSAL,
    )


def _name_clean(name: str, *, group: UserGroup | None = None) -> str:
    """A mention handle that names nobody and nothing else (code ``group_name``)."""
    name = name.strip().removeprefix("@")
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValidationError(
            "A group name is 2 to 40 lower-case letters, digits, '-' or '_' (e.g. support).",
            code="group_name",
        )
    if name in RESERVED_NAMES:
        raise ValidationError(f"@{name} already means something in every room.", code="group_name")
    if User.objects.filter(username__iexact=name).exists():
        raise ValidationError(f"@{name} is someone's username.", code="group_name")
    others = UserGroup.objects.filter(name__iexact=name)
    if group is not None:
        others = others.exclude(pk=group.pk)
    if others.exists():
        raise ValidationError(f"There is already a group @{name}.", code="group_name")
    return name


def _members_clean(members: Iterable[User]) -> list[User]:
    people = list({u.pk: u for u in members}.values())
    if any(not u.is_active for u in people):
        raise ValidationError("Only active people can be members.", code="invalid_members")
    most = settings.UCHAT_GROUP_MAX_MEMBERS
    if len(people) > most:
        raise ValidationError(
            f"A group has at most {most} members ({len(people)} given).",
            code="too_many_members",
        )
    return people


@transaction.atomic
def group_create(
    *, creator: User, name: str, description: str = "", members: Iterable[User] = ()
) -> UserGroup:
    """A new group; full members (not guests or bots) create them. Bots may be members (a
    group of bots that a mention wakes is as useful as one of people)."""
    _require_full_member(creator)
    _rate_take(creator)
    group = UserGroup(name=_name_clean(name), description=description.strip(), created_by=creator)
    people = _members_clean(members)
    group.full_clean(validate_constraints=False)
    group.save()
    group.members.set(people)
    return group


@transaction.atomic
def group_update(
    *,
    group: UserGroup,
    actor: User,
    name: str | None = None,
    description: str | None = None,
    members: Iterable[User] | None = None,
) -> UserGroup:
    """Change what is given (``members``: the whole new list)."""
    _require_full_member(actor)
    if not group_can_manage(user=actor, group=group):
        raise PermissionDenied("Only the group's creator, its members and staff can change it.")
    _rate_take(actor)
    UserGroup.objects.select_for_update().filter(pk=group.pk).first()
    if name is not None:
        group.name = _name_clean(name, group=group)
    if description is not None:
        group.description = description.strip()
    people = _members_clean(members) if members is not None else None
    group.full_clean(validate_constraints=False)
    group.save()
    if people is not None:
        group.members.set(people)
    return group


@transaction.atomic
def group_delete(*, group: UserGroup, actor: User) -> None:
    _require_full_member(actor)
    if not group_can_manage(user=actor, group=group):
        raise PermissionDenied("Only the group's creator, its members and staff can delete it.")
    _rate_take(actor)
    group.delete()
