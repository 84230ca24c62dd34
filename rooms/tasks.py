"""The message engine's periodic work (CELERY_BEAT_SCHEDULE in uchat/settings.py)."""

import logging

from celery import shared_task

from rooms import uploads

logger = logging.getLogger(__name__)


@shared_task
def uploads_sweep() -> int:
    """Every 10 minutes: delete uploads that no message claimed within
    UCHAT_UPLOAD_CLAIM_SECONDS (a refused message whose delete failed, a crash in between)."""
    removed = uploads.unclaimed_sweep()
    if removed:
        logger.info("removed %d unclaimed uploads", removed)
    return removed
