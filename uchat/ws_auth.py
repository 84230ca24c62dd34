"""WebSocket authentication and origin checks, in front of every consumer."""

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser


class BrowserOriginValidator(OriginValidator):
    """A browser always sends Origin: it must be one of ALLOWED_HOSTS (no cross-site socket
    hijacking). Programs that send none authenticate with a JWT and are let through."""

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


@database_sync_to_async
def _user_for_token(token: str) -> Any:
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    try:
        user_id = AccessToken(token)["user_id"]
    except (TokenError, KeyError):
        return AnonymousUser()
    return User.objects.filter(pk=user_id, is_active=True).first() or AnonymousUser()


class JwtQueryAuthMiddleware(BaseMiddleware):
    """``?token=<JWT access token>`` authenticates a socket; otherwise the session does."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        token = parse_qs(scope.get("query_string", b"").decode()).get("token")
        if token:
            scope = dict(scope, user=await _user_for_token(token[0]))
        return await super().__call__(scope, receive, send)


def websocket_stack(app: Any) -> Any:
    hosts = settings.ALLOWED_HOSTS or (
        ["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else []
    )
    return BrowserOriginValidator(AuthMiddlewareStack(JwtQueryAuthMiddleware(app)), hosts)
