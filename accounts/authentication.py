"""``Authorization: Bearer uchat_pat_…``: personal API tokens on the API, before the JWT
reader (settings' DEFAULT_AUTHENTICATION_CLASSES), so that one never reaches the JWT parser."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts import tokens


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        text = parts[1].decode("latin1")
        if not text.startswith(tokens.PREFIX):
            return None  # a JWT: the next class reads it
        found = tokens.api_token_authenticate(text=text)
        if found is None:  # unknown, expired, deleted, or its account is inactive: 401/4002
            raise AuthenticationFailed("Invalid Token")
        return found

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'  # as JWTAuthentication's: 401, not 403, without one


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "uchat_pat_…"}
