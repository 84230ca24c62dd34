"""WebSocket authentication and origin checks, in front of every consumer."""

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import validate_host

from core.db_calls import database_sync_to_async


class BrowserOriginValidator:
    """A browser always sends Origin, and it must be this site exactly: scheme, host and port
    of the handshake's own address (or one of DJANGO_CSRF_TRUSTED_ORIGINS), with the host in
    ALLOWED_HOSTS. A host-only check let http://site:9999 or http:// for an https site in.
    Programs that send no Origin authenticate with a JWT and are let through."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin")
        if origin is not None and not self.allowed(origin.decode("latin1"), scope, headers):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

    @staticmethod
    def allowed(origin: str, scope: dict[str, Any], headers: dict[bytes, bytes]) -> bool:
        if origin in settings.CSRF_TRUSTED_ORIGINS:
            return True
        host = headers.get(b"host", b"").decode("latin1")
        hostname = urlparse(f"//{host}").hostname or ""
        hosts = settings.ALLOWED_HOSTS or (
            ["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else []
        )
        if not host or not validate_host(hostname, hosts):
            return False
        secure = settings.UCHAT_HTTPS or scope.get("scheme") == "wss"
        return origin == f"{'https' if secure else 'http'}://{host}"


# Read-only, so any worker thread: the handshakes of a reconnect storm do not queue behind the
# one thread that orders every socket's presence writes.
def _user_for_token_sync(token: str) -> tuple[Any, float | None]:
    """The person and the token's expiry (epoch seconds). A token of an inactive person, or
    one older than their last password change, authenticates nobody."""
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import AccessToken

    try:
        access = AccessToken(token)  # type: ignore[arg-type]  # it takes the encoded text
        return JWTAuthentication().get_user(access), float(access["exp"])
    except (TokenError, AuthenticationFailed, KeyError, ValueError):
        return AnonymousUser(), None


_user_for_token = database_sync_to_async(_user_for_token_sync, thread_sensitive=False)

# Other tokens a socket may carry (``?<name>=<token>``), by name, registered by the apps that
# issue them (the widget's visitors: ``widget``). A reader takes the token and the handshake's
# path and returns the person it names for that path, or None (nobody); it runs in a worker
# thread. Such a socket never falls back to the browser session.
token_readers: dict[str, Callable[[str, str], Any]] = {}


def _read_other_sync(name: str, token: str, path: str) -> Any:
    return token_readers[name](token, path) or AnonymousUser()


_read_other = database_sync_to_async(_read_other_sync, thread_sensitive=False)


# Readers of ``?token=`` values that are not JWTs, by their prefix, registered by the apps that
# issue them (accounts: personal API tokens, ``uchat_pat_``). A reader takes the token and
# returns the person (None: nobody) and extra scope keys (``token_exp``; ``api_token``, whose
# group, core.events.token_group, closes the socket when the token ends); it runs in a worker
# thread. A prefixed token never reaches the JWT parser.
prefixed_readers: dict[str, Callable[[str], tuple[Any, dict[str, Any]]]] = {}


def _read_prefixed_sync(prefix: str, token: str) -> tuple[Any, dict[str, Any]]:
    user, extra = prefixed_readers[prefix](token)
    return user or AnonymousUser(), extra


_read_prefixed = database_sync_to_async(_read_prefixed_sync, thread_sensitive=False)


class TokenOrSessionAuth:
    """``?token=<JWT access token>`` authenticates a socket (one database trip: the person);
    without one the browser session does (Channels' AuthMiddlewareStack). ``token_exp`` in the
    scope tells the consumer when to close a token's socket."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.by_session = AuthMiddlewareStack(application)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode())
        token = query.get("token")
        for name in token_readers:
            if query.get(name):
                user = await _read_other(name, query[name][0], scope.get("path", ""))
                return await self.application(dict(scope, user=user), receive, send)
        if not token:
            return await self.by_session(scope, receive, send)
        for prefix in prefixed_readers:
            if token[0].startswith(prefix):
                user, extra = await _read_prefixed(prefix, token[0])
                return await self.application(dict(scope, user=user, **extra), receive, send)
        user, expires = await _user_for_token(token[0])
        return await self.application(dict(scope, user=user, token_exp=expires), receive, send)


def websocket_stack(app: Any) -> Any:
    return BrowserOriginValidator(TokenOrSessionAuth(app))
