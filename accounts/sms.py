"""Text messages (the codes that verify a mobile number), through a pluggable backend.

``UCHAT_SMS_BACKEND`` chooses it:

- ``console`` (default): the text is written to the log, for a first run and development;
- ``file``: one file per text in ``UCHAT_SMS_FILE_PATH`` (what the tests read codes from);
- ``twilio``: Twilio's Messages API over HTTPS, configured by ``UCHAT_TWILIO_ACCOUNT_SID``,
  ``UCHAT_TWILIO_AUTH_TOKEN`` and ``UCHAT_TWILIO_FROM`` (``UCHAT_TWILIO_URL`` for a proxy);
- or the dotted path of a class with the same ``send(phone, text)`` method.

Every text counts against two budgets per clock hour, held in the cache (Redis in production,
so every server process shares them): ``UCHAT_SMS_PER_HOUR`` for the whole site and
``UCHAT_SMS_PER_COUNTRY_HOUR`` for each country. Texts cost money, most in the countries that
SMS-pumping fraud aims at; past a budget nothing is sent until the next hour.
"""

import json
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import requests
from allauth.core.exceptions import RateLimited
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from accounts.phones import phone_country
from core.cache import window_counts

logger = logging.getLogger(__name__)
BUDGET_WINDOW = 3600  # seconds: the budgets are per clock hour


class SmsError(OSError):
    """The provider refused the text or could not be reached (the task retries)."""


class SmsBudgetExceeded(RateLimited):
    """The site's or the country's texts for this hour are spent: nothing is sent. A kind of
    allauth's RateLimited, so that allauth's own views answer it as a limit too."""

    message = (
        "Text messages are paused: this site has sent as many as it may this hour. Try again "
        "later, or use an e-mail address."
    )


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


def _budget_keys(phone: str) -> list[tuple[str, int]]:
    hour = int(time.time() // BUDGET_WINDOW)
    return [
        (f"uchat:sms-budget:{hour}", settings.UCHAT_SMS_PER_HOUR),
        (f"uchat:sms-budget:{hour}:{phone_country(phone)}", settings.UCHAT_SMS_PER_COUNTRY_HOUR),
    ]


def sms_budget_check(*, phone: str) -> None:
    """Raise SmsBudgetExceeded when a text to ``phone`` would be over a budget, counting
    nothing: what a request that texts nobody answers, so that it looks like one that does."""
    for key, limit in _budget_keys(phone):
        if (cache.get(key) or 0) >= limit:
            raise SmsBudgetExceeded


def sms_budget_consume(*, phone: str) -> None:
    """Count one text to ``phone`` against both budgets, or raise SmsBudgetExceeded and count
    it nowhere. The counts are Redis INCRs, so processes racing for the last text cannot both
    have it."""
    budgets = _budget_keys(phone)
    counts = window_counts([key for key, _ in budgets], BUDGET_WINDOW + 60)
    if any(count > limit for count, (_, limit) in zip(counts, budgets, strict=True)):
        for key, _ in budgets:
            cache.incr(key, -1)  # a refused text spends neither budget
        raise SmsBudgetExceeded
