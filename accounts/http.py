"""Request types for views that only signed-in people reach (login_required, DRF's
IsAuthenticated): their ``user`` is a stored User, never AnonymousUser. Services take a User."""

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class SignedInRequest(HttpRequest):
    user: User


class SignedInApiRequest(Request):
    user: User


def staff_user(request: HttpRequest) -> User:
    """The person on an admin-site page (the admin site lets only staff in)."""
    assert isinstance(request.user, User)
    return request.user
