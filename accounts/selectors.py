from collections.abc import Iterable

from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import User
from core.paging import keyset_page


def active_user(*, username: str | None = None, pk: int | None = None) -> User | None:
    """An active account by username (any case) or id; None when there is none."""
    users = User.objects.filter(is_active=True)
    if username is not None:
        return users.filter(username__iexact=username).first()
    return users.filter(pk=pk).first() if pk is not None else None


def is_full_member(user: User) -> bool:
    """Whether the person is a full member of the site, not a guest (accounts.User.is_guest,
    made by a guest invite link). The one test every door uses before what guests may not do:
    browse the room directory, create rooms, invite links, user groups, bots or webhooks.
    Staff are always full members (a guest made staff is no guest any more)."""
    return bool(user.is_authenticated and (user.is_staff or not user.is_guest))


def is_team_member(user: User) -> bool:
    """Whether the person is on the team (finds every public room and the user groups), not
    only a customer of the desk: staff, agents and accounts vouched for (User.team_member);
    never guests, bots or deactivated accounts."""
    return bool(
        user.is_authenticated
        and user.is_active
        and not user.is_guest
        and not user.is_bot
        and (user.is_staff or user.is_agent or user.team_member)
    )


# A guest sees only the people of their rooms: the engine's room kind, named here as the one
# string accounts needs (rooms.models.Conversation.Kind.ROOM sits above accounts).
GUEST_CONVERSATION_KIND = "room"


def users_visible_to(*, viewer: User) -> QuerySet[User]:
    """The people directory one person may list: staff see everyone; others see the people
    they share a room, direct conversation or ticket with (and themselves); a guest only the
    people of their rooms. Anyone can still be named by exact username (a room's members,
    /dm/<username>/)."""
    users = User.objects.filter(is_active=True)
    if viewer.is_staff:
        return users
    together = Q(memberships__conversation__memberships__user=viewer)
    if not is_full_member(viewer):
        # In the same filter(): the same membership's conversation must be a room.
        together &= Q(memberships__conversation__kind=GUEST_CONVERSATION_KIND)
    shared = User.objects.filter(together)
    return users.filter(pk__in=shared.values("pk"))


def users_suggest(*, query: str, viewer: User, limit: int = 8) -> QuerySet[User]:
    """People the viewer may see whose username or display name starts with ``query``."""
    query = query.strip()
    users = users_visible_to(viewer=viewer).exclude(pk=viewer.pk)
    if query:
        users = users.filter(Q(username__istartswith=query) | Q(display_name__istartswith=query))
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


def users_page(*, viewer: User, start: int | None, limit: int) -> tuple[list[User], int | None]:
    """The people ``viewer`` may see, by id, after ``start`` (keyset); and the next start."""
    return keyset_page(users_visible_to(viewer=viewer), key="pk", start=start, limit=limit)


def user_needs_two_factor_setup(*, user: User) -> bool:
    """UCHAT_REQUIRE_MFA_FOR_STAFF is on and this staff member or agent has no 2FA yet: they
    may set it up and nothing else, through any door (pages, admin, API, sockets)."""
    return bool(
        settings.UCHAT_REQUIRE_MFA_FOR_STAFF
        and user.is_authenticated
        and (user.is_staff or user.is_agent)
        and not is_mfa_enabled(user)
    )


def users_mailable(*, users: Iterable[User | None]) -> list[User]:
    """The people uchat may e-mail: those whose address is confirmed. Someone who signed up
    by mobile number may have typed an address that is not theirs; until its owner follows
    the link, nothing is sent there but that link."""
    people = [u for u in users if u is not None and u.email]
    if not people:
        return []
    confirmed = {
        (user_id, email.lower())
        for user_id, email in EmailAddress.objects.filter(
            user__in=people, verified=True
        ).values_list("user_id", "email")
    }
    return [u for u in people if (u.pk, (u.email or "").lower()) in confirmed]


def user_contact_verified(*, user: User) -> bool:
    """Whether the person has proved a way to reach them: a confirmed e-mail address or a
    verified mobile number (what log-ins and disconnecting a provider require)."""
    return user.phone_verified or EmailAddress.objects.filter(user=user, verified=True).exists()


def user_for_verified_email(*, email: str) -> User | None:
    """The active account that proved it owns ``email`` (allauth's EmailAddress.verified):
    what an inbound e-mail from that address may speak for. A claimed, unconfirmed address
    names nobody."""
    found = (
        EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return found.user if found is not None else None


def email_is_desk_staff(*, email: str) -> bool:
    """``email`` is claimed (confirmed or not) by a staff member or an agent."""
    desk = Q(is_staff=True) | Q(is_agent=True)
    claimed = EmailAddress.objects.filter(email__iexact=email).values("user_id")
    return User.objects.filter(desk).filter(Q(email__iexact=email) | Q(pk__in=claimed)).exists()
