"""Celery finds the integrations' tasks here; they live with the service they run
(integrations.services.delivery), which the domain-event handlers queue from."""

from integrations.services.delivery import webhook_send

__all__ = ["webhook_send"]
