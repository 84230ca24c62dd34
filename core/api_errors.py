"""The API's one error shape, {"code": HTTP status, "subcode": number, "error": "Readable Text"},
for every failure: validation, auth, 404, 405, 429 and server errors alike (docs/api.md)."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# Subcodes of the seed chat server where it had them (4004, 4010, 5002), uchat's own otherwise.
BAD_REQUEST = 4000
MISSING_AUTH = 4001
INVALID_TOKEN = 4002
INVALID_CREDENTIALS = 4003
USERNAME_TAKEN = 4004
FORBIDDEN = 4005
NOT_FOUND = 4006
METHOD_NOT_ALLOWED = 4007
THROTTLED = 4008
INVALID_PAGING = 4009
INVALID_TEXT = 4010
INVALID_IMAGE = 4011
INVALID_VIDEO = 4012
UNKNOWN_CONTENT_TYPE = 4013
UNKNOWN_RECIPIENT = 4014
UNKNOWN_USERS = 4015
EMAIL_TAKEN = 4016
UNSUPPORTED_MEDIA_TYPE = 4017
TWO_FACTOR_REQUIRED = 4018
TWO_FACTOR_SETUP_REQUIRED = 4019
INVALID_QUERY = 4020
INVALID_FILE = 4021
INVALID_REPLY = 4022
INVALID_THREAD = 4023
INVALID_SUBSCRIPTION = 4025  # a Web Push subscription that is refused (notifications.push)
DIRECTORY_REFUSED = 4051  # guests and bots browse no room directory (rooms.selectors)
CANNOT_LEAVE_ROOM = 4052  # the last admin or the last member of a room (rooms.services.room_leave)
TOO_MANY_TOKENS = 4061  # UCHAT_API_TOKENS_MAX live API tokens already (accounts.tokens)
TOO_MANY_BOTS = 4062  # UCHAT_BOTS_PER_OWNER bots already (accounts.services.bot_create)
INVALID_GROUP_NAME = 4063  # a user group's name: malformed, reserved, a username or taken
UNKNOWN_COMMAND = 4064  # a slash command that does not exist in that conversation
INVALID_COMMAND = 4065  # a slash command's arguments it cannot use ("/mute soon")
INVALID_WEBHOOK_URL = 4080  # integrations: a URL the server may not POST to
INVALID_WEBHOOK_PAYLOAD = 4081  # an incoming webhook's body
INVALID_WEBHOOK_EVENTS = 4082
INVALID_BOT_COMMAND = 4083
TOO_MANY_WEBHOOKS = 4084
API_TOKEN_REFUSED = 4090  # credentials (tokens, bots, secrets) need a log-in, not an API token
SERVER_ERROR = 5000
DATABASE_UNAVAILABLE = 5003  # answered by core.middleware.DatabaseUnavailableMiddleware
SEARCH_TIMEOUT = 5004

# Service ValidationError codes -> (HTTP status, subcode, title). Others: 400/4000 + message.
SERVICE_ERRORS = {
    "empty": (400, INVALID_TEXT, "Invalid Text"),
    "too_long": (400, INVALID_TEXT, "Invalid Text"),
    "invalid": (400, INVALID_TEXT, "Invalid Text"),
    "invalid_text": (400, INVALID_TEXT, "Invalid Text"),
    "invalid_image": (400, INVALID_IMAGE, "Invalid Image"),
    "invalid_video": (400, INVALID_VIDEO, "Invalid Video"),
    "unknown_type": (400, UNKNOWN_CONTENT_TYPE, "Unknown Content Type"),
    "unknown_recipient": (400, UNKNOWN_RECIPIENT, "Unknown Recipient"),
    "unknown_users": (400, UNKNOWN_USERS, "Unknown Users"),
    "username_taken": (409, USERNAME_TAKEN, "Username Already Taken"),
    "email_taken": (409, EMAIL_TAKEN, "E-mail Already Taken"),
    "rate_limited": (429, THROTTLED, "Too Many Requests"),
    "invalid_query": (400, INVALID_QUERY, "Invalid Query"),
    "search_timeout": (503, SEARCH_TIMEOUT, "Search Timed Out"),
    "invalid_file": (400, INVALID_FILE, "Invalid File"),
    "invalid_reply": (400, INVALID_REPLY, "Invalid Reply"),
    "invalid_thread": (400, INVALID_THREAD, "Invalid Thread"),
    "invalid_subscription": (400, INVALID_SUBSCRIPTION, "Invalid Subscription"),
    "last_admin": (400, CANNOT_LEAVE_ROOM, "Cannot Leave Room"),
    "last_member": (400, CANNOT_LEAVE_ROOM, "Cannot Leave Room"),
    "too_many_tokens": (400, TOO_MANY_TOKENS, "Too Many Tokens"),
    "too_many_bots": (400, TOO_MANY_BOTS, "Too Many Bots"),
    "group_name": (400, INVALID_GROUP_NAME, "Invalid Group Name"),
    "invalid_webhook_url": (400, INVALID_WEBHOOK_URL, "Invalid Webhook URL"),
    "invalid_webhook_payload": (400, INVALID_WEBHOOK_PAYLOAD, "Invalid Webhook Payload"),
    "invalid_webhook_events": (400, INVALID_WEBHOOK_EVENTS, "Invalid Webhook Events"),
    "invalid_bot_command": (400, INVALID_BOT_COMMAND, "Invalid Bot Command"),
    "too_many_webhooks": (400, TOO_MANY_WEBHOOKS, "Too Many Webhooks"),
}


class ApiError(exceptions.APIException):
    def __init__(self, status_code: int, subcode: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.status_code = status_code
        self.subcode = subcode
        self.error = error
        self.extra = extra


def body(status_code: int, subcode: int, error: str, **extra: Any) -> dict[str, Any]:
    return {"code": status_code, "subcode": subcode, "error": error, **extra}


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            text = _first_message(value)
            return text if field == "non_field_errors" else f"{field}: {text}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _translate(exc: Exception, context: dict[str, Any]) -> tuple[int, int, str, dict[str, Any]]:
    request = context.get("request")
    if isinstance(exc, ApiError):
        return exc.status_code, exc.subcode, exc.error, exc.extra
    if isinstance(exc, DjangoValidationError):
        code = getattr(exc, "code", None) or next(
            (e.code for e in getattr(exc, "error_list", []) if e.code), None
        )
        message = exc.messages[0] if exc.messages else "Invalid input."
        known = SERVICE_ERRORS.get(code or "")
        if known is None:
            return 400, BAD_REQUEST, message, {}
        status_code, subcode, title = known
        # The title says it all for a conflict; content errors also say what was wrong.
        return status_code, subcode, title, {} if status_code == 409 else {"detail": message}
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        has_header = request is not None and "HTTP_AUTHORIZATION" in request.META
        if isinstance(exc, exceptions.NotAuthenticated) and not has_header:
            return 401, MISSING_AUTH, "Missing Authorization Header", {}
        return 401, INVALID_TOKEN, "Invalid Token", {}
    if isinstance(exc, (exceptions.PermissionDenied, DjangoPermissionDenied)):
        return 403, FORBIDDEN, str(exc) or "Forbidden", {}
    if isinstance(exc, (exceptions.NotFound, Http404)):
        return 404, NOT_FOUND, "Not Found", {}
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, METHOD_NOT_ALLOWED, "Method Not Allowed", {}
    if isinstance(exc, exceptions.Throttled):
        return 429, THROTTLED, "Too Many Requests", {"retry_after": getattr(exc, "wait", None)}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type", {}
    if isinstance(exc, exceptions.ParseError):
        return 400, BAD_REQUEST, "Malformed JSON", {"detail": str(exc.detail)}
    if isinstance(exc, exceptions.ValidationError):
        return 400, BAD_REQUEST, _first_message(exc.detail), {"fields": exc.detail}
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, BAD_REQUEST, str(exc.detail), {}
    raise exc


def json_error(exc: Exception) -> JsonResponse:
    """The same shape for the JSON doors outside DRF (the chat page's history and uploads)."""
    status_code, subcode, error, extra = _translate(exc, {})
    return JsonResponse(body(status_code, subcode, error, **extra), status=status_code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    try:
        status_code, subcode, error, extra = _translate(exc, context)
    except Exception:
        return None  # a real bug: Django's handler500 answers in the same shape
    response = Response(body(status_code, subcode, error, **extra), status=status_code)
    original = exception_handler(exc, context)  # keeps WWW-Authenticate and Retry-After
    if original is not None:
        for header in ("WWW-Authenticate", "Retry-After", "Allow"):
            if header in original:
                response[header] = original[header]
    return response


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse(body(404, NOT_FOUND, "Not Found"), status=404)
    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    from django.views.defaults import server_error

    if request.path.startswith("/api/"):
        return JsonResponse(
            body(500, SERVER_ERROR, "Internal Server Error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return server_error(request)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Bad requests Django refuses before any view (a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    too many fields) keep the API's JSON shape."""
    from django.views.defaults import bad_request

    if request.path.startswith("/api/"):
        message = str(exception) if exception else "Bad Request"
        return JsonResponse(body(400, BAD_REQUEST, message[:200] or "Bad Request"), status=400)
    return bad_request(request, exception or Exception("Bad Request"))
