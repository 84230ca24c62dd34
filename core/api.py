"""What every JSON door shares: its paging parameters (limit, start), read one way."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from core.api_errors import INVALID_PAGING, ApiError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

PAGING_PARAMETERS = [
    OpenApiParameter("limit", int, description=f"1-{MAX_LIMIT}, default {DEFAULT_LIMIT}"),
    OpenApiParameter("start", int, description="the last id already seen"),
]


def _param(request: Request, name: str) -> Any:
    if name in request.query_params:
        return request.query_params[name]
    # The original clients send paging as a JSON body, even on GET.
    data = request.data if isinstance(request.data, dict) else {}
    return data.get(name)


def _positive_int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, INVALID_PAGING, f"{name} must be a whole number.") from None
    if number < 0 or isinstance(value, bool):
        raise ApiError(400, INVALID_PAGING, f"{name} must not be negative.")
    return number


def page_params(request: Request) -> tuple[int, int | None]:
    """(limit, start) from the query string or a JSON body."""
    limit = _positive_int(_param(request, "limit"), "limit")
    if limit is None:
        limit = DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, INVALID_PAGING, f"limit must be from 1 to {MAX_LIMIT}.")
    return limit, _positive_int(_param(request, "start"), "start")


def int_param(request: Request, name: str) -> int | None:
    return _positive_int(_param(request, name), name)
