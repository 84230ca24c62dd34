"""The integrations' objects as the API (and the pages) show them. Never a secret: those are
added by the door that shows them once."""

from typing import Any

from accounts.payloads import person_payload
from integrations.models import BotCommand, IncomingWebhook, OutgoingWebhook, WebhookDelivery


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def incoming_payload(webhook: IncomingWebhook) -> dict[str, Any]:
    return {
        "id": webhook.pk,
        "name": webhook.name,
        "room": webhook.conversation_id,
        "bot": person_payload(webhook.bot),
        "created_by": person_payload(webhook.created_by) if webhook.created_by else None,
        "created_at": _when(webhook.created_at),
        "revoked_at": _when(webhook.revoked_at),
    }


def outgoing_payload(webhook: OutgoingWebhook) -> dict[str, Any]:
    return {
        "id": webhook.pk,
        "url": webhook.url,
        "events": webhook.events,
        "room": webhook.conversation_id,
        "owner": person_payload(webhook.owner),
        "active": webhook.active,
        "failure_count": webhook.failure_count,
        "disabled_reason": webhook.disabled_reason,
        "created_at": _when(webhook.created_at),
    }


def delivery_payload(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event": delivery.event,
        "delivery": delivery.delivery_id,
        "attempt": delivery.attempt,
        "status_code": delivery.status_code,
        "ok": delivery.ok,
        "error": delivery.error,
        "duration_ms": delivery.duration_ms,
        "created_at": _when(delivery.created_at),
    }


def command_payload(command: BotCommand) -> dict[str, Any]:
    return {
        "id": command.pk,
        "bot": command.bot_id,
        "name": command.name,
        "description": command.description,
        "url": command.url,
        "created_at": _when(command.created_at),
    }
