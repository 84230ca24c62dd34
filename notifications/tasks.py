import logging
from typing import Any

import requests
from celery import shared_task
from django.conf import settings
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]

from accounts.site import email_subject
from accounts.tasks import send_email
from core import outbound
from notifications.models import Notification, PushSubscription

logger = logging.getLogger(__name__)


@shared_task
def notification_email(*, notification_id: int) -> None:
    """Tell an offline person what happened, with a link to their notifications."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return
    conversation = notification.payload.get("conversation")
    path = (
        reverse("conversation", args=[conversation])
        if conversation
        else reverse("notifications:list")
    )
    thread = notification.payload.get("thread")
    if conversation and isinstance(thread, int):  # a reply in a thread: open the thread
        path += f"?thread={thread}&around={notification.payload.get('id', thread)}"
    context = {
        "notification": notification,
        "user": notification.user,
        "site_name": settings.UCHAT_SITE_NAME,
        "url": settings.UCHAT_SITE_URL.rstrip("/") + path,
    }
    send_email(
        subject=email_subject(notification.title),
        body=render_to_string("notifications/email.txt", context),
        html=render_to_string("notifications/email.html", context),
        to=[notification.user.email],
    )


# Pushes: a 5xx, a 429 or a network failure is tried again (PUSH_RETRIES times, backing off);
# 404 and 410 say the subscription is gone; other refusals count, and PUSH_MAX_FAILURES in a
# row drop it.
PUSH_RETRIES = 5
PUSH_MAX_FAILURES = 3
PUSH_TTL = 24 * 3600  # seconds a push service keeps a push for a device that is away
PUSH_TIMEOUT = 5.0  # seconds for the whole request (core.outbound's one deadline)
PUSH_BACKOFF_MAX = 3600


@shared_task(bind=True, max_retries=PUSH_RETRIES)
def push_send(self: Any, *, subscription_id: int, data: str) -> None:
    """Encrypt ``data`` for one subscription and hand it to its push service."""
    retries = self.request.retries or 0
    wait = push_deliver(subscription_id=subscription_id, data=data, attempt=retries)
    # Run eagerly (no broker: a first run, tests), a retry would be at once and block the
    # caller: once is enough there.
    if wait is not None and retries < PUSH_RETRIES and not self.request.is_eager:
        raise self.retry(countdown=wait)


def push_deliver(*, subscription_id: int, data: str, attempt: int = 0) -> int | None:
    """One attempt. Returns the seconds to wait before trying again, or None when done."""
    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return None
    session = outbound.guarded_session(
        allow_private=settings.UCHAT_PUSH_ALLOW_PRIVATE, timeout=PUSH_TIMEOUT, max_bytes=4096
    )
    backoff = min(PUSH_BACKOFF_MAX, 30 * 2**attempt)
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=settings.UCHAT_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.UCHAT_VAPID_SUBJECT},  # pywebpush adds aud and exp
            content_encoding="aes128gcm",
            ttl=PUSH_TTL,
            timeout=PUSH_TIMEOUT,
            requests_session=session,
        )
    except WebPushException as exc:
        response = exc.response
        status = response.status_code if response is not None else 0
        if status in (404, 410):  # the browser unsubscribed, or the subscription expired
            subscription.delete()
            return None
        if status == 429 or status >= 500:
            return _retry_after(response, default=backoff)
        _push_refused(subscription, status=status)
        return None
    except outbound.OutboundRefused as exc:
        logger.warning("push to subscription %s refused: %s", subscription_id, exc)
        _push_refused(subscription, status=0)
        return None
    except requests.RequestException as exc:  # time-outs, refused connections
        logger.info("push to subscription %s failed, to try again: %s", subscription_id, exc)
        return backoff
    finally:
        session.close()
    PushSubscription.objects.filter(pk=subscription.pk).update(
        last_success_at=timezone.now(), failures=0
    )
    return None


def _retry_after(response: Any, *, default: int) -> int:
    value = (response.headers.get("Retry-After") or "") if response is not None else ""
    return min(PUSH_BACKOFF_MAX, max(1, int(value))) if value.isdigit() else default


def _push_refused(subscription: PushSubscription, *, status: int) -> None:
    logger.info("push to subscription %s refused (%s)", subscription.pk, status)
    PushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
    PushSubscription.objects.filter(pk=subscription.pk, failures__gte=PUSH_MAX_FAILURES).delete()
