"""Thin receivers: allauth's and Django's account events call the services that revoke."""

from typing import Any

from allauth.account.signals import (
    email_confirmed,
    password_changed,
    password_reset,
    password_set,
    user_signed_up,
)
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from accounts import services


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.user_access_revoke(user=user, reason="password_changed")


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        services.session_sockets_close(session_key=session_key)


@receiver(email_confirmed)
def _email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    services.user_email_confirmed(address=email_address)


@receiver(user_signed_up)
def _signed_up(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        services.user_signed_up(request=request, user=user)
