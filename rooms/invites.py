"""Invite links: reading them (by token, a room's live ones), whether one still works, and
their one wire shape. The writes are rooms.services.invites."""

import hashlib
from datetime import datetime
from typing import TypedDict

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.models import User
from accounts.payloads import PersonPayload, person_payload
from rooms import selectors
from rooms.models import Conversation, Invite, Membership

# Why a link no longer works, as the invite page says it.
REVOKED = "This invite link was revoked."
EXPIRED = "This invite link has expired."
USED_UP = "This invite link has been used up."
CREATOR_GONE = "This invite link no longer works: the person who made it can no longer invite."
UNKNOWN = "This invite link is not valid."


def token_hash(token: str) -> str:
    """What is stored of a link's token: its sha256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def invite_url(token: str) -> str:
    """The absolute link, on the site's address (UCHAT_SITE_URL, as the e-mails' links)."""
    return settings.UCHAT_SITE_URL.rstrip("/") + reverse("rooms:invite", args=[token])


def invite_by_token(*, token: str) -> Invite | None:
    """The link a token opens, whatever its state (None: no such link)."""
    if not token or len(token) > 100:
        return None
    return (
        Invite.objects.select_related("conversation", "created_by")
        .filter(token_hash=token_hash(token), conversation__kind=Conversation.Kind.ROOM)
        .first()
    )


def may_invite(*, user: User, room: Conversation) -> bool:
    """Who makes, lists and revokes a room's links, and whose links keep working: an active
    full member (no guest) who is staff or an admin of the room."""
    if not user.is_active or not account_selectors.is_full_member(user):
        return False
    if user.is_staff:
        return True
    membership = selectors.membership_get(user=user, conversation=room)
    return membership is not None and membership.is_admin


def invite_problem(invite: Invite, *, now: datetime | None = None) -> str | None:
    """Why the link does not work (a sentence for the invite page), or None: it works.
    A link works only while its creator may still invite to the room: one who stopped being
    its admin, lost access or was deleted takes their links with them."""
    now = now or timezone.now()
    if invite.revoked_at is not None:
        return REVOKED
    if invite.expires_at is not None and invite.expires_at <= now:
        return EXPIRED
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return USED_UP
    creator = invite.created_by
    if creator is None or not may_invite(user=creator, room=invite.conversation):
        return CREATOR_GONE
    return None


def member_count(*, room: Conversation) -> int:
    return Membership.objects.filter(conversation=room).count()


def invites_live(*, room: Conversation) -> QuerySet[Invite]:
    """A room's links that are not revoked, expired or used up, newest first."""
    return (
        Invite.objects.filter(conversation=room, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


class InvitePayload(TypedDict):
    id: int
    room: int
    guest: bool
    expires_at: str | None
    max_uses: int | None
    uses: int
    created_at: str
    created_by: PersonPayload | None


def invite_payload(invite: Invite) -> InvitePayload:
    """An invite link, without its token (shown once, when it is made)."""
    return {
        "id": invite.pk,
        "room": invite.conversation_id,
        "guest": invite.guest,
        "expires_at": invite.expires_at.isoformat() if invite.expires_at else None,
        "max_uses": invite.max_uses,
        "uses": invite.uses,
        "created_at": invite.created_at.isoformat(),
        "created_by": person_payload(invite.created_by) if invite.created_by else None,
    }
