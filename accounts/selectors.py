from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import User
from uchat.paging import keyset_page


def users_suggest(*, query: str, exclude: User | None = None, limit: int = 8) -> QuerySet[User]:
    """Active people whose username or display name starts with ``query`` (create-room hints)."""
    query = query.strip()
    users = User.objects.filter(is_active=True)
    if query:
        users = users.filter(Q(username__istartswith=query) | Q(display_name__istartswith=query))
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.order_by("username")[:limit]


def users_by_usernames(*, usernames: list[str]) -> tuple[list[User], list[str]]:
    """Resolve usernames (case-insensitively) to active people; also return the unknown ones."""
    wanted = {name.lower(): name for name in usernames if name}
    if not wanted:
        return [], []
    match = Q()
    for name in wanted.values():
        match |= Q(username__iexact=name)
    found = list(User.objects.filter(match, is_active=True))
    known = {user.username.lower() for user in found}
    unknown = [name for key, name in wanted.items() if key not in known]
    return found, unknown


def users_page(*, start: int | None, limit: int) -> tuple[list[User], int | None]:
    """Active people by id, after ``start`` (keyset). Returns the page and the next start."""
    return keyset_page(User.objects.filter(is_active=True), key="pk", start=start, limit=limit)


def user_needs_two_factor_setup(*, user: User) -> bool:
    """UCHAT_REQUIRE_MFA_FOR_STAFF is on and this staff member or agent has no 2FA yet: they
    may set it up and nothing else, through any door (pages, admin, API, sockets)."""
    return bool(
        settings.UCHAT_REQUIRE_MFA_FOR_STAFF
        and user.is_authenticated
        and (user.is_staff or user.is_agent)
        and not is_mfa_enabled(user)
    )
