from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.site import email_subject
from accounts.tasks import send_email
from notifications.models import Notification


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
