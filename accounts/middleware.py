from collections.abc import Callable

from allauth.core.exceptions import RateLimited
from allauth.core.ratelimit import respond_429
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.selectors import user_needs_two_factor_setup
from accounts.sms import SmsBudgetExceeded

# Left alone: log-in and set-up pages, static files, the API (refuses with JSON), and the
# installable app's files (uchat/pwa.py), which a browser fetches on its own.
APP_PATHS = (
    "/accounts/",
    "/static/",
    "/check",
    "/api/",
    "/sw.js",
    "/manifest.webmanifest",
    "/icons/",
    "/offline/",
)


class RequireTwoFactorMiddleware:
    """With UCHAT_REQUIRE_MFA_FOR_STAFF on, staff and agents set up 2FA before anything else.
    The API refuses them with JSON instead (core.api.TwoFactorSetUp), sockets at the
    handshake (rooms.sockets)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(APP_PATHS)
            and user_needs_two_factor_setup(user=user)
        ):
            return redirect(reverse("mfa_activate_totp") + f"?next={request.path}")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # allauth's log-in stages text a code without catching its own rate limit (a log-in
        # while the number's last code is seconds old) or uchat's texting budgets: a 429 page
        # that says which, not a server error.
        if isinstance(exception, SmsBudgetExceeded):
            context = {"reason": SmsBudgetExceeded.message}
            return render(request, "429.html", context, status=429)
        if isinstance(exception, RateLimited):
            return respond_429(request)
        return None
