"""Text messages (the codes that verify a mobile number), through a pluggable backend.

``UCHAT_SMS_BACKEND`` chooses it:

- ``console`` (default): the text is written to the log, for a first run and development;
- ``file``: one file per text in ``UCHAT_SMS_FILE_PATH`` (what the tests read codes from);
- ``twilio``: Twilio's Messages API over HTTPS, configured by ``UCHAT_TWILIO_ACCOUNT_SID``,
  ``UCHAT_TWILIO_AUTH_TOKEN`` and ``UCHAT_TWILIO_FROM`` (``UCHAT_TWILIO_URL`` for a proxy);
- or the dotted path of a class with the same ``send(phone, text)`` method.
"""

import json
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(OSError):
    """The provider refused the text or could not be reached (the task retries)."""


class Backend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)


class FileBackend:
    """One JSON file per text: {"to": ..., "text": ..., "at": ...}."""

    def __init__(self) -> None:
        if not settings.UCHAT_SMS_FILE_PATH:
            raise ImproperlyConfigured("UCHAT_SMS_BACKEND=file needs UCHAT_SMS_FILE_PATH")
        self.folder = Path(settings.UCHAT_SMS_FILE_PATH)

    def send(self, phone: str, text: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.json"
        payload = {"to": phone, "text": text, "at": time.time()}
        (self.folder / name).write_text(json.dumps(payload))


class TwilioBackend:
    """POST {url}/Accounts/{sid}/Messages.json with To, From and Body (HTTP basic auth)."""

    def __init__(self) -> None:
        self.sid = settings.UCHAT_TWILIO_ACCOUNT_SID
        self.token = settings.UCHAT_TWILIO_AUTH_TOKEN
        self.sender = settings.UCHAT_TWILIO_FROM
        if not (self.sid and self.token and self.sender):
            raise ImproperlyConfigured(
                "UCHAT_SMS_BACKEND=twilio needs UCHAT_TWILIO_ACCOUNT_SID, "
                "UCHAT_TWILIO_AUTH_TOKEN and UCHAT_TWILIO_FROM"
            )
        self.url = f"{settings.UCHAT_TWILIO_URL.rstrip('/')}/Accounts/{self.sid}/Messages.json"

    def send(self, phone: str, text: str) -> None:
        try:
            response = requests.post(
                self.url,
                data={"To": phone, "From": self.sender, "Body": text},
                auth=(self.sid, self.token),
                timeout=10,
            )
        except requests.RequestException as exc:
            raise SmsError(f"Twilio could not be reached: {exc}") from exc
        if response.status_code >= 400:
            # Twilio answers {"code": ..., "message": ...}; the token never appears in it.
            raise SmsError(f"Twilio refused the text ({response.status_code}): {response.text}")


BACKENDS: dict[str, Callable[[], Backend]] = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "twilio": TwilioBackend,
}


def backend() -> Backend:
    name = settings.UCHAT_SMS_BACKEND
    make: Callable[[], Backend] = BACKENDS.get(name) or import_string(name)
    return make()


def sms_send(*, phone: str, text: str) -> None:
    backend().send(phone, text)
