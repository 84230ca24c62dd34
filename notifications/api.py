from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from core.api import PAGING_PARAMETERS, page_params
from notifications import payloads, push, selectors, services


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


class PushKeyApi(APIView):
    @extend_schema(
        request=None, responses={200: OpenApiTypes.OBJECT}, summary="The Web Push VAPID key"
    )
    def get(self, request: SignedInApiRequest) -> Response:
        """The application server key browsers subscribe with (base64url, uncompressed)."""
        return Response({"public_key": settings.UCHAT_VAPID_PUBLIC_KEY})


class PushSubscriptionsApi(APIView):
    class KeysSerializer(serializers.Serializer):
        p256dh = serializers.CharField(max_length=200, trim_whitespace=False)
        auth = serializers.CharField(max_length=200, trim_whitespace=False)

    class InputSerializer(serializers.Serializer):
        endpoint = serializers.CharField(max_length=2000, trim_whitespace=False)
        keys = serializers.DictField(child=serializers.CharField(), required=True)

    class EndpointSerializer(serializers.Serializer):
        endpoint = serializers.CharField(max_length=2000, trim_whitespace=False)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
        summary="Notify me on this device (a browser's PushSubscription.toJSON())",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        keys = self.KeysSerializer(data=data.validated_data["keys"])
        keys.is_valid(raise_exception=True)
        session = getattr(request._request, "session", None)
        subscription, created = push.push_subscription_save(
            user=request.user,
            endpoint=data.validated_data["endpoint"],
            p256dh=keys.validated_data["p256dh"],
            auth=keys.validated_data["auth"],
            session_key=getattr(session, "session_key", None),
        )
        return Response(
            {"endpoint": subscription.endpoint, "created_at": subscription.created_at.isoformat()},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={204: None},
        summary="Stop notifications on this device",
    )
    def delete(self, request: SignedInApiRequest) -> Response:
        data = self.EndpointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        push.push_subscription_delete(user=request.user, endpoint=data.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)
