"""Personal API tokens (``uchat_pat_<secret>``): made, listed, ended, and read on every request
and socket handshake that carries one. Only the secret's sha256 is stored."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import frames
from accounts.models import ApiToken, User
from core import events
from core.cache import rate_take

PREFIX = "uchat_pat_"
PREFIX_SHOWN = 8  # characters of the secret kept in clear, to tell tokens apart
LAST_USED_EVERY = 60  # seconds: last_used_at is written at most this often per token
EXPIRES_MIN = 60  # seconds
EXPIRES_MAX = 366 * 24 * 3600
RATE_REFUSAL = "Too many API tokens made: wait an hour."


def token_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def bot_manages(actor: User, bot: User) -> bool:
    """Whether ``actor`` may change ``bot`` and its tokens: its owner, or staff."""
    return bot.is_bot and (
        actor.is_staff or (bot.bot_owner_id is not None and bot.bot_owner_id == actor.pk)
    )


def api_tokens_live(*, user: User) -> QuerySet[ApiToken]:
    """The person's tokens that still authenticate (not expired), newest first."""
    return ApiToken.objects.filter(user=user).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )


@transaction.atomic
def api_token_create(
    *, user: User, actor: User, name: str, expires_in: int | None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` made by ``actor`` (the person themselves, or a bot's owner or
    staff: accounts.bots checks that), and its text, which is shown this once. Guests and
    bots make none for themselves: tokens are for programs, and a bot's are made by people.
    UCHAT_API_TOKENS_MAX live tokens per account; UCHAT_API_TOKENS_PER_HOUR made per actor."""
    if not actor.is_active or actor.is_bot or actor.is_guest:
        raise PermissionDenied("You may not make API tokens.")
    if user.pk != actor.pk and not (user.is_bot and user.is_active and bot_manages(actor, user)):
        raise PermissionDenied("You may not make API tokens for this account.")
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the token a name.", code="token_name_required")
    if expires_in is not None and not EXPIRES_MIN <= expires_in <= EXPIRES_MAX:
        raise ValidationError(
            "expires_in is seconds from 60 to 366 days, or null for never.",
            code="token_expiry_invalid",
        )
    User.objects.select_for_update().filter(pk=user.pk).first()  # one count at a time
    if api_tokens_live(user=user).count() >= settings.UCHAT_API_TOKENS_MAX:
        raise ValidationError(
            f"An account holds at most {settings.UCHAT_API_TOKENS_MAX} API tokens: revoke one.",
            code="too_many_tokens",
        )
    rate_take(
        scope="api-tokens",
        who=actor.pk,
        limit=settings.UCHAT_API_TOKENS_PER_HOUR,
        window=3600,
        message=RATE_REFUSAL,
    )
    secret = secrets.token_urlsafe(32)  # 256 bits
    text = PREFIX + secret
    token = ApiToken(
        user=user,
        name=name,
        token_hash=token_hash(text),
        prefix=secret[:PREFIX_SHOWN],
        expires_at=timezone.now() + timedelta(seconds=expires_in) if expires_in else None,
        created_by=actor,
    )
    token.full_clean()
    token.save()
    return token, text


def _tokens_close_on_commit(token_ids: list[int], reason: str) -> None:
    for token_id in token_ids:
        events.broadcast_on_commit(
            events.token_group(token_id), frames.ACCESS_REVOKED, {"reason": reason}
        )


@transaction.atomic
def api_token_delete(*, token: ApiToken) -> None:
    """End the token at once: the API refuses it from now on, and its sockets close once this
    commits (callers find the token through what the actor may see)."""
    token_id = token.pk
    token.delete()
    _tokens_close_on_commit([token_id], "token_revoked")


def api_tokens_end(*, user: User) -> None:
    """accounts.hooks.after_access_revoke (a password change, deactivation, deletion): every
    token of the person ends, and those of the bots they own (a bot whose owner's access ended
    keeps nothing working; deactivation and deletion also deactivate the bots:
    accounts.bots.bots_of_owner_end)."""
    doomed = ApiToken.objects.filter(Q(user=user) | Q(user__bot_owner=user, user__is_bot=True))
    ids = list(doomed.values_list("pk", flat=True))
    ApiToken.objects.filter(pk__in=ids).delete()
    _tokens_close_on_commit(ids, "token_revoked")


def api_token_authenticate(*, text: str) -> tuple[User, ApiToken] | None:
    """The active account and the live token that ``text`` is, or None (unknown, expired,
    deleted, or the account is inactive). Marks the token used at most once a minute."""
    if not text.startswith(PREFIX) or len(text) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=token_hash(text)).first()
    now = timezone.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


def api_token_payload(token: ApiToken) -> dict:
    """What the API shows of a token (never its hash; its text only at creation)."""
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
    }


def socket_token_read(text: str) -> tuple[User | None, dict]:
    """core.ws_auth's reader for ``?token=uchat_pat_…``: the account, and the scope keys that
    close the socket when the token ends (its group) or expires (``token_exp``)."""
    found = api_token_authenticate(text=text)
    if found is None:
        return None, {}
    user, token = found
    expires = token.expires_at.timestamp() if token.expires_at else None
    return user, {"token_exp": expires, "api_token": token.pk}
