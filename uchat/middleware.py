"""Answer 503 when the database is away, instead of a generic 500."""

from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string


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
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
