import logging
import re
import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from accounts import sms
from accounts.site import email_sender

logger = logging.getLogger(__name__)
_LINE_BREAKS = re.compile(r"[\r\n\x00-\x1f\x7f\u2028\u2029]+")


def header_value(text: str) -> str:
    """One line, whatever people typed into a room name, a subject or a display name: a line
    break in a header is refused by Django (BadHeaderError) and is how headers get injected."""
    return _LINE_BREAKS.sub(" ", text).strip()


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one rendered e-mail. Runs on a worker so that SMTP never blocks a request; a
    failure is retried with back-off, and the write that queued it is already committed.
    ``reply_to`` and ``headers`` (Message-ID, References) thread a ticket's e-mails. Every
    e-mail is marked automatic (RFC 3834) unless the caller says how: auto-responders then
    leave it unanswered."""
    headers = {"Auto-Submitted": "auto-generated", **(headers or {})}
    message = EmailMultiAlternatives(
        subject=header_value(subject),
        body=body,
        from_email=email_sender(),
        to=to,
        reply_to=[reply_to] if reply_to else None,
        headers={k: header_value(v) for k, v in headers.items()},
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def send_sms(*, phone: str, text: str) -> None:
    """Send one text (a verification code) through UCHAT_SMS_BACKEND, off the request. A code
    is good for minutes only, so a failing provider is retried briefly, then given up."""
    sms.sms_send(phone=phone, text=text)
