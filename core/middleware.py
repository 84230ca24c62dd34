"""Answer 503 when the database is away, instead of a generic 500; refuse NUL characters in
addresses before any view hands them to the database; refuse oversize bodies; tell browsers
which powerful features the site may use (Permissions-Policy); show the admin's times in the
viewer's time zone."""

import zoneinfo
from collections.abc import Callable
from functools import cache
from urllib.parse import unquote

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.api_errors import BAD_REQUEST, body


class DatabaseUnavailableMiddleware:
    """While PostgreSQL restarts, requests fail with a clear 503 (JSON for the API) and the
    next ones reconnect by themselves (CONN_HEALTH_CHECKS); uchat needs no restart."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if request.path.startswith("/api/"):
            body = {"code": 503, "subcode": 5003, "error": "Database Unavailable"}
            response: HttpResponse = JsonResponse(body, status=503)
        else:
            page = render_to_string("503.html", {"site_name": settings.UCHAT_SITE_NAME})
            response = HttpResponse(page, status=503)
        response["Retry-After"] = "5"
        return response


class RefuseNulMiddleware:
    """A NUL in a path or a query (``%00``) gets a clear 400; PostgreSQL cannot store or
    compare text holding one, so views would otherwise answer 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(query):
            message = "The address may not contain NUL characters."
            if request.path.startswith("/api/"):
                return JsonResponse(body(400, BAD_REQUEST, message), status=400)
            return HttpResponse(message, status=400, content_type="text/plain")
        return self.get_response(request)


def request_too_large(path: str) -> HttpResponse:
    """The 413 for a body over UCHAT_MAX_REQUEST_BYTES: the API's JSON error shape under
    /api/, plain text elsewhere. Also sent by core.body_limit while the body is read."""
    limit = settings.UCHAT_MAX_REQUEST_BYTES
    message = f"The request is too large (at most {limit // (1024 * 1024)} MB)."
    if path.startswith("/api/"):
        return JsonResponse(body(413, BAD_REQUEST, message), status=413)
    return HttpResponse(message, status=413, content_type="text/plain")


class RequestSizeMiddleware:
    """A body over UCHAT_MAX_REQUEST_BYTES is refused from its Content-Length (413) before a
    view reads it: a 60 MB "image" is not read to learn that it is over 5 MB. Behind ASGI,
    core.body_limit refuses it earlier still, before Django reads the body at all; this covers
    the other ways into the views (the test client, WSGI)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UCHAT_MAX_REQUEST_BYTES:
            return request_too_large(request.path)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """A ``Permissions-Policy`` header (settings.PERMISSIONS_POLICY) on every response: pages,
    the API, errors and static files. uchat uses no camera, microphone, location, payment or
    device access, so an injected script or a framed page cannot ask for them; choosing a file
    to upload needs none of these."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


TIME_ZONE_COOKIE = "tz"  # the browser's IANA zone, set by static/js/timezone.js


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class AdminTimeZoneMiddleware:
    """The admin renders its times on the server: in the viewer's zone (the ``tz`` cookie
    every page sets), as the site's pages show them. Only there: elsewhere the server writes
    times labelled UTC and the browser rewrites them (static/js/times.js)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.prefix = self.prefix or reverse("admin:index")
        name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
        if not request.path.startswith(self.prefix) or name not in _zone_names():
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
