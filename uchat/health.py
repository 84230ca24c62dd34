"""Health check: the database and the channel layer must both answer. With a support mailbox
configured, the answer also says whether the e-mail poller is healthy (``mail``: when it last
read the mailbox, and ``stale``); staff, logged in, see how much mail waits as well. That is
for monitoring, and never makes the site unhealthy (a stuck poller is not a reason to take web
processes out of service)."""

import asyncio
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import fanout
from tickets import selectors as ticket_selectors

HEALTH_TIMEOUT = 3.0


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        # Django's request_finished handler drops the broken connection after this request.
        return False


async def _channel_layer_ok() -> bool:
    """Redis takes a broadcast, and this process's fan-out hub (when it listens) heard its
    own beat lately: a broadcast both leaves and arrives."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        ping = layer.group_send("uchat-health", {"type": "health.ping"})
        await asyncio.wait_for(ping, HEALTH_TIMEOUT)
    except Exception:
        return False
    return fanout.hub_hears()


async def health_status() -> dict[str, bool]:
    return {
        "database": await sync_to_async(_database_ok)(),
        "channel_layer": await _channel_layer_ok(),
    }


def _mail_status(*, counts: bool = False) -> dict[str, Any] | None:
    if not settings.UCHAT_IMAP_HOST:
        return None
    try:
        return dict(ticket_selectors.mailbox_status(counts=counts))
    except Exception:
        return None  # the database is away: "database" says so


def health_body(
    checks: dict[str, bool], mail: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    """The seed's wire shape: {"health": "ok"} or the 503/5002 error with the failing checks;
    plus "mail" when a support mailbox is configured."""
    extra = {"mail": mail} if mail is not None else {}
    if all(checks.values()):
        return 200, {"health": "ok", **extra}
    return 503, {
        "code": 503, "subcode": 5002, "error": "App Not Healthy", "checks": checks, **extra,
    }  # fmt: skip


@csrf_exempt
@require_http_methods(["GET", "POST"])
async def check(request: HttpRequest) -> JsonResponse:
    checks = await health_status()
    try:
        user = await request.auser()
    except Exception:
        user = None  # the database is away: "database" says so
    counts = bool(user is not None and user.is_active and user.is_staff)
    status, body = health_body(checks, await sync_to_async(_mail_status)(counts=counts))
    return JsonResponse(body, status=status)


class CheckApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
        summary="Health check",
    )
    def get(self, request: Request) -> Response:
        status, body = health_body(async_to_sync(health_status)(), _mail_status())
        return Response(body, status=status)

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
        summary="Health check",
    )
    def post(self, request: Request) -> Response:
        return self.get(request)
