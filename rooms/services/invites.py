"""Invite links: room admins (and staff) make and revoke them; people join a room through
them, on the invite page or by signing up from it (a guest link makes the new account a
guest). What a link is and whether it works: rooms.invites."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from core.cache import rate_take
from rooms import invites, selectors
from rooms.models import Conversation, Invite
from rooms.services.conversations import members_add

MIN_SECONDS = 5 * 60
MAX_SECONDS = 30 * 86400
MAX_USES = 1000
LIVE_PER_ROOM = 100  # live links one room may hold at once
SESSION_KEY = "invite_token"  # the link an anonymous visitor opened, until they sign up


def _require_inviter(*, user: User, room: Conversation) -> None:
    if not invites.may_invite(user=user, room=room):
        raise PermissionDenied("Only the room's admins can manage its invite links.")


@transaction.atomic
def invite_create(
    *,
    room: Conversation,
    actor: User,
    expires_in: int | None,
    max_uses: int | None,
    guest: bool = False,
) -> tuple[Invite, str]:
    """A new link to ``room``, and its token (shown once: only its hash is kept).
    ``expires_in`` seconds (5 minutes to 30 days; None: never, except for a guest link, which
    must expire); ``max_uses`` 1 to 1000 (None: unlimited). UCHAT_INVITES_PER_HOUR per person
    (staff excepted)."""
    if room.kind != Conversation.Kind.ROOM:
        raise ValidationError("Only rooms have invite links.", code="not_a_room")
    _require_inviter(user=actor, room=room)
    if expires_in is None and guest:
        raise ValidationError(
            {"expires_in": "A guest link must expire (at most in 30 days)."}, code="invalid"
        )
    if expires_in is not None and not MIN_SECONDS <= expires_in <= MAX_SECONDS:
        raise ValidationError(
            {"expires_in": "A link expires in 5 minutes to 30 days (300 to 2592000 seconds)."},
            code="invalid",
        )
    if max_uses is not None and not 1 <= max_uses <= MAX_USES:
        raise ValidationError({"max_uses": f"From 1 to {MAX_USES} uses."}, code="invalid")
    Conversation.objects.select_for_update().filter(pk=room.pk).first()
    if invites.invites_live(room=room).count() >= LIVE_PER_ROOM:
        raise ValidationError(
            f"This room has {LIVE_PER_ROOM} live invite links. Revoke some first.",
            code="too_many_invites",
        )
    if not actor.is_staff:
        rate_take(
            scope="invites", who=actor.pk, limit=settings.UCHAT_INVITES_PER_HOUR, window=3600,
            message="You have made many invite links in the last hour. Try again later.",
        )  # fmt: skip
    token = secrets.token_urlsafe(32)
    invite = Invite(
        conversation=room,
        created_by=actor,
        token_hash=invites.token_hash(token),
        guest=guest,
        expires_at=timezone.now() + timedelta(seconds=expires_in) if expires_in else None,
        max_uses=max_uses,
    )
    invite.full_clean(validate_unique=False)
    invite.save()
    return invite, token


@transaction.atomic
def invite_revoke(*, invite: Invite, actor: User) -> None:
    """End a link at once (any admin of its room, or staff). Revoking twice is harmless."""
    _require_inviter(user=actor, room=invite.conversation)
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])


def invites_revoke_by(*, user: User) -> None:
    """accounts.hooks.after_access_revoke: a password change, deactivation or deletion ends
    the person's live links (the use-time check also refuses them while they cannot invite)."""
    Invite.objects.filter(created_by=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def invite_accept(*, token: str, user: User, new_account: bool = False) -> Conversation:
    """``user`` joins the link's room. A use is counted once per new member, under the link's
    row lock, so concurrent joins never pass ``max_uses``; a member already in the room just
    goes there (no use). ``new_account``: the account was made through this link just now, so
    a guest link makes it a guest (an existing account joins as it is)."""
    found = invites.invite_by_token(token=token)
    if found is None:
        raise ValidationError(invites.UNKNOWN, code="invite_invalid")
    # of=("self",): lock the link's row only (not its room or creator).
    invite = (
        Invite.objects.select_for_update(of=("self",))
        .select_related("conversation", "created_by")
        .get(pk=found.pk)
    )
    room = invite.conversation
    if selectors.membership_get(user=user, conversation=room) is not None:
        return room
    problem = invites.invite_problem(invite)
    if problem is not None:
        raise ValidationError(problem, code="invite_invalid")
    if new_account and invite.guest:
        account_services.user_guest_set(user=user, is_guest=True)
    elif not invite.guest and invite.created_by is not None:
        # The link's maker vouches for whoever joins by it (a team member's link: the team).
        account_services.team_members_vouch(actor=invite.created_by, users=[user])
    members_add(conversation=room, actor=user, users=[user])
    invite.uses += 1
    invite.save(update_fields=["uses"])
    return room


def invite_keep(*, request: HttpRequest, token: str) -> None:
    """An anonymous visitor opened a working link: it waits in their session for the account
    they make (invite_signup) or the log-in that brings them back to the link."""
    request.session[SESSION_KEY] = token


def invite_signup(*, request: HttpRequest, user: User) -> None:
    """accounts.hooks.after_signup: an account made after opening a link joins its room now
    (the e-mail confirmation may come later, or on another device), as a guest for a guest
    link, and their first log-in in this browser lands in the room. A link that stopped
    working meanwhile leaves a plain new account."""
    token = request.session.pop(SESSION_KEY, None)
    if not isinstance(token, str):
        return
    try:
        room = invite_accept(token=token, user=user, new_account=True)
    except (ValidationError, PermissionDenied):
        return
    account_services.after_login_url_set(
        request=request, url=reverse("rooms:detail", args=[room.pk])
    )
