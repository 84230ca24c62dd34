from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import User
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
