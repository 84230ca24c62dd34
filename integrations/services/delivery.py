"""One signed POST of one event to an outgoing webhook, and what its answer does.

Every attempt is recorded (WebhookDelivery; the last DELIVERIES_KEPT per hook). A network
error, a 5xx or a 429 is tried again by the task (integrations.tasks.webhook_send) with an
exponential back-off, up to ATTEMPTS; any other answer is final (a redirect too: the guarded
session follows none, so every address the server reaches is the checked one). A delivery
that ends failed counts; UCHAT_WEBHOOK_MAX_FAILURES of them in a row switch the hook off and
tell its owner."""

import logging
import time
from typing import Any

import requests
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F

from core import outbound
from integrations.models import OutgoingWebhook, WebhookDelivery
from integrations.services import signing
from notifications import services as notifications
from notifications.models import Code

logger = logging.getLogger(__name__)

ATTEMPTS = 5
BACKOFF = 10  # seconds before the second attempt, doubled before each next one
BACKOFF_MAX = 3600
ANSWER_MAX_BYTES = 64 * 1024
DELIVERIES_KEPT = 100
USER_AGENT = "uchat-webhooks/1"


def headers_for(*, secret: str, event: str, delivery_id: str, body: bytes) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Uchat-Event": event,
        "X-Uchat-Delivery": delivery_id,
        "X-Uchat-Timestamp": str(timestamp),
        "X-Uchat-Signature": signing.signature(secret=secret, timestamp=timestamp, body=body),
    }


def signed_post(
    *, url: str, secret: str, event: str, delivery_id: str, body: bytes, timeout: float
) -> requests.Response:
    """POST through the guarded session (the address is checked after resolution, every time;
    no redirect is followed; at most ANSWER_MAX_BYTES of the answer are read)."""
    session = outbound.guarded_session(
        allow_private=settings.UCHAT_WEBHOOK_ALLOW_PRIVATE,
        timeout=timeout,
        max_bytes=ANSWER_MAX_BYTES,
    )
    try:
        return session.post(
            url,
            data=body,
            headers=headers_for(secret=secret, event=event, delivery_id=delivery_id, body=body),
            timeout=timeout,
        )
    finally:
        session.close()


def deliver(
    *, webhook_id: int, event: str, delivery_id: str, body: str, attempt: int, last: bool
) -> int | None:
    """One attempt. Returns the seconds to wait before the next one, or None when done
    (delivered, refused for good, or ``last``)."""
    webhook = OutgoingWebhook.objects.select_related("owner").filter(pk=webhook_id).first()
    if webhook is None or not webhook.active:
        return None
    record = WebhookDelivery(webhook=webhook, event=event, delivery_id=delivery_id, attempt=attempt)
    retry = False
    started = time.monotonic()
    try:
        response = signed_post(
            url=webhook.url,
            secret=signing.secret_for(webhook.secret_salt),
            event=event,
            delivery_id=delivery_id,
            body=body.encode(),
            timeout=settings.UCHAT_WEBHOOK_TIMEOUT,
        )
    except outbound.OutboundRefused as exc:
        record.error = f"Refused: {exc}"[:300]
    except requests.RequestException as exc:
        record.error = f"{type(exc).__name__}: {exc}"[:300]
        retry = True
    else:
        record.status_code = response.status_code
        if 300 <= response.status_code < 400:
            record.error = "Redirects are not followed."
        elif response.status_code == 429 or response.status_code >= 500:
            retry = True
    record.duration_ms = int((time.monotonic() - started) * 1000)
    _record(record)
    if record.ok:
        if webhook.failure_count:
            OutgoingWebhook.objects.filter(pk=webhook.pk).update(failure_count=0)
        return None
    if retry and not last:
        return min(BACKOFF_MAX, BACKOFF * 2 ** (attempt - 1))
    _failed(webhook, reason=record.error or f"HTTP {record.status_code}")
    return None


def _record(record: WebhookDelivery) -> None:
    record.full_clean()
    record.save()
    stale = WebhookDelivery.objects.filter(webhook_id=record.webhook_id).values_list(
        "pk", flat=True
    )[DELIVERIES_KEPT : DELIVERIES_KEPT + 500]
    if stale:
        WebhookDelivery.objects.filter(pk__in=list(stale)).delete()


def dropped(*, webhook: OutgoingWebhook, event: str, delivery_id: str, reason: str) -> None:
    """An event not sent (the hook's per-minute cap): recorded, so its owner sees the gap."""
    _record(
        WebhookDelivery(
            webhook=webhook, event=event, delivery_id=delivery_id, attempt=0, error=reason
        )
    )


@transaction.atomic
def _failed(webhook: OutgoingWebhook, *, reason: str) -> None:
    """A delivery ended failed: one more in a row; too many switch the hook off."""
    OutgoingWebhook.objects.filter(pk=webhook.pk).update(failure_count=F("failure_count") + 1)
    webhook.refresh_from_db()
    most = settings.UCHAT_WEBHOOK_MAX_FAILURES
    if not webhook.active or webhook.failure_count < most:
        return
    webhook.active = False
    webhook.disabled_reason = f"{most} failed deliveries in a row (last: {reason})"[:200]
    webhook.save(update_fields=["active", "disabled_reason"])
    logger.warning("webhook %s switched off: %s", webhook.pk, webhook.disabled_reason)
    notifications.notification_create(
        user=webhook.owner,
        code=Code.WEBHOOK_DISABLED,
        title="Webhook disabled",
        payload={
            "webhook": webhook.pk,
            "url": webhook.url,
            "reason": webhook.disabled_reason,
            "text": f"{webhook.url}: {webhook.disabled_reason}",
            "room_id": webhook.conversation_id,
        },
        is_error=True,
    )


@shared_task(bind=True, max_retries=ATTEMPTS - 1)
def webhook_send(self: Any, *, webhook_id: int, event: str, delivery_id: str, body: str) -> None:
    """Deliver one event to one hook; network errors, 5xx and 429 are tried again later."""
    retries = self.request.retries or 0
    # Run eagerly (no broker: tests, a one-process setup) a retry would run at once and block
    # the caller: the first attempt is the last there.
    last = retries >= ATTEMPTS - 1 or bool(self.request.is_eager)
    wait = deliver(
        webhook_id=webhook_id,
        event=event,
        delivery_id=delivery_id,
        body=body,
        attempt=retries + 1,
        last=last,
    )
    if wait is not None:
        raise self.retry(countdown=wait)
