from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from core.api import PAGING_PARAMETERS, page_params
from notifications import payloads, selectors, services


class NotificationListApi(APIView):
    @extend_schema(
        parameters=PAGING_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="My notifications",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        limit, start = page_params(request)
        page, next_start = selectors.notifications_for_user(
            user=request.user, start=start, limit=limit
        )
        return Response(
            {"notifications": [payloads.notification_payload(n) for n in page], "next": next_start}
        )


class NotificationReadApi(APIView):
    @extend_schema(
        request=None, responses={200: OpenApiTypes.OBJECT}, summary="Mark all my notifications read"
    )
    def post(self, request: SignedInApiRequest) -> Response:
        return Response({"read": services.notifications_mark_read(user=request.user)})
