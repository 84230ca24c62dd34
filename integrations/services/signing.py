"""Secrets, signatures and the check of a URL the server will POST to."""

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from core import outbound
from integrations.models import URL_MAX_LENGTH

INVALID_URL = "invalid_webhook_url"  # ValidationError code (API subcode 4080)


def token_new() -> str:
    """The secret of an incoming webhook's URL (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def salt_new() -> str:
    return secrets.token_hex(32)


def secret_for(salt: str) -> str:
    """The signing key of a hook or a bot's command: HMAC(SECRET_KEY, salt). Only the salt is
    stored; a new SECRET_KEY gives every hook a new key (receivers must be told)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"uchat-webhook:{salt}".encode(), hashlib.sha256
    ).hexdigest()


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Uchat-Signature header: HMAC-SHA256 of "<timestamp>.<body>" under the secret."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def url_check(url: str) -> str:
    """A URL the server may POST to: http(s), a host, no credentials, and (unless
    UCHAT_WEBHOOK_ALLOW_PRIVATE) a name whose every address is public. Checked again, after
    resolving, at every send (core.outbound): a name may change what it points to."""
    url = url.strip()
    if not url or len(url) > URL_MAX_LENGTH:
        raise ValidationError("Give a URL of at most 2000 characters.", code=INVALID_URL)
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError("That is not a valid URL.", code=INVALID_URL) from exc
    if parts.scheme not in ("http", "https"):
        raise ValidationError("The URL must start with http:// or https://.", code=INVALID_URL)
    if parts.username is not None or parts.password is not None:
        raise ValidationError("The URL must not hold a user name or password.", code=INVALID_URL)
    if not parts.hostname:
        raise ValidationError("The URL needs a host.", code=INVALID_URL)
    try:
        outbound.address_for(
            parts.hostname, port, allow_private=settings.UCHAT_WEBHOOK_ALLOW_PRIVATE
        )
    except outbound.OutboundRefused as exc:
        # The generic words only: which inside address a name resolves to is not for the
        # people who typed it (exc.detail is logged by core.outbound).
        raise ValidationError(f"{exc}.", code=INVALID_URL) from exc
    return url
