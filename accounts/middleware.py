from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class RequireTwoFactorMiddleware:
    """With UCHAT_REQUIRE_MFA_FOR_STAFF on, staff and agents set up 2FA before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.UCHAT_REQUIRE_MFA_FOR_STAFF
            and user is not None
            and user.is_authenticated
            and (user.is_staff or user.is_agent)
            and not request.path.startswith(("/accounts/", "/static/", "/check"))
            and not is_mfa_enabled(user)
        ):
            return redirect(reverse("mfa_activate_totp") + f"?next={request.path}")
        return self.get_response(request)
