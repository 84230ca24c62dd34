"""Web Push: the browsers' subscriptions and what is sent to them.

A browser subscribes with the site's VAPID public key and posts its PushSubscription here
(``push_subscription_save``). Each notification a person gets is then pushed to each of their
subscriptions by a Celery task (``tasks.push_send``: encrypted per RFC 8291 and signed per
RFC 8292 by pywebpush, through core.outbound's guarded session). The payload carries a short
text only where the conversation allows it: never an internal note's, never anything the
notification marks private.
"""

import base64
import binascii
import hashlib
import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.cache import rate_take
from notifications import tasks
from notifications.models import Code, Notification, PushSubscription

BODY_MAX = 120  # characters of a message's text in a push, at most


def b64url_decode(text: str) -> bytes:
    """Base64url (padding optional), as browsers write keys; ValueError when it is not."""
    if not text or len(text) > 200 or any(c in text for c in "+/ \n"):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def session_hash(session_key: str | None) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_subscription")


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_allowed(host: str) -> bool:
    for entry in settings.UCHAT_PUSH_ALLOWED_HOSTS:
        allowed = entry.strip().lower().removeprefix("*.").strip(".")
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False


def endpoint_check(endpoint: str) -> str:
    """The endpoint as stored, or ValidationError: https on an allowed push service's host
    (UCHAT_PUSH_ALLOWED_HOSTS); plain http only to loopback with UCHAT_PUSH_ALLOW_PRIVATE."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError as exc:
        raise _invalid("The endpoint is not a URL.") from exc
    if parts.username is not None or parts.password is not None or not host:
        raise _invalid("The endpoint is not a push service's URL.")
    loopback = host == "localhost" or _is_loopback_address(host)
    if parts.scheme != "https" and not (
        parts.scheme == "http" and loopback and settings.UCHAT_PUSH_ALLOW_PRIVATE
    ):
        raise _invalid("The endpoint must use https.")
    if not _host_allowed(host):
        raise _invalid("The endpoint is not on a known push service.")
    return endpoint


def keys_check(*, p256dh: str, auth: str) -> None:
    """The browser's keys: a P-256 public key (65 bytes, uncompressed) and a 16-byte secret."""
    try:
        point = b64url_decode(p256dh)
        secret = b64url_decode(auth)
    except ValueError as exc:
        raise _invalid("The keys must be base64url.") from exc
    if len(point) != 65 or point[0] != 4:
        raise _invalid("keys.p256dh must be an uncompressed P-256 point (65 bytes).")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise _invalid("keys.p256dh is not a point on P-256.") from exc
    if len(secret) != 16:
        raise _invalid("keys.auth must be 16 bytes.")


@transaction.atomic
def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, session_key: str | None
) -> tuple[PushSubscription, bool]:
    """Store (or refresh) this browser's subscription for ``user``; True when it is new to
    them. An endpoint another person registered moves to ``user``: one browser, one person
    (whoever subscribed last on it). Past UCHAT_PUSH_MAX_SUBSCRIPTIONS the oldest goes."""
    endpoint = endpoint_check(endpoint)
    keys_check(p256dh=p256dh, auth=auth)
    rate_take(
        scope="push-subscribe",
        who=user.pk,
        limit=settings.UCHAT_PUSH_SUBSCRIBE_PER_HOUR,
        window=3600,
        message="Too many push subscriptions. Try again later.",
    )
    existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    created = existing is None or existing.user_id != user.pk
    subscription = existing or PushSubscription(endpoint=endpoint)
    if existing is not None and created:  # another person's browser: theirs from now on
        subscription.created_at, subscription.last_success_at = timezone.now(), None
    subscription.user = user
    subscription.p256dh, subscription.auth = p256dh, auth
    subscription.session_hash = session_hash(session_key)
    subscription.failures = 0
    subscription.full_clean(validate_unique=False)
    subscription.save()
    keep = PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")
    surplus = keep.values_list("pk", flat=True)[settings.UCHAT_PUSH_MAX_SUBSCRIPTIONS :]
    PushSubscription.objects.filter(pk__in=list(surplus)).exclude(pk=subscription.pk).delete()
    return subscription, created


def push_subscription_delete(*, user: User, endpoint: str) -> int:
    """This browser stops being notified (only ``user``'s own subscription)."""
    return PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()[0]


def push_subscriptions_end_session(*, session_key: str) -> None:
    """A log-out: the subscriptions made in that session (on that device) go."""
    PushSubscription.objects.filter(session_hash=session_hash(session_key)).delete()


def push_subscriptions_end_user(*, user: User) -> None:
    """A password change, deactivation or deletion: every device of theirs stops."""
    PushSubscription.objects.filter(user=user).delete()


def _is_private(notification: Notification) -> bool:
    payload = notification.payload
    return bool(payload.get("private") or payload.get("internal") or payload.get("note"))


def push_payload(notification: Notification) -> dict[str, Any]:
    """What the service worker shows: ``title``, ``body`` (at most BODY_MAX characters of the
    message's text, and none for private notifications), ``url`` to open, ``tag`` (one
    conversation's pushes replace each other on the device)."""
    payload = notification.payload
    conversation = payload.get("conversation")
    sender = payload.get("sender_name")
    title = notification.title
    if notification.code == Code.NEW_MESSAGE and isinstance(sender, str) and sender:
        title = sender
    text = payload.get("text")
    body = ""
    if isinstance(text, str) and text.strip() and not _is_private(notification):
        body = " ".join(text.split())
        if notification.code != Code.NEW_MESSAGE and isinstance(sender, str) and sender:
            body = f"{sender}: {body}"
        if len(body) > BODY_MAX:
            body = body[: BODY_MAX - 1].rstrip() + "…"
    if isinstance(conversation, int):
        url = reverse("conversation", args=[conversation])
        message_id = payload.get("id")
        thread = payload.get("thread")
        if isinstance(thread, int):
            url += f"?thread={thread}"
            url += f"&around={message_id}" if isinstance(message_id, int) else ""
        elif isinstance(message_id, int) and notification.code == Code.MENTION:
            url += f"?around={message_id}"
        tag = f"conversation-{conversation}"
    else:
        url = reverse("notifications:list")
        tag = f"notification-{notification.pk}"
    return {"title": title[:120], "body": body, "url": url, "tag": tag, "id": notification.pk}


def push_notification(notification: Notification) -> None:
    """Queue one push per subscription of the notification's person (after the commit that
    stored the notification: ``notifications.services._deliver`` calls this)."""
    ids = list(
        PushSubscription.objects.filter(user_id=notification.user_id).values_list("pk", flat=True)
    )
    if not ids:
        return
    data = json.dumps(push_payload(notification), separators=(",", ":"))
    for subscription_id in ids:
        tasks.push_send.delay(subscription_id=subscription_id, data=data)
