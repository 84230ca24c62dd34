from celery import shared_task

from tickets import services


@shared_task(ignore_result=True)
def sla_check() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): record and e-mail SLA targets just missed."""
    return len(services.sla_breaches_check())


@shared_task(ignore_result=True)
def auto_resolve() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): resolve tickets waiting on the customer too long."""
    return len(services.tickets_auto_resolve())
