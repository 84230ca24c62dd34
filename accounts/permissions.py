from typing import Any

from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request

from accounts.models import ApiToken, User
from accounts.selectors import user_needs_two_factor_setup


class TwoFactorSetUp(BasePermission):
    """UCHAT_REQUIRE_MFA_FOR_STAFF holds on the API too: a staff member or agent without
    two-factor authentication gets 403/4019, whether by session or by token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if isinstance(user, User) and user_needs_two_factor_setup(user=user):
            # Imported here: DRF loads this class while rest_framework.views is half-imported.
            from core import api_errors
            from core.api_errors import ApiError

            raise ApiError(
                403, api_errors.TWO_FACTOR_SETUP_REQUIRED, "Set Up Two-Factor Authentication First"
            )
        return True


class NotWithApiToken(BasePermission):
    """Credentials come from a log-in, never from a personal API token: a token (which may
    expire in a minute) must not mint a never-expiring one, make bots or their tokens, or read
    a signing secret. 403/4090 for a request authenticated by one; a JWT or a session passes.
    ``NotWithApiToken.on("POST")`` refuses only those methods of a view."""

    methods: frozenset[str] | None = None  # None: every method

    @classmethod
    def on(cls, *methods: str) -> type["NotWithApiToken"]:
        refused = frozenset(methods) | ({"HEAD"} if "GET" in methods else set())  # HEAD is GET
        return type(f"NotWithApiToken_{'_'.join(methods)}", (cls,), {"methods": refused})

    def has_permission(self, request: Request, view: Any) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return True
        if isinstance(request.auth, ApiToken):
            from core import api_errors
            from core.api_errors import ApiError

            raise ApiError(
                403,
                api_errors.API_TOKEN_REFUSED,
                "API tokens cannot make credentials: log in to do this",
            )
        return True


def credential_permissions(*methods: str) -> list[type[BasePermission]]:
    """A credential-making view's permission_classes: the defaults (settings'
    DEFAULT_PERMISSION_CLASSES) and NotWithApiToken on ``methods``."""
    return [IsAuthenticated, TwoFactorSetUp, NotWithApiToken.on(*methods)]
